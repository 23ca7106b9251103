import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { LabelTuneBridge } from '../../../../shared/contract/shell.ts';
import { BridgeClient, type ShellClient } from './bridge-client.ts';
import { browserEndpoint, type ConnectionStatus, WsClient } from './ws-client.ts';

export interface Connection {
  client: EngineClient;
  /** Native dialogs and menus; null in browser mode (the UI offers text fields instead). */
  shell: ShellClient | null;
  mode: 'electron' | 'browser';
}

/** Electron when the preload bridge is there, browser mode (WebSocket) otherwise. */
export function connect(
  win: { labeltune?: LabelTuneBridge; location: Location },
  onStatus: (s: ConnectionStatus) => void,
): Connection {
  if (win.labeltune) {
    const client = new BridgeClient(win.labeltune);
    onStatus('open');
    return { client, shell: client.shell, mode: 'electron' };
  }
  const { url, token } = browserEndpoint(win.location);
  return { client: new WsClient({ url, token, onStatus }), shell: null, mode: 'browser' };
}
