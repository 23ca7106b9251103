// Pure: imports only types, so the menu's structure is testable without Electron.
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../shared/contract/shell.ts';
import type { RecentProject } from '../../shared/domain/project.ts';

export interface MenuInput {
  recent: RecentProject[];
  isMac: boolean;
  /** The renderer performs the command (it owns the forms and shows errors in one place). */
  onCommand: (command: MenuCommand, dir?: string) => void;
  onCliHelp: () => void;
}

const MAX_RECENT = 10;

/** File / Edit / View / Help, plus the app menu on macOS. */
export function menuTemplate({ recent, isMac, onCommand, onCliHelp }: MenuInput): MenuItemConstructorOptions[] {
  const recentItems: MenuItemConstructorOptions[] = recent.length
    ? recent.slice(0, MAX_RECENT).map((p) => ({
        label: `${p.name} — ${p.dir}`,
        click: () => onCommand('project.openRecent', p.dir),
      }))
    : [{ label: 'No recent projects', enabled: false }];
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'New Project…', accelerator: 'CmdOrCtrl+N', click: () => onCommand('project.new') },
      { label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: () => onCommand('project.open') },
      { label: 'Open Recent', submenu: recentItems },
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      { role: 'reload' },
      { role: 'toggleDevTools' },
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [{ label: 'Command-Line Tool…', click: onCliHelp }, ...(isMac ? [] : [{ role: 'about' as const }])],
  };
  const appMenu: MenuItemConstructorOptions[] = isMac ? [{ role: 'appMenu' }] : [];
  return [...appMenu, file, { role: 'editMenu' }, view, help];
}
