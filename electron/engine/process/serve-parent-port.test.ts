import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineToMain, MainToEngine } from '../../../shared/contract/engine-process.ts';
import { createTestProject, type TestEngine } from '../testing/test-engine.ts';
import { type ParentPort, serveParentPort } from './serve-parent-port.ts';

/** Electron's process.parentPort, in memory: what main would post, and what the engine posted back. */
function fakePort() {
  let listener: ((e: { data: unknown }) => void) | null = null;
  const posted: EngineToMain[] = [];
  const port: ParentPort = {
    on: (_event, l) => (listener = l),
    postMessage: (m) => void posted.push(m),
  };
  const send = (m: MainToEngine) => listener!({ data: m });
  const response = async (id: number) => {
    for (let i = 0; i < 200; i++) {
      const found = posted.find((m) => m.kind === 'response' && m.id === id);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no response to request ${id}`);
  };
  return { port, posted, send, response };
}

describe('the engine process serving its parent port', () => {
  let t: TestEngine;
  let exits: number[];
  let p: ReturnType<typeof fakePort>;

  beforeEach(async () => {
    t = await createTestProject('Knee MRI');
    exits = [];
    p = fakePort();
    serveParentPort(p.port, t.engine, (code) => void exits.push(code));
  });
  afterEach(() => t.dispose());

  it('says it is ready once it listens', () => {
    expect(p.posted).toEqual([{ kind: 'ready' }]);
  });

  it('answers each request by id through the dispatcher, errors as code and message', async () => {
    p.send({ kind: 'invoke', id: 7, method: 'project.info', args: {} });
    p.send({ kind: 'invoke', id: 8, method: 'project.rename', args: { name: '' } });
    p.send({ kind: 'invoke', id: 9, method: 'nothing.here', args: {} });
    expect(await p.response(7)).toMatchObject({ ok: true, result: { name: 'Knee MRI' } });
    expect(await p.response(8)).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringContaining('Name must not be empty.') } });
    expect(await p.response(9)).toEqual({ kind: 'response', id: 9, ok: false, error: { code: 'unsupported', message: 'The engine has no method "nothing.here".' } });
  });

  it('resolves labeltune://asset/ paths with their query in the asset registry, bytes as a Uint8Array', async () => {
    t.engine.ctx.assets.register('test', async (rest, query) => ({ contentType: 'image/png', body: Buffer.from(`png:${rest}:${query.get('w')}`), maxAge: 60 }));
    p.send({ kind: 'asset', id: 1, path: '/test/42', query: 'w=128' });
    p.send({ kind: 'asset', id: 2, path: '/nothing/1', query: '' });
    const found = await p.response(1);
    expect(found).toMatchObject({ ok: true, result: { contentType: 'image/png', maxAge: 60 } });
    const body = (found as { result: { body: Uint8Array } }).result.body;
    expect(body).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(body).toString()).toBe('png:42:128');
    expect(await p.response(2)).toMatchObject({ ok: false, error: { code: 'not-found', message: 'No asset at "/nothing/1".' } });
  });

  it('posts every engine event', async () => {
    p.send({ kind: 'invoke', id: 1, method: 'project.rename', args: { name: 'Knees' } });
    await p.response(1);
    const events = p.posted.filter((m) => m.kind === 'event');
    expect(events.map((m) => m.kind === 'event' && [m.event, (m.payload as { name: string }).name])).toEqual([['project.changed', 'Knees']]);
  });

  it('closes the project on shutdown, then exits with 0', async () => {
    p.send({ kind: 'shutdown' });
    for (let i = 0; i < 100 && !exits.length; i++) await new Promise((r) => setTimeout(r, 5));
    expect(exits).toEqual([0]);
    expect(t.engine.ctx.hasProject).toBe(false);
    // Closing emitted project.changed(null) no more: the port was unsubscribed first.
    expect(p.posted.filter((m) => m.kind === 'event')).toEqual([]);
  });
});
