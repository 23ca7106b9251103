/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { LabelTuneBridge } from '../../shared/contract/shell.ts';

declare global {
  interface Window {
    /** Set by electron/preload in the desktop app; absent in browser mode. */
    labeltune?: LabelTuneBridge;
  }
}
