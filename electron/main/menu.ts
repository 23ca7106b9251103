import { type BrowserWindow, dialog, Menu } from 'electron';
import type { RecentProject } from '../../shared/domain/project.ts';
import { type EngineLink, sendShellEvent } from './ipc.ts';
import { menuTemplate } from './menu-template.ts';

/** Install the application menu and rebuild it, with the engine's recent list, when that list can have changed. */
export function installMenu(engine: EngineLink, win: BrowserWindow): () => void {
  const build = (recent: RecentProject[]) => {
    const template = menuTemplate({
      recent,
      isMac: process.platform === 'darwin',
      onCommand: (command, dir) => sendShellEvent(win, 'menu.command', dir ? { command, dir } : { command }),
      onCliHelp: () => void showCliHelp(win),
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };
  // The menu works without the list: a failed lookup leaves it empty rather than the app without a menu.
  const refresh = () => engine.invoke('project.recent', {}).then((recent) => build(recent as RecentProject[]), () => build([]));
  build([]);
  void refresh();
  return engine.subscribe((event) => {
    if (event === 'project.changed') void refresh();
  });
}

function showCliHelp(win: BrowserWindow): Promise<unknown> {
  return dialog.showMessageBox(win, {
    type: 'info',
    title: 'Command-line tool',
    message: 'LabelTune has a command-line tool for scripts and servers.',
    detail:
      'From the project checkout run "npx labeltune --help" to list the commands.\n' +
      '"npx labeltune serve <project-folder>" opens the same app in a web browser.',
  });
}
