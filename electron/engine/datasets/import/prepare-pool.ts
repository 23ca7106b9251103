import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { processEntry } from '../../app-files.ts';
import { type DecodeOutcome, type DecodeTask, runDecodeTask } from './decode-task.ts';
import type { WorkerReply, WorkerRequest } from './prepare-protocol.ts';

/** out/main/prepare-worker.mjs in the desktop bundle (built from prepare-worker-main.ts); the tsx shim next to this file in the sources. */
export const WORKER_ENTRY = processEntry('prepare-worker.mjs', 'electron/engine/datasets/import/prepare-worker.mjs');

export interface PoolOptions {
  /** Worker threads to start. */
  workers: number;
  /** Files decoded on the engine's own thread at the same time as the workers' (0: workers only). */
  local: number;
  entry?: URL;
}

/** Worker threads started and not yet exited, across all pools (tests check that none leak). */
let liveWorkers = 0;
export const liveWorkerCount = (): number => liveWorkers;

interface Pending {
  id: number;
  task: DecodeTask;
  resolve: (outcome: DecodeOutcome) => void;
  /** In a worker that died with other files in hand: runs again alone, so that a second death names it. */
  suspect?: boolean;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Files sent and not yet answered, oldest first. */
  busy: Pending[];
}

/**
 * Files a worker holds at once: the one it decodes and the next, so that it never idles waiting for
 * the engine's thread (busy with its own share, a batch commit or a large PNG) to send more. With
 * one, the second core sat idle about 15% of an import; with two, about 5%.
 */
const WORKER_DEPTH = 2;

/**
 * Decodes, hashes and thumbnails files on worker threads and, next to them, on the engine's own
 * thread: one shared queue, taken from by whichever is free. The engine's thread starts at once
 * while the workers load (about half a second each), so a pool never makes an import slower to
 * start, and on 2 cores one worker plus the engine's thread keep both busy.
 *
 * A worker that dies (a decoder crash, out of memory) costs one file and nothing else: when it held
 * only that file, the file becomes an 'internal' issue in the report; when it held two, both go back
 * to the front of the queue and run again one at a time, so that the file that kills a worker again
 * is the one named. A fresh worker takes the place of the dead one. The database never leaves the
 * engine's thread: only hashes and metadata come back.
 */
export class PreparePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private local: number;
  private readonly entry: URL;
  private localBusy = 0;
  private nextId = 0;
  private closed = false;

  constructor(opts: PoolOptions) {
    this.entry = opts.entry ?? WORKER_ENTRY;
    // A build without the worker entry decodes everything here rather than not at all.
    const workers = existsSync(fileURLToPath(this.entry)) ? opts.workers : 0;
    this.local = workers === 0 ? Math.max(1, opts.local) : opts.local;
    for (let i = 0; i < workers; i++) this.slots.push(this.spawn());
  }

  /** Decode one file; resolves with its outcome, never rejects. */
  run(task: DecodeTask): Promise<DecodeOutcome> {
    if (this.closed) return Promise.resolve(stopped(task));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, task, resolve });
      this.dispatch();
    });
  }

  /** Stops every worker; files still queued or in a worker resolve as issues. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.resolve(stopped(p.task));
    const slots = this.slots.splice(0);
    for (const s of slots) for (const p of s.busy) p.resolve(stopped(p.task));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** Files decoded at once when every worker is up: the workers and the engine thread's share. */
  get capacity(): number {
    return this.slots.length + this.local;
  }

  /** Workers started and not yet replaced (for tests: none may be left after close). */
  get workerCount(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    const worker = new Worker(this.entry);
    liveWorkers++;
    worker.once('exit', () => liveWorkers--);
    const slot: Slot = { worker, ready: false, busy: [] };
    worker.on('message', (reply: WorkerReply) => this.answered(slot, reply));
    // An uncaught exception gives 'error' then 'exit': the first replaces the slot (and names the better reason).
    worker.on('error', (e) => this.crashed(slot, e instanceof Error ? e.message : String(e)));
    worker.on('exit', (code) => this.crashed(slot, `exit code ${code}`));
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      while (slot.ready && this.queue.length > 0 && takesMore(slot, this.queue[0])) this.send(slot, this.queue.shift() as Pending);
    }
    while (this.localBusy < this.local && this.queue.length > 0) void this.runHere(this.queue.shift() as Pending);
  }

  private send(slot: Slot, next: Pending): void {
    slot.busy.push(next);
    // The bytes the engine read (re-runs, copy mode) move to the worker instead of being copied.
    const bytes = next.task.read?.bytes;
    const movable = bytes && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    slot.worker.postMessage({ id: next.id, task: next.task } satisfies WorkerRequest, movable ? [bytes.buffer as ArrayBuffer] : []);
  }

  private async runHere(p: Pending): Promise<void> {
    this.localBusy++;
    try {
      p.resolve(await runDecodeTask(p.task));
    } finally {
      this.localBusy--;
      this.dispatch();
    }
  }

  private answered(slot: Slot, reply: WorkerReply): void {
    if ('ready' in reply) slot.ready = true;
    else {
      const index = slot.busy.findIndex((p) => p.id === reply.id);
      if (index >= 0) slot.busy.splice(index, 1)[0].resolve(reply.outcome);
    }
    this.dispatch();
  }

  private crashed(slot: Slot, why: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return; // already replaced, or the pool is closing
    this.slots.splice(index, 1);
    if (slot.busy.length === 1) slot.busy[0].resolve(crashIssue(slot.busy[0].task, why));
    else this.queue.unshift(...slot.busy.map((p) => ({ ...p, suspect: true })));
    void slot.worker.terminate();
    // A worker that died while loading would die again: carry on with the others and the engine's thread.
    if (!this.closed && slot.ready) this.slots.push(this.spawn());
    if (this.slots.length === 0) this.local = Math.max(1, this.local);
    this.dispatch();
  }
}

/** A worker takes up to WORKER_DEPTH files, but a suspect only alone. */
function takesMore(slot: Slot, next: Pending): boolean {
  if (slot.busy.length === 0) return true;
  return slot.busy.length < WORKER_DEPTH && !next.suspect && !slot.busy[0].suspect;
}

function crashIssue(task: DecodeTask, why: string): DecodeOutcome {
  const name = basename(task.sourcePath);
  return {
    kind: 'issue',
    issue: {
      path: task.sourcePath,
      code: 'internal',
      message: `Decoding ${name} stopped LabelTune's import worker (${why}); the file was left out and the import went on. Import it again; if it fails again, convert ${name} to PNG and import that.`,
    },
  };
}

function stopped(task: DecodeTask): DecodeOutcome {
  return { kind: 'issue', issue: { path: task.sourcePath, code: 'internal', message: `${basename(task.sourcePath)} was not decoded: the import had stopped first.` } };
}
