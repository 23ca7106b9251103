import { EngineError } from '../../../../shared/contract/errors.ts';
import type {
  Args,
  EngineClient,
  EventMessage,
  EventName,
  Events,
  Method,
  RequestMessage,
  ResponseMessage,
  Result,
} from '../../../../shared/contract/index.ts';
import { Listeners } from './listeners.ts';

/** The part of the browser's WebSocket this client uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
}

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface WsClientOptions {
  /** ws://host:port/ws?token=... */
  url: string;
  token: string;
  createSocket?: (url: string) => SocketLike;
  /** Delays between reconnect attempts; the last one repeats. */
  backoffMs?: readonly number[];
  onStatus?: (status: ConnectionStatus) => void;
}

const OPEN = 1;
const DEFAULT_BACKOFF = [250, 500, 1000, 2000, 5000] as const;

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: EngineError) => void;
}

/**
 * Browser mode's transport: one WebSocket to `labeltune serve`. Requests made while it is
 * (re)connecting wait for the socket; requests in flight when it drops are rejected at once with a
 * message the user can act on, so no spinner waits forever. It reconnects with a growing delay.
 */
export class WsClient implements EngineClient {
  private socket: SocketLike | null = null;
  private nextId = 1;
  private attempt = 0;
  private disposed = false;
  private readonly pending = new Map<number, Pending>();
  private readonly queue: string[] = [];
  private readonly listeners = new Listeners();
  private readonly createSocket: (url: string) => SocketLike;

  constructor(private readonly opts: WsClientOptions) {
    this.createSocket = opts.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.connect();
  }

  invoke<M extends Method>(method: M, args: Args<M>): Promise<Result<M>> {
    const id = this.nextId++;
    const message: RequestMessage = { id, method, args };
    return new Promise<Result<M>>((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
      this.send(JSON.stringify(message));
    });
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    return this.listeners.add(event, listener as (p: unknown) => void);
  }

  assetUrl(path: string): string {
    // render/<id>?wc=… carries its own query, so the token joins it instead of starting a second one.
    return `/asset/${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(this.opts.token)}`;
  }

  dispose(): void {
    this.disposed = true;
    this.socket?.close();
  }

  private send(data: string): void {
    if (this.socket?.readyState === OPEN) this.socket.send(data);
    else this.queue.push(data);
  }

  private connect(): void {
    this.opts.onStatus?.('connecting');
    const socket = this.createSocket(this.opts.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.opts.onStatus?.('open');
      for (const data of this.queue.splice(0)) socket.send(data);
    };
    socket.onmessage = (ev) => this.receive(String(ev.data));
    socket.onclose = () => this.dropped(socket);
  }

  private dropped(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.socket = null;
    this.rejectInFlight();
    this.opts.onStatus?.('closed');
    if (this.disposed) return;
    const delays = this.opts.backoffMs ?? DEFAULT_BACKOFF;
    const delay = delays[Math.min(this.attempt, delays.length - 1)];
    this.attempt++;
    setTimeout(() => this.connect(), delay);
  }

  /** Queued requests were never sent and will go out after reconnecting; sent ones are lost. */
  private rejectInFlight(): void {
    const queuedIds = new Set(this.queue.map((q) => (JSON.parse(q) as RequestMessage).id));
    for (const [id, p] of this.pending) {
      if (queuedIds.has(id)) continue;
      this.pending.delete(id);
      p.reject(
        new EngineError(
          'internal',
          `Lost the connection to the LabelTune engine while "${p.method}" was running. ` +
            'Check that "labeltune serve" is still running in its terminal; the page reconnects by itself, then try again.',
        ),
      );
    }
  }

  private receive(raw: string): void {
    const msg = JSON.parse(raw) as ResponseMessage | EventMessage;
    if ('event' in msg) return this.listeners.emit(msg.event, msg.payload);
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(EngineError.fromData(msg.error));
  }
}

/** The WebSocket URL and token of the page we were served from (`/?token=...`). */
export function browserEndpoint(location: { protocol: string; host: string; search: string }): { url: string; token: string } {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return { url: `${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`, token };
}
