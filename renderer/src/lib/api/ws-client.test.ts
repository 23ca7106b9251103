import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineError } from '../../../../shared/contract/errors.ts';
import { browserEndpoint, type ConnectionStatus, type SocketLike, WsClient } from './ws-client.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: { id: number; method: string; args: unknown }[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;

  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.drop();
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
  reply(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const statuses: ConnectionStatus[] = [];
  const client = new WsClient({
    url: 'ws://127.0.0.1:5000/ws?token=t0k',
    token: 't0k',
    backoffMs: [100, 400],
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    onStatus: (s) => statuses.push(s),
  });
  return { client, sockets, statuses };
}

afterEach(() => vi.useRealTimers());

describe('WsClient', () => {
  it('sends requests made while connecting once the socket opens, and resolves with the result', async () => {
    const { client, sockets } = setup();
    const info = client.invoke('project.info', {});
    expect(sockets[0].sent).toEqual([]);
    sockets[0].open();
    expect(sockets[0].sent).toEqual([{ id: 1, method: 'project.info', args: {} }]);
    sockets[0].reply({ id: 1, ok: true, result: { name: 'Knees', counts: { images: 4 } } });
    await expect(info).resolves.toEqual({ name: 'Knees', counts: { images: 4 } });
  });

  it('turns an error response into an EngineError with the engine code and message', async () => {
    const { client, sockets } = setup();
    sockets[0].open();
    const p = client.invoke('project.open', { dir: '/nope' });
    sockets[0].reply({ id: 1, ok: false, error: { code: 'not-found', message: '/nope is not a LabelTune project.' } });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('not-found');
    expect((err as EngineError).message).toBe('/nope is not a LabelTune project.');
  });

  it('rejects requests in flight when the socket drops and reconnects with backoff', async () => {
    vi.useFakeTimers();
    const { client, sockets, statuses } = setup();
    sockets[0].open();
    const p = client.invoke('job.wait', { jobId: 'j1' });
    sockets[0].drop();
    const err = (await p.catch((e: unknown) => e)) as EngineError;
    expect(err.code).toBe('internal');
    expect(err.message).toContain('Lost the connection to the LabelTune engine while "job.wait"');
    expect(statuses).toEqual(['connecting', 'open', 'closed']);
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    // A second drop before opening waits for the next, longer delay.
    sockets[1].drop();
    vi.advanceTimersByTime(399);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    const q = client.invoke('project.recent', {});
    sockets[2].open();
    expect(sockets[2].sent).toEqual([{ id: 2, method: 'project.recent', args: {} }]);
    sockets[2].reply({ id: 2, ok: true, result: [] });
    await expect(q).resolves.toEqual([]);
  });

  it('delivers engine events to listeners of that event only, until unsubscribed', () => {
    const { client, sockets } = setup();
    sockets[0].open();
    const progress: number[] = [];
    const off = client.on('job.progress', (p) => progress.push(p.done));
    const finished = vi.fn();
    client.on('job.finished', finished);
    sockets[0].reply({ event: 'job.progress', payload: { jobId: 'a', kind: 'count', done: 3, total: 10, message: '' } });
    off();
    sockets[0].reply({ event: 'job.progress', payload: { jobId: 'a', kind: 'count', done: 4, total: 10, message: '' } });
    expect(progress).toEqual([3]);
    expect(finished).not.toHaveBeenCalled();
  });

  it('puts the token on asset URLs', () => {
    const { client } = setup();
    expect(client.assetUrl('thumb/42')).toBe('/asset/thumb/42?token=t0k');
    expect(client.assetUrl('render/42?size=512&wc=40&ww=400')).toBe('/asset/render/42?size=512&wc=40&ww=400&token=t0k');
  });
});

describe('browserEndpoint', () => {
  it('derives the WebSocket URL and token from the page location', () => {
    expect(browserEndpoint({ protocol: 'http:', host: '127.0.0.1:4173', search: '?token=a%2Bb' })).toEqual({
      url: 'ws://127.0.0.1:4173/ws?token=a%2Bb',
      token: 'a+b',
    });
  });
});
