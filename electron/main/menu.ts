import { type BrowserWindow, dialog, Menu } from 'electron';
import type { Engine } from '../engine/engine.ts';
import { sendShellEvent } from './ipc.ts';
import { menuTemplate } from './menu-template.ts';

/** Install the application menu and rebuild it when the recent list can have changed. */
export function installMenu(engine: Engine, win: BrowserWindow): () => void {
  const build = () => {
    const template = menuTemplate({
      recent: engine.ctx.recent.list(),
      isMac: process.platform === 'darwin',
      onCommand: (command, dir) => sendShellEvent(win, 'menu.command', dir ? { command, dir } : { command }),
      onCliHelp: () => void showCliHelp(win),
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };
  build();
  return engine.ctx.events.subscribe((event) => {
    if (event === 'project.changed') build();
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
