import { z } from 'zod';
import type { BrowserWindow, Dialog } from 'electron';
import { unsupported, validation } from '../../shared/contract/errors.ts';
import type { ShellHandlers } from '../../shared/contract/shell.ts';
import { describeArgumentError } from '../engine/argument-errors.ts';
import type { ShellDispatch } from './ipc.ts';

const openFolderArgs = z.object({ title: z.string().max(200).optional(), forNewProject: z.boolean().optional() }).strict();
const openFileArgs = z.object({ title: z.string().max(200).optional(), extensions: z.array(z.string().regex(/^[a-z0-9]{1,16}$/i)).max(10).optional() }).strict();

/** The shell-only methods of shared/contract/shell.ts, validated like engine handlers. */
export function shellHandlers(dialog: Dialog, win: BrowserWindow): ShellDispatch {
  const openFolder: ShellHandlers['dialog.openFolder'] = async (args) => {
    const result = await dialog.showOpenDialog(win, {
      title: args.title ?? 'Choose a folder',
      buttonLabel: args.forNewProject ? 'Use this folder' : 'Open',
      properties: args.forNewProject ? ['openDirectory', 'createDirectory', 'promptToCreate'] : ['openDirectory'],
    });
    return { dir: result.canceled ? null : (result.filePaths[0] ?? null) };
  };
  const openFile: ShellHandlers['dialog.openFile'] = async (args) => {
    const result = await dialog.showOpenDialog(win, {
      title: args.title ?? 'Choose a file',
      properties: ['openFile'],
      filters: args.extensions?.length ? [{ name: args.extensions.join(', '), extensions: args.extensions }] : [],
    });
    return { path: result.canceled ? null : (result.filePaths[0] ?? null) };
  };
  return async (method, args) => {
    if (method === 'dialog.openFolder') return openFolder(parse(method, openFolderArgs, args));
    if (method === 'dialog.openFile') return openFile(parse(method, openFileArgs, args));
    throw unsupported(`The desktop shell has no method "${method}".`);
  };
}

function parse<T>(method: string, schema: z.ZodType<T>, args: unknown): T {
  const parsed = schema.safeParse(args ?? {});
  if (!parsed.success) throw validation(describeArgumentError(parsed.error, args ?? {}, schema), { method, issues: parsed.error.issues });
  return parsed.data;
}
