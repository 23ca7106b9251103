import { WebSocket } from 'ws';
import type { RunningServer } from '../../electron/engine/server/server.ts';

/** A well-behaved browser tab: numbered requests, replies matched by id (events are ignored). */
export class Client {
  private next = 1;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  readonly malformedReplies: Reply[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const reply = JSON.parse(raw.toString()) as Reply;
      if (reply.id === -1) this.malformedReplies.push(reply);
      else if (typeof reply.id === 'number') this.pending.get(reply.id)?.(reply);
    });
  }

  static async open(s: RunningServer): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws?token=${s.token}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Client(ws);
  }

  invoke<T = Record<string, unknown>>(method: string, args: unknown, timeoutMs = 5000): Promise<Reply<T>> {
    const id = this.next++;
    this.ws.send(JSON.stringify({ id, method, args }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(r as Reply<T>);
      });
    });
  }

  close(): void {
    this.ws.close();
  }
}

export interface Reply<T = Record<string, unknown>> {
  id: number;
  ok: boolean;
  result?: T;
  error?: { code: string; message: string };
}
