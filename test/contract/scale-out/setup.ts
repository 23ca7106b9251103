import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNNER_FILES, jobRunnerDir } from '../../../electron/engine/scale-out/script.ts';
import { fillSampleProject } from '../../../electron/engine/runs/testing/sample-project.ts';
import { requireInCi } from '../../../electron/engine/testing/require-in-ci.ts';
import { type TestEngine, createTestProject } from '../../../electron/engine/testing/test-engine.ts';

/**
 * What the scale-out contract tests share: Debian's python3-torch (1.13) and torchvision, the
 * fixture weights, one Python process per test file for the checks, and ranks of train.py started
 * with torchrun's environment contract (Debian's torchrun is broken on Python 3.11).
 */

export const PYTHON = process.env.LABELTUNE_PYTHON ?? '/usr/bin/python3';

/** A pretrained fixture's weights: resnet18-fmnist0-4 or vit_tiny_patch16_224-fmnist0-4. */
export const fixtureWeights = (name: string) => fileURLToPath(new URL(`../../../../shared/fixtures/pretrained/${name}/model.safetensors`, import.meta.url));
export const FIXTURE = fixtureWeights('resnet18-fmnist0-4');

const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, torchvision, PIL'], { encoding: 'utf8' }).status === 0;
export const ready = requireInCi(
  [hasTorch, `${PYTHON} with torch, torchvision and PIL (apt-get install python3-torch python3-torchvision python3-pil)`],
  [existsSync(FIXTURE), `the fixture ${FIXTURE} (../shared/fixtures)`],
);

/** The tiny job: resnet18 at 32 px, 2 epochs, global batch 8, no augmentation. */
export const JOB_OPTS = ['--backbone', 'resnet18', '--weights', FIXTURE, '--image-size', '32', '--epochs', '2', '--batch-size', '8', '--no-augment', '--seed', '5'];

/** The JSON lines of a job's output/metrics.jsonl. */
export function metricRows(dir: string): Record<string, number>[] {
  return readFileSync(join(dir, 'output', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

/** A folder holding only train.py and its package, as a job folder has them. */
export function runnerFolder(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const f of RUNNER_FILES) cpSync(join(jobRunnerDir(), f), join(dir, f), { recursive: true });
  return dir;
}

// Reads one request per line ({code, cwd}), runs the code in a fresh namespace with `train` in it
// and the job folder as working directory, and answers one line: what the code printed, or its error.
const SERVER = `
import contextlib, io, json, os, sys, traceback
sys.path.insert(0, sys.argv[1]); import train
answer = sys.stdout
while True:
    line = sys.stdin.readline()
    if not line: break
    req = json.loads(line); os.chdir(req['cwd']); out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out): exec(compile(req['code'], '<check>', 'exec'), {'__name__': '__main__', 'train': train})
        reply = {'ok': True, 'out': out.getvalue()}
    except BaseException:
        reply = {'ok': False, 'out': out.getvalue(), 'error': traceback.format_exc()}
    answer.write(json.dumps(reply) + '\\n'); answer.flush()
`;

/**
 * One Python process for a test file's checks: importing torch takes seconds, and every check
 * would pay it again in a process of its own. train.py is imported once from the runner folder,
 * of which every job folder holds a verbatim copy (job export copies it).
 */
export class PythonChecks {
  private readonly proc: ChildProcessWithoutNullStreams;
  private queue: Promise<unknown> = Promise.resolve();
  private buffered = '';
  private waiting: ((line: string) => void) | null = null;
  private stderr = '';

  constructor() {
    this.proc = spawn(PYTHON, ['-u', '-c', SERVER, jobRunnerDir()], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.proc.stdout.on('data', (d: Buffer) => {
      this.buffered += d.toString();
      for (let end = this.buffered.indexOf('\n'); end >= 0 && this.waiting; end = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end + 1);
        if (line.startsWith('{')) this.waiting(line); // anything a library printed past the redirect is not a reply
      }
    });
  }

  /** Runs `code` with `cwd` as working directory; resolves to what it printed (trimmed), rejects on an exception. */
  run(code: string, cwd: string): Promise<string> {
    const next = this.queue.then(() => this.ask(code, cwd));
    this.queue = next.catch(() => {});
    return next;
  }

  private ask(code: string, cwd: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.proc.exitCode !== null) return reject(new Error(`python exited (${this.proc.exitCode}): ${this.stderr}`));
      const onExit = (status: number | null) => reject(new Error(`python exited (${status}): ${this.stderr}`));
      this.proc.once('exit', onExit);
      this.waiting = (line) => {
        this.waiting = null;
        this.proc.off('exit', onExit);
        const reply = JSON.parse(line) as { ok: boolean; out: string; error?: string };
        if (reply.ok) resolve(reply.out.trim());
        else reject(new Error(`python failed: ${reply.error}`));
      };
      this.proc.stdin.write(`${JSON.stringify({ code, cwd })}\n`);
    });
  }

  close(): void {
    this.proc.stdin.end();
  }
}

/** Starts `world` ranks of train.py with torchrun's environment contract and waits for them all; returns the seconds taken. */
export async function ranks(dir: string, world: number, port: number, extraEnv: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  const procs = Array.from({ length: world }, (_, rank) => {
    const env = { ...process.env, ...extraEnv, MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), RANK: String(rank), WORLD_SIZE: String(world), LOCAL_RANK: String(rank), LOCAL_WORLD_SIZE: String(world), OMP_NUM_THREADS: '1' };
    const p = spawn(PYTHON, ['train.py'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    return new Promise<void>((res, rej) => p.on('exit', (code) => (code === 0 ? res() : rej(new Error(`rank ${rank} exited ${code}: ${err.slice(-2000)}`)))));
  });
  await Promise.all(procs);
  return (performance.now() - started) / 1000;
}

/**
 * A closed project of 60 images (3 classes of 20, 48x40 so the centre crop and the downscale both
 * do something), with the CLI's home inside its temporary folder. `dispose` restores the home.
 */
export async function createJobProject(): Promise<TestEngine & { restoreHome: () => void }> {
  const t = await createTestProject();
  const previousHome = process.env.LABELTUNE_HOME;
  process.env.LABELTUNE_HOME = join(t.tmp, 'cli-home');
  await fillSampleProject(t.engine.ctx.project().db, t.projectDir, { perClass: 20, classes: ['a', 'b', 'c'], size: 40, width: 48 });
  await t.engine.ctx.setProject(null);
  const restoreHome = () => {
    if (previousHome === undefined) delete process.env.LABELTUNE_HOME;
    else process.env.LABELTUNE_HOME = previousHome;
  };
  return { ...t, restoreHome };
}
