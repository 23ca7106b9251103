import type { EngineErrorData } from './errors.ts';

/**
 * Methods only the Electron shell answers (native dialogs). They travel over the same
 * `engine:invoke` channel but are handled in electron/main before the engine's dispatcher, so they
 * are deliberately NOT part of `Handlers`: the engine, the CLI and browser mode never offer them.
 */
export interface ShellHandlers {
  /** Ask the user for a folder with the system dialog; `dir` is null when they cancel. */
  'dialog.openFolder': (a: { title?: string; forNewProject?: boolean }) => Promise<{ dir: string | null }>;
  /** Ask the user for one file with the system dialog (e.g. `.safetensors` weights); `path` is null when they cancel. */
  'dialog.openFile': (a: { title?: string; extensions?: string[] }) => Promise<{ path: string | null }>;
}
export type ShellMethod = keyof ShellHandlers & string;
export type ShellArgs<M extends ShellMethod> = Parameters<ShellHandlers[M]>[0];
export type ShellResult<M extends ShellMethod> = Awaited<ReturnType<ShellHandlers[M]>>;
export const SHELL_METHODS: readonly ShellMethod[] = ['dialog.openFolder', 'dialog.openFile'];

export function isShellMethod(method: string): method is ShellMethod {
  return (SHELL_METHODS as readonly string[]).includes(method);
}

/** Menu items the renderer acts on (it owns the forms and the error toasts). */
export const MENU_COMMANDS = ['project.new', 'project.open', 'project.openRecent'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

/** Events only the Electron shell sends, on the `engine:event` channel next to the engine's events. */
export interface ShellEvents {
  /** The user picked a menu item; `dir` is set for Open Recent. */
  'menu.command': { command: MenuCommand; dir?: string };
  /** The engine process died: calls in flight failed with this message; `restarted` says whether it came back. */
  'engine.stopped': { message: string; restarted: boolean };
}

/** What `engine:invoke` answers over IPC: errors travel as data because IPC flattens Error objects. */
export type BridgeResponse = { ok: true; result: unknown } | { ok: false; error: EngineErrorData };

/** The object the preload script exposes as `window.labeltune` (nothing else is exposed). */
export interface LabelTuneBridge {
  invoke(method: string, args: unknown): Promise<BridgeResponse>;
  on(event: string, listener: (payload: unknown) => void): () => void;
  /** The absolute path of a file or folder dropped on the window (Electron's webUtils; none in browser mode). */
  pathForFile(file: File): string;
}
