import { type ChildProcess, fork } from 'node:child_process';
import type { EngineToTrainer, TrainerToEngine } from '../../training/trainer/protocol.ts';
import { processEntry } from '../app-files.ts';

/** out/main/trainer.mjs in the desktop bundle (built from trainer-main.ts); the tsx shim in the sources. */
export const TRAINER_ENTRY = processEntry('trainer.mjs', 'electron/training/trainer/trainer.mjs');
const TAIL_CHARS = 4000;

/** How a trainer process ended, for the run's error message. */
export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of its stderr (a crash's stack trace). */
  stderrTail: string;
}

/** A trainer child process: typed messages in and out, and one exit report. */
export class TrainerProcess {
  private readonly child: ChildProcess;
  private stderr = '';
  readonly exited: Promise<TrainerExit>;

  constructor(onMessage: (m: TrainerToEngine) => void) {
    this.child = fork(TRAINER_ENTRY, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, LABELTUNE_QUIET: '1' },
      serialization: 'advanced',
    });
    const keep = (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-TAIL_CHARS);
      if (process.env.LABELTUNE_TRAINER_LOG) process.stderr.write(chunk);
    };
    this.child.stderr?.on('data', keep);
    this.child.stdout?.on('data', (c: Buffer) => process.env.LABELTUNE_TRAINER_LOG && process.stderr.write(c));
    this.child.on('message', (m) => onMessage(m as TrainerToEngine));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => resolve({ code, signal, stderrTail: this.stderr }));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(m: EngineToTrainer): void {
    if (this.child.connected) this.child.send(m);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** What out-of-memory looks like from each rung: wasm's abort, V8's and libtensorflow's allocation failures. */
export const OUT_OF_MEMORY = /Aborted\(|Cannot enlarge memory|Array buffer allocation failed|JavaScript heap out of memory|OOM when allocating|out of memory/i;

/** The sentence for a run that ran out of memory: what to lower, never an allocator's text. */
export function outOfMemoryMessage(batchSize: number, imageSize: number): string {
  return `Out of memory at batch ${batchSize}, image size ${imageSize}: lower them (--batch-size, --image-size), or pick a smaller backbone or the top or linear strategy.`;
}

/** A sentence for the user about a trainer that died without reporting why. */
export function describeExit(exit: TrainerExit, run?: { batchSize: number; imageSize: number }): string {
  if (run && OUT_OF_MEMORY.test(exit.stderrTail)) return outOfMemoryMessage(run.batchSize, run.imageSize);
  const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
  const lastLine = exit.stderrTail.trim().split('\n').filter((l) => /error/i.test(l)).pop();
  return `The training process ${how} before finishing${lastLine ? `: ${lastLine.trim()}` : ''}.`;
}
