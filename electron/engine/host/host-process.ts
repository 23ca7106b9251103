import { type ChildProcess, fork } from 'node:child_process';
import { EngineError, type ErrorCode, isErrorCode } from '../../../shared/contract/errors.ts';
import type { EngineToHost, HostArgs, HostEvent, HostMethod, HostResult, HostToEngine, TrainControl } from '../../../shared/contract/model-host.ts';
import { processEntry } from '../app-files.ts';

/** out/main/model-host.mjs in the desktop bundle (built from host-main.ts); the tsx shim in the sources. */
export const HOST_ENTRY = processEntry('model-host.mjs', 'electron/model-host/host.mjs');
const TAIL_CHARS = 4000;

/** How a host process ended, for the job's error message. */
export interface HostExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of its stderr (a crash's stack trace). */
  stderrTail: string;
}

export interface RequestOptions<M extends HostMethod> {
  onEvent?: (event: HostEvent<M>) => void;
  /** What the job is, for a crash's message: "training", "evaluation", "export" ... */
  what: string;
  /** The sentence for running out of memory: what to lower for this job. */
  outOfMemory?: string;
}

interface Pending {
  resolve(result: unknown): void;
  reject(e: EngineError): void;
  onEvent?: (event: never) => void;
  opts: RequestOptions<HostMethod>;
}

/**
 * The engine's one client of the model host: one child process (one per job), requests with ids,
 * their events and results. If the host dies, every open request fails with why (signal, exit code,
 * out of memory); the engine and its other jobs go on.
 */
export class ModelHost {
  private readonly child: ChildProcess;
  private stderr = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  readonly exited: Promise<HostExit>;

  constructor() {
    this.child = fork(HOST_ENTRY, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, LABELTUNE_QUIET: '1' },
      serialization: 'advanced',
    });
    const keep = (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-TAIL_CHARS);
      if (process.env.LABELTUNE_HOST_LOG) process.stderr.write(chunk);
    };
    this.child.stderr?.on('data', keep);
    this.child.stdout?.on('data', (c: Buffer) => process.env.LABELTUNE_HOST_LOG && process.stderr.write(c));
    this.child.on('message', (m) => this.receive(m as HostToEngine));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        const exit = { code, signal, stderrTail: this.stderr };
        for (const p of this.pending.values()) p.reject(crashError(exit, p.opts));
        this.pending.clear();
        resolve(exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Send a request; `done` settles with its result, or an EngineError (its own, or the host's death). */
  request<M extends HostMethod>(method: M, args: HostArgs<M>, opts: RequestOptions<M>): { id: number; done: Promise<HostResult<M>> } {
    const id = this.nextId++;
    const done = new Promise<HostResult<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, onEvent: opts.onEvent as (e: never) => void, opts: opts as RequestOptions<HostMethod> });
    });
    if (!this.alive) this.pending.get(id)!.reject(new EngineError('internal', `The ${opts.what} process is not running.`));
    else this.send({ type: 'request', id, method, args } as EngineToHost);
    return { id, done };
  }

  cancel(id: number): void {
    this.send({ type: 'cancel', id });
  }

  control(id: number, control: TrainControl): void {
    this.send({ type: 'control', id, control });
  }

  /** Let the host exit (it does on disconnect); whatever it still had open fails. */
  close(): void {
    if (this.child.connected) this.child.disconnect();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.alive) this.child.kill(signal);
  }

  private get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private send(m: EngineToHost): void {
    if (this.child.connected) this.child.send(m);
  }

  private receive(m: HostToEngine): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'event') return p.onEvent?.(m.event as never);
    this.pending.delete(m.id);
    if (m.type === 'result') return p.resolve(m.result);
    const code: ErrorCode = isErrorCode(m.error.code) ? m.error.code : 'internal';
    p.reject(p.opts.outOfMemory && OUT_OF_MEMORY.test(m.error.message) ? new EngineError('validation', p.opts.outOfMemory) : new EngineError(code, m.error.message));
  }
}

/** What out-of-memory looks like from each rung: wasm's abort, V8's and libtensorflow's allocation failures. */
export const OUT_OF_MEMORY = /Aborted\(|Cannot enlarge memory|Array buffer allocation failed|JavaScript heap out of memory|OOM when allocating|out of memory/i;

/** The sentence for a training run that ran out of memory: what to lower, never an allocator's text. */
export function outOfMemoryMessage(batchSize: number, imageSize: number): string {
  return `Out of memory at batch ${batchSize}, image size ${imageSize}: lower them (--batch-size, --image-size), or pick a smaller backbone or the top or linear strategy.`;
}

/** A sentence for the user about a host that died without answering: out of memory, or how it ended. */
export function describeExit(exit: HostExit, what: string, outOfMemory?: string): string {
  if (OUT_OF_MEMORY.test(exit.stderrTail)) return outOfMemory ?? `The ${what} process ran out of memory. Close other jobs or programs and try again, or use a smaller image size.`;
  const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
  const lastLine = exit.stderrTail.trim().split('\n').filter((l) => /error/i.test(l)).pop();
  return `The ${what} process ${how} before finishing${lastLine ? `: ${lastLine.trim()}` : ''}.`;
}

function crashError(exit: HostExit, opts: RequestOptions<HostMethod>): EngineError {
  const oom = OUT_OF_MEMORY.test(exit.stderrTail);
  return new EngineError(oom ? 'validation' : 'internal', describeExit(exit, opts.what, opts.outOfMemory), { exitCode: exit.code, signal: exit.signal, outOfMemory: oom });
}
