import type { BrowserWindow, Dialog, OpenDialogOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { shellHandlers } from './shell-handlers.ts';

/** A system dialog that records what it was asked and answers `paths` (none: the user cancelled). */
function fakeDialog(paths: string[]) {
  const asked: OpenDialogOptions[] = [];
  const dialog = {
    showOpenDialog: async (_win: BrowserWindow, o: OpenDialogOptions) => {
      asked.push(o);
      return { canceled: paths.length === 0, filePaths: paths };
    },
  } as unknown as Dialog;
  return { dialog, asked };
}

describe('shellHandlers', () => {
  it('opens a file dialog filtered by extension and answers the chosen path, or null when cancelled', async () => {
    const { dialog, asked } = fakeDialog(['/media/usb/resnet18.safetensors']);
    const shell = shellHandlers(dialog, {} as BrowserWindow);
    expect(await shell('dialog.openFile', { title: 'resnet18 weights', extensions: ['safetensors'] })).toEqual({ path: '/media/usb/resnet18.safetensors' });
    expect(asked).toEqual([{ title: 'resnet18 weights', properties: ['openFile'], filters: [{ name: 'safetensors', extensions: ['safetensors'] }] }]);
    const cancelled = fakeDialog([]);
    expect(await shellHandlers(cancelled.dialog, {} as BrowserWindow)('dialog.openFile', {})).toEqual({ path: null });
    expect(cancelled.asked[0]).toMatchObject({ title: 'Choose a file', filters: [] });
  });

  it('validates arguments and refuses unknown methods', async () => {
    const shell = shellHandlers(fakeDialog([]).dialog, {} as BrowserWindow);
    await expect(shell('dialog.openFile', { extensions: ['../x'] })).rejects.toMatchObject({ code: 'validation' });
    await expect(shell('dialog.saveFile', {})).rejects.toMatchObject({ code: 'unsupported', message: 'The desktop shell has no method "dialog.saveFile".' });
    expect(await shell('dialog.openFolder', { title: 'Pick' })).toEqual({ dir: null });
  });
});
