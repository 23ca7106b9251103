import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { EngineToMain, MainToEngine } from '../../shared/contract/engine-process.ts';
import { type EngineChild, EngineRelay, lastErrorLine } from './engine-relay.ts';

/** A stand-in for the engine's utility process: records what main posts; the test answers. */
class FakeChild extends EventEmitter implements EngineChild {
  readonly posted: MainToEngine[] = [];
  killed = false;
  said = '';
  lastError(): string {
    return this.said;
  }
  postMessage(message: MainToEngine): void {
    this.posted.push(message);
  }
  kill(): boolean {
    this.killed = true;
    this.emit('exit', 143);
    return true;
  }
  reply(message: EngineToMain): void {
    this.emit('message', message);
  }
  /** Answer the latest request for `method` with `result`. */
  answer(method: string, result: unknown): void {
    const request = this.posted.findLast((m) => m.kind === 'invoke' && m.method === method);
    if (!request || request.kind !== 'invoke') throw new Error(`no request for ${method}`);
    this.reply({ kind: 'response', id: request.id, ok: true, result });
  }
}

function relay(shutdownMs?: number) {
  const children: FakeChild[] = [];
  const gaveUp: string[] = [];
  const events: [string, unknown][] = [];
  const r = new EngineRelay({
    spawn: () => {
      children.push(new FakeChild());
      return children.at(-1)!;
    },
    onGiveUp: (message) => void gaveUp.push(message),
    shutdownMs,
  });
  r.subscribe((event, payload) => void events.push([event, payload]));
  return { r, children, gaveUp, events, child: () => children.at(-1)! };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const project = (dir: string) => ({ dir, name: 'Chest X-rays' });

describe('EngineRelay', () => {
  it('holds requests until the engine is ready, then pairs responses with requests by id', async () => {
    const { r, child } = relay();
    const info = r.invoke('project.info', {});
    const rename = r.invoke('project.rename', { name: '' });
    expect(child().posted).toEqual([]);
    child().reply({ kind: 'ready' });
    await tick();
    expect(child().posted.map((m) => m.kind === 'invoke' && m.method)).toEqual(['project.info', 'project.rename']);
    const [first, second] = child().posted as Extract<MainToEngine, { kind: 'invoke' }>[];
    child().reply({ kind: 'response', id: second.id, ok: false, error: { code: 'validation', message: 'name must not be empty' } });
    child().reply({ kind: 'response', id: first.id, ok: true, result: { name: 'Wrists' } });
    await expect(info).resolves.toEqual({ name: 'Wrists' });
    await expect(rename).rejects.toMatchObject({ code: 'validation', message: 'name must not be empty' });
  });

  it('relays asset requests with their query, and engine events to every subscriber', async () => {
    const { r, child, events } = relay();
    child().reply({ kind: 'ready' });
    await tick();
    const asset = r.asset('/thumb/42', 'w=128');
    const sent = child().posted[0];
    expect(sent).toMatchObject({ kind: 'asset', path: '/thumb/42', query: 'w=128' });
    const body = new Uint8Array([1, 2, 3]);
    child().reply({ kind: 'response', id: (sent as { id: number }).id, ok: true, result: { contentType: 'image/jpeg', body } });
    await expect(asset).resolves.toEqual({ contentType: 'image/jpeg', body });
    child().reply({ kind: 'event', event: 'labels.changed', payload: { imageIds: [1] } });
    expect(events).toEqual([['labels.changed', { imageIds: [1] }]]);
  });

  it('when the engine dies: rejects what was in flight with the reason, says so, restarts it once and reopens the project first', async () => {
    const { r, children, child, events, gaveUp } = relay();
    child().reply({ kind: 'ready' });
    child().reply({ kind: 'event', event: 'project.changed', payload: project('/data/chest') });
    const inFlight = r.invoke('import.start', { paths: ['/data/scans'] });
    child().emit('exit', 137);
    await expect(inFlight).rejects.toMatchObject({
      code: 'internal',
      message: '"import.start" did not finish: the LabelTune engine process stopped unexpectedly (exit code 137). It was restarted, with your project reopened; try again.',
    });
    expect(events.at(-1)).toEqual(['engine.stopped', { message: expect.stringMatching(/^The LabelTune engine process stopped unexpectedly \(exit code 137\)/), restarted: true }]);
    expect(children).toHaveLength(2);
    // A request made meanwhile waits for the reopened project.
    const info = r.invoke('project.info', {});
    child().reply({ kind: 'ready' });
    await tick();
    expect(child().posted).toEqual([{ kind: 'invoke', id: expect.any(Number), method: 'project.open', args: { dir: '/data/chest' } }]);
    child().answer('project.open', project('/data/chest'));
    await tick();
    child().answer('project.info', { name: 'Chest X-rays' });
    await expect(info).resolves.toEqual({ name: 'Chest X-rays' });
    expect(gaveUp).toEqual([]);
  });

  it('gives up when the restarted engine dies too: onGiveUp once, and every later call fails at once', async () => {
    const { r, children, child, events, gaveUp } = relay();
    child().reply({ kind: 'ready' });
    child().emit('exit', 1);
    const queued = r.invoke('project.recent', {});
    child().emit('exit', 134);
    await expect(queued).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('"project.recent" did not finish') });
    expect(children).toHaveLength(2);
    expect(events.map(([e, p]) => [e, (p as { restarted: boolean }).restarted])).toEqual([['engine.stopped', true], ['engine.stopped', false]]);
    expect(gaveUp).toEqual(['The LabelTune engine is not running: it stopped twice (last exit code 134). Quit LabelTune and start it again; your project is saved.']);
    await expect(r.invoke('project.info', {})).rejects.toMatchObject({ code: 'internal', message: gaveUp[0] });
    await expect(r.shutdown()).resolves.toBeUndefined();
  });

  it('shuts down cleanly: asks the engine to close, waits for its exit, restarts nothing', async () => {
    const { r, children, child, events } = relay();
    child().reply({ kind: 'ready' });
    const done = r.shutdown();
    await tick();
    expect(child().posted).toEqual([{ kind: 'shutdown' }]);
    await expect(r.invoke('project.info', {})).rejects.toMatchObject({ code: 'cancelled' });
    child().emit('exit', 0);
    await done;
    expect([children.length, events, child().killed]).toEqual([1, [], false]);
  });

  it('kills an engine that does not exit in time after the shutdown request', async () => {
    const { r, child } = relay(20);
    child().reply({ kind: 'ready' });
    await r.shutdown();
    expect(child().killed).toBe(true);
  });

  it('quotes why the engine died when it said so, in the event and in the dialog', async () => {
    const { r, child, events, gaveUp } = relay();
    child().reply({ kind: 'ready' });
    const why = "Error: The module 'better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115.";
    child().said = why;
    child().emit('exit', 1);
    child().said = why;
    child().emit('exit', 1);
    expect(events.map(([, p]) => (p as { message: string }).message)).toEqual([
      `The LabelTune engine process stopped unexpectedly (exit code 1; it said: ${why}). It was restarted; try again.`,
      `The LabelTune engine process stopped unexpectedly (exit code 1; it said: ${why}). Quit LabelTune and start it again.`,
    ]);
    expect(gaveUp[0]).toMatch(/stopped twice \(last exit code 1\)\. Quit LabelTune and start it again; your project is saved\.\n\nIt said: Error: The module/);
    await expect(r.invoke('project.info', {})).rejects.toMatchObject({ message: gaveUp[0] });
  });

  it('is ready when the engine first says so, and stays ready through a restart', async () => {
    const { r, child } = relay();
    let ready = false;
    void r.whenReady().then(() => (ready = true));
    await tick();
    expect(ready).toBe(false);
    child().reply({ kind: 'ready' });
    await tick();
    expect(ready).toBe(true);
  });

  it('an engine that cannot work here (fatal): whenReady and every call fail with its message, and nothing restarts it', async () => {
    const { r, children, child, gaveUp, events } = relay();
    const queued = r.invoke('project.recent', {});
    const why = 'LabelTune: better-sqlite3 has no build for Electron 41.10.0 (ABI 145). Run "npm run native:electron".';
    child().reply({ kind: 'fatal', message: why });
    await expect(r.whenReady()).rejects.toMatchObject({ code: 'internal', message: why });
    await expect(queued).rejects.toMatchObject({ message: why });
    child().emit('exit', 1);
    expect([children.length, gaveUp, events]).toEqual([1, [], []]);
    await expect(r.invoke('project.info', {})).rejects.toMatchObject({ message: why });
  });

  it('an engine that dies twice before it ever answered fails whenReady, without the give-up dialog', async () => {
    const { r, children, child, gaveUp } = relay();
    child().said = 'Error: Cannot find module better-sqlite3';
    child().emit('exit', 1);
    child().said = 'Error: Cannot find module better-sqlite3';
    child().emit('exit', 1);
    await expect(r.whenReady()).rejects.toMatchObject({ message: expect.stringMatching(/stopped twice \(last exit code 1\)[\s\S]*It said: Error: Cannot find module better-sqlite3$/) });
    expect([children.length, gaveUp]).toEqual([2, []]);
  });
});

describe('lastErrorLine', () => {
  it("finds Node's error line above the stack, and falls back on the last line", () => {
    const crash = [
      'file:///app/out/main/engine.mjs:12',
      '    throw e;',
      '    ^',
      '',
      "Error: The module 'better_sqlite3.node' was compiled against a different Node.js version",
      '    at Module._extensions..node (node:internal/modules/cjs/loader:1460:18)',
      '',
      'Node.js v20.19.0',
      '',
    ].join('\n');
    expect(lastErrorLine(crash)).toBe("Error: The module 'better_sqlite3.node' was compiled against a different Node.js version");
    expect(lastErrorLine('TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string\n    at x\n')).toBe(
      'TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string',
    );
    expect(lastErrorLine('out of memory\n\n')).toBe('out of memory');
    expect(lastErrorLine('')).toBe('');
  });
});
