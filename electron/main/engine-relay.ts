import { EngineError } from '../../shared/contract/errors.ts';
import type { AssetReply, EngineToMain, MainToEngine } from '../../shared/contract/engine-process.ts';
import type { ProjectInfo } from '../../shared/domain/project.ts';

/** What the relay needs of Electron's UtilityProcess (and what the tests fake). */
export interface EngineChild {
  postMessage(message: MainToEngine): void;
  on(event: 'message', listener: (message: EngineToMain) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
  /** Why the process died, when it said so on stderr (lastErrorLine). */
  lastError?(): string;
}

export type RelayListener = (event: string, payload: unknown) => void;

export interface RelayOptions {
  /** Starts a fresh engine process. */
  spawn(): EngineChild;
  /** The engine died a second time after it had worked: the relay has stopped restarting it (main shows a dialog). */
  onGiveUp(message: string): void;
  /** How long a clean shutdown may take before the process is killed. */
  shutdownMs?: number;
}

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(error: EngineError): void;
}

/**
 * Main's side of the engine process: requests go out with ids and come back as promises; engine events
 * reach every subscriber. If the process dies, every pending request is rejected with the reason,
 * subscribers get an `engine.stopped` event, and the engine is restarted once, reopening the project
 * that was open. A second death is final: `onGiveUp`, and every later call fails at once.
 */
export class EngineRelay {
  private child: EngineChild;
  private ready = false;
  private readonly queue: MainToEngine[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<RelayListener>();
  private nextId = 1;
  private deaths = 0;
  private gone: string | null = null;
  private openDir: string | null = null;
  private stopping: Promise<void> | null = null;
  private exited: (() => void) | null = null;
  private everReady = false;
  private readonly started: Promise<void>;
  private startedSettle!: { resolve(): void; reject(e: EngineError): void };

  constructor(private readonly opts: RelayOptions) {
    this.started = new Promise((resolve, reject) => (this.startedSettle = { resolve, reject }));
    this.started.catch(() => {}); // read by whenReady; a relay nobody waits on must not crash main
    this.child = this.start(null);
  }

  /** Resolves when the engine first answers; rejects with what to do when it cannot start at all. */
  whenReady(): Promise<void> {
    return this.started;
  }

  invoke(method: string, args: unknown): Promise<unknown> {
    return this.request(method, (id) => ({ kind: 'invoke', id, method, args }));
  }

  asset(path: string, query: string): Promise<AssetReply> {
    return this.request('asset', (id) => ({ kind: 'asset', id, path, query })) as Promise<AssetReply>;
  }

  subscribe(listener: RelayListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ask the engine to close the project and exit; kill it if it takes longer than `shutdownMs`. */
  shutdown(): Promise<void> {
    if (this.gone) return Promise.resolve();
    this.stopping ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.child.kill(), this.opts.shutdownMs ?? 10_000);
      this.exited = () => (clearTimeout(timer), resolve());
      this.send({ kind: 'shutdown' });
    });
    return this.stopping;
  }

  private request(method: string, message: (id: number) => MainToEngine): Promise<unknown> {
    if (this.gone) return Promise.reject(new EngineError('internal', this.gone));
    if (this.stopping) return Promise.reject(new EngineError('cancelled', 'LabelTune is closing; the engine takes no more requests.'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      this.send(message(id));
    });
  }

  private send(message: MainToEngine): void {
    if (this.ready) this.child.postMessage(message);
    else this.queue.push(message);
  }

  /** A fresh process; after a restart it reopens `reopen` before the queued requests go out. */
  private start(reopen: string | null): EngineChild {
    const child = this.opts.spawn();
    this.ready = false;
    child.on('message', (m) => {
      if (child === this.child) this.receive(m, reopen);
    });
    child.on('exit', (code) => {
      if (child === this.child) this.died(code);
    });
    return child;
  }

  private receive(message: EngineToMain, reopen: string | null): void {
    if (message.kind === 'ready') void this.becomeReady(reopen);
    else if (message.kind === 'fatal') this.cannotStart(message.message);
    else if (message.kind === 'event') this.emit(message.event, message.payload);
    else this.settle(message);
  }

  private async becomeReady(reopen: string | null): Promise<void> {
    if (reopen) await this.reopen(reopen);
    this.ready = true;
    this.everReady = true;
    this.startedSettle.resolve();
    for (const message of this.queue.splice(0)) this.child.postMessage(message);
  }

  /** The engine cannot work in this runtime: no restart would help. */
  private cannotStart(message: string): void {
    this.gone = message;
    this.rejectAll(() => message);
    this.startedSettle.reject(new EngineError('internal', message));
  }

  private reopen(dir: string): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve) => {
      const fail = (e: EngineError) => {
        this.emit('engine.stopped', { message: `The engine restarted but could not reopen the project at ${dir}: ${e.message}`, restarted: true });
        resolve();
      };
      this.pending.set(id, { method: 'project.open', resolve: () => resolve(), reject: fail });
      this.child.postMessage({ kind: 'invoke', id, method: 'project.open', args: { dir } });
    });
  }

  private settle(message: Extract<EngineToMain, { kind: 'response' }>): void {
    const call = this.pending.get(message.id);
    if (!call) return;
    this.pending.delete(message.id);
    if (message.ok) call.resolve(message.result);
    else call.reject(EngineError.fromData(message.error));
  }

  private emit(event: string, payload: unknown): void {
    if (event === 'project.changed') this.openDir = (payload as ProjectInfo | null)?.dir ?? null;
    for (const listener of this.listeners) listener(event, payload);
  }

  private died(code: number): void {
    this.ready = false;
    if (this.gone) return void this.exited?.();
    if (this.stopping) {
      this.rejectAll(() => 'LabelTune closed before the engine answered.');
      this.gone = 'LabelTune is closing; the engine has stopped.';
      this.exited?.();
      return;
    }
    this.deaths++;
    const said = this.child.lastError?.();
    const why = `the LabelTune engine process stopped unexpectedly (exit code ${code}${said ? `; it said: ${said}` : ''})`;
    const restart = this.deaths === 1;
    const reopened = this.openDir ? ', with your project reopened' : '';
    const next = restart ? `It was restarted${reopened}; try again.` : 'Quit LabelTune and start it again.';
    this.rejectAll((method) => `"${method}" did not finish: ${why}. ${next}`);
    this.queue.length = 0;
    this.emit('engine.stopped', { message: `${capitalize(why)}. ${next}`, restarted: restart });
    if (restart) {
      this.child = this.start(this.openDir);
      return;
    }
    this.gone = `The LabelTune engine is not running: it stopped twice (last exit code ${code}). Quit LabelTune and start it again; your project is saved.${said ? `\n\nIt said: ${said}` : ''}`;
    // An engine that never worked is main's start-up failure (whenReady), not a dialog on top of it.
    if (this.everReady) this.opts.onGiveUp(this.gone);
    this.startedSettle.reject(new EngineError('internal', this.gone));
  }

  private rejectAll(message: (method: string) => string): void {
    for (const [id, call] of this.pending) {
      this.pending.delete(id);
      call.reject(new EngineError('internal', message(call.method)));
    }
  }
}

/**
 * The line of a process's stderr that says why it died: the last `SomethingError: ...` line (Node
 * prints the error above its stack and a "Node.js v20" line), else the last line with any text.
 */
export function lastErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Node\.js v\d/.test(l));
  const error = lines.findLast((l) => /^([A-Z]\w*)?Error\b[^:]*:/.test(l));
  return (error ?? lines.at(-1) ?? '').slice(0, 400);
}

function capitalize(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}
