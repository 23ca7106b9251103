import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../electron/engine/cli/labeltune.mjs', import.meta.url));

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A `labeltune` process started from the sources, with its output collected and its exit awaited. */
export interface CliChild {
  child: ChildProcess;
  exited: Promise<CliExit>;
  /** Resolves at the first progress line ("N% done/total ...") on stderr. */
  firstProgress: Promise<void>;
}

/** Start `node labeltune.mjs ...args` with its own LabelTune home (recent projects stay in the test's folder). */
export function spawnCli(home: string, args: string[]): CliChild {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, LABELTUNE_HOME: home, LABELTUNE_QUIET: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let progressed: () => void = () => undefined;
  const firstProgress = new Promise<void>((resolve) => (progressed = resolve));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (/^\d+% /m.test(stderr)) progressed();
  });
  const exited = new Promise<CliExit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exited, firstProgress };
}

/** Run a CLI command to its end; a hang past `timeoutMs` is killed and fails the caller's assertions. */
export async function runCliProcess(home: string, args: string[], timeoutMs = 60_000): Promise<CliExit> {
  const { child, exited } = spawnCli(home, args);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = await exited;
  clearTimeout(timer);
  return exit;
}
