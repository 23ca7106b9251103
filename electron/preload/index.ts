// Runs sandboxed in the renderer: only 'electron' can be required. It exposes invoke/on over the
// two allow-listed channels (plus the path of a dropped file), so page code never touches ipcRenderer.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC_CHANNELS, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type EventMessage } from '../../shared/contract/index.ts';
import type { BridgeResponse, LabelTuneBridge } from '../../shared/contract/shell.ts';

function allowed<C extends string>(channel: C): C {
  if (!(IPC_CHANNELS as readonly string[]).includes(channel)) throw new Error(`IPC channel ${channel} is not allowed`);
  return channel;
}

const bridge: LabelTuneBridge = {
  invoke: (method, args) => ipcRenderer.invoke(allowed(IPC_INVOKE_CHANNEL), String(method), args) as Promise<BridgeResponse>,
  on(event, listener) {
    const handler = (_e: IpcRendererEvent, message: EventMessage) => {
      if (message.event === event) listener(message.payload);
    };
    ipcRenderer.on(allowed(IPC_EVENT_CHANNEL), handler);
    return () => void ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  },
  // Sandboxed pages see no file paths; dropped files get theirs here and nowhere else.
  pathForFile: (file) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld('labeltune', bridge);
