import { EngineError } from '../../shared/contract/errors.ts';
import type { EngineToHost, HostMethod, HostRequest, HostToEngine, TrainControl } from '../../shared/contract/model-host.ts';
import type { Service, ServiceContext } from './service.ts';
import { SERVICES } from './services.ts';

/**
 * The model host process: the only runtime that loads TensorFlow. It serves the engine's requests
 * (shared/contract/model-host.ts) over child_process IPC and never touches the database. If the
 * engine goes away (disconnect), the host exits too: nobody would record its results.
 */
function send(m: HostToEngine): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

interface Live {
  abort: AbortController;
  control: ((c: TrainControl) => void) | null;
}

const live = new Map<number, Live>();

/** Errors cross to the engine as { code, message }; anything that is not an EngineError is internal. */
function errorData(e: unknown): EngineError {
  if (e instanceof EngineError) return e;
  return new EngineError('internal', e instanceof Error ? e.message : String(e));
}

/**
 * Test hook, a host dying of out-of-memory: LABELTUNE_HOST_OOM=<method> makes the host print what
 * tfjs-backend-wasm prints when its heap is exhausted, and exit, when asked to serve that method.
 */
function oomHook(method: HostMethod): void {
  if (process.env.LABELTUNE_HOST_OOM !== method) return;
  process.stderr.write('RuntimeError: Aborted(). Build with -sASSERTIONS for more info.\n', () => process.exit(1));
}

async function serve(req: HostRequest): Promise<void> {
  oomHook(req.method);
  const entry: Live = { abort: new AbortController(), control: null };
  live.set(req.id, entry);
  const ctx: ServiceContext<HostMethod> = {
    emit: (event) => void send({ type: 'event', id: req.id, event }),
    signal: entry.abort.signal,
    onControl: (listener) => (entry.control = listener),
  };
  try {
    const result = await (SERVICES[req.method] as Service<HostMethod>)(req.args, ctx);
    await send({ type: 'result', id: req.id, result });
  } catch (e) {
    // Unhandled errors inside TF leave its state unknown; the engine starts a fresh host per job anyway.
    await send({ type: 'error', id: req.id, error: errorData(e).toJSON() });
  } finally {
    live.delete(req.id);
  }
}

process.on('message', (raw) => {
  const msg = raw as EngineToHost;
  if (msg.type === 'request') return void serve(msg);
  const entry = live.get(msg.id);
  if (msg.type === 'cancel') entry?.abort.abort();
  else entry?.control?.(msg.control);
});
process.on('disconnect', () => process.exit(0));
