import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventMessage } from '../../shared/contract/index.ts';
import type { BridgeResponse } from '../../shared/contract/shell.ts';
import { createTestProject, type TestEngine } from '../engine/testing/test-engine.ts';
import type { Engine } from '../engine/engine.ts';
import { type EngineLink, serveIpc } from './ipc.ts';

/** The engine in this process, in place of the relay to its own process (engine-relay.test.ts covers that). */
const link = (engine: Engine): EngineLink => ({
  invoke: (method, args) => engine.dispatcher.dispatch(method, args),
  subscribe: (listener) => engine.ctx.events.subscribe(listener),
});

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<BridgeResponse>;

/** Just enough of ipcMain and a BrowserWindow to drive the transport without Electron. */
function fakes() {
  const handlers = new Map<string, Handler>();
  const sent: { channel: string; message: EventMessage }[] = [];
  const webContents = { send: (channel: string, message: EventMessage) => sent.push({ channel, message }) };
  const win = { webContents, isDestroyed: () => false } as unknown as BrowserWindow;
  const ipcMain = {
    handle: (channel: string, h: Handler) => handlers.set(channel, h),
    removeHandler: (channel: string) => handlers.delete(channel),
  } as unknown as IpcMain;
  const call = (sender: unknown, frameUrl: string, method: string, args: unknown) =>
    handlers.get('engine:invoke')!({ sender, senderFrame: { url: frameUrl } } as unknown as IpcMainInvokeEvent, method, args);
  return { handlers, sent, webContents, win, ipcMain, call };
}

describe('serveIpc', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await createTestProject('Wrist fractures');
  });
  afterEach(() => t.dispose());

  it('dispatches engine methods from the app page and returns JSON results', async () => {
    const f = fakes();
    serveIpc(f.ipcMain, link(t.engine), f.win, async () => 'shell');
    const res = await f.call(f.webContents, 'labeltune://app/index.html', 'project.info', {});
    expect(res.ok).toBe(true);
    expect(res.ok && (res.result as { name: string }).name).toBe('Wrist fractures');
  });

  it('returns engine errors as data with code and message', async () => {
    const f = fakes();
    serveIpc(f.ipcMain, link(t.engine), f.win, async () => null);
    const res = await f.call(f.webContents, 'labeltune://app/index.html', 'project.rename', { name: '' });
    expect(res).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(!res.ok && res.error.message).toContain('Name must not be empty.');
  });

  it('refuses calls from another sender or a frame that is not the app page', async () => {
    const f = fakes();
    serveIpc(f.ipcMain, link(t.engine), f.win, async () => null);
    const foreign = await f.call({}, 'labeltune://app/index.html', 'project.info', {});
    const navigated = await f.call(f.webContents, 'https://example.com/', 'project.info', {});
    for (const res of [foreign, navigated]) {
      expect(res).toEqual({ ok: false, error: { code: 'unsupported', message: 'Engine calls are only accepted from the LabelTune window.' } });
    }
  });

  it('routes shell-only methods to the shell, never to the engine', async () => {
    const f = fakes();
    const shellCalls: unknown[] = [];
    serveIpc(f.ipcMain, link(t.engine), f.win, async (method, args) => {
      shellCalls.push([method, args]);
      return { dir: '/data/new' };
    });
    const res = await f.call(f.webContents, 'labeltune://app/index.html', 'dialog.openFolder', { title: 'Pick' });
    expect(res).toEqual({ ok: true, result: { dir: '/data/new' } });
    expect(shellCalls).toEqual([['dialog.openFolder', { title: 'Pick' }]]);
    expect(t.engine.dispatcher.methods).not.toContain('dialog.openFolder');
  });

  it('forwards engine events on engine:event until stopped', async () => {
    const f = fakes();
    const stop = serveIpc(f.ipcMain, link(t.engine), f.win, async () => null);
    await f.call(f.webContents, 'labeltune://app/index.html', 'project.rename', { name: 'Wrists' });
    const changed = f.sent.filter((s) => s.message.event === 'project.changed');
    expect(changed.map((s) => [s.channel, (s.message.payload as { name: string }).name])).toEqual([['engine:event', 'Wrists']]);
    stop();
    expect(f.handlers.has('engine:invoke')).toBe(false);
    await t.client.invoke('project.rename', { name: 'Again' });
    expect(f.sent.filter((s) => s.message.event === 'project.changed')).toHaveLength(1);
  });
});
