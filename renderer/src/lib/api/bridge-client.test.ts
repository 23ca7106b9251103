import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../../shared/contract/errors.ts';
import type { BridgeResponse, LabelTuneBridge } from '../../../../shared/contract/shell.ts';
import { BridgeClient } from './bridge-client.ts';
import { connect } from './connect.ts';

/** Stands in for window.labeltune: answers by method name and lets the test push events. */
function fakeBridge(answers: Record<string, BridgeResponse>) {
  const calls: [string, unknown][] = [];
  const listeners: [string, (p: unknown) => void][] = [];
  const bridge: LabelTuneBridge = {
    invoke: async (method, args) => {
      calls.push([method, args]);
      return answers[method] ?? { ok: false, error: { code: 'unsupported', message: `no ${method}` } };
    },
    on: (event, listener) => {
      const entry: [string, (p: unknown) => void] = [event, listener];
      listeners.push(entry);
      return () => void listeners.splice(listeners.indexOf(entry), 1);
    },
    pathForFile: (file) => `/dropped/${file.name}`,
  };
  const emit = (event: string, payload: unknown) => listeners.filter(([e]) => e === event).forEach(([, l]) => l(payload));
  return { bridge, calls, emit };
}

describe('BridgeClient', () => {
  it('returns results and rebuilds EngineErrors from the data IPC carries', async () => {
    const { bridge, calls } = fakeBridge({
      'project.recent': { ok: true, result: [{ dir: '/a', name: 'A', openedAt: 'x' }] },
      'project.open': { ok: false, error: { code: 'conflict', message: '/a was created by a newer LabelTune.' } },
    });
    const client = new BridgeClient(bridge);
    expect(await client.invoke('project.recent', {})).toEqual([{ dir: '/a', name: 'A', openedAt: 'x' }]);
    const err = (await client.invoke('project.open', { dir: '/a' }).catch((e: unknown) => e)) as EngineError;
    expect(err).toBeInstanceOf(EngineError);
    expect([err.code, err.message]).toEqual(['conflict', '/a was created by a newer LabelTune.']);
    expect(calls).toEqual([['project.recent', {}], ['project.open', { dir: '/a' }]]);
  });

  it('offers the shell-only dialog and menu events, and labeltune:// asset URLs', async () => {
    const { bridge, emit } = fakeBridge({ 'dialog.openFolder': { ok: true, result: { dir: '/picked' } } });
    const client = new BridgeClient(bridge);
    expect(await client.shell.invoke('dialog.openFolder', { title: 'Open project' })).toEqual({ dir: '/picked' });
    const commands: string[] = [];
    const off = client.shell.on('menu.command', (c) => commands.push(c.command));
    emit('menu.command', { command: 'project.new' });
    off();
    emit('menu.command', { command: 'project.open' });
    expect(commands).toEqual(['project.new']);
    expect(client.assetUrl('thumb/7')).toBe('labeltune://asset/thumb/7');
  });
});

describe('connect', () => {
  it('uses the preload bridge in Electron and reports the connection open at once', () => {
    const { bridge } = fakeBridge({});
    const statuses: string[] = [];
    const c = connect({ labeltune: bridge, location: window.location }, (s) => statuses.push(s));
    expect(c.mode).toBe('electron');
    expect(c.shell).not.toBeNull();
    expect(statuses).toEqual(['open']);
  });
});
