import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { validation } from '../../../shared/contract/errors.ts';

/**
 * Folder paths that people type (the UI's project dialog, the API, the CLI) all pass through here,
 * so `~` means the same everywhere and a mistyped folder fails fast with a message instead of
 * hanging the engine.
 */

export interface PathOptions {
  /**
   * What a relative path is relative to. Only the CLI gives one (the shell's working folder);
   * for the UI and the API a relative path would land in wherever the engine happened to start.
   */
  relativeTo?: string;
  /** The home folder `~` stands for (tests pass their own). */
  home?: string;
}

/** `~` and `~/…` become the home folder; `~user` is refused rather than guessed at. */
export function expandHome(input: string, home: string = homedir()): string {
  if (input === '~') return home;
  if (input.startsWith('~/') || input.startsWith(`~\\`)) return join(home, input.slice(2));
  if (input.startsWith('~')) throw validation(`"${input}": ~name paths are not supported; write the full path, e.g. ${join(home, input.slice(1))}.`);
  return input;
}

/** An absolute, normalised folder path from what was typed, or a validation error saying why not. */
export function absolutePath(input: string, opts: PathOptions = {}): string {
  const home = opts.home ?? homedir();
  const expanded = expandHome(input.trim(), home);
  if (isAbsolute(expanded)) return resolve(expanded);
  if (opts.relativeTo !== undefined) return resolve(opts.relativeTo, expanded);
  throw validation(
    `"${input}" is a relative path; here it would have meant ${resolve(expanded)} (the engine's working folder). ` +
      `Write the full path, e.g. ${join(home, expanded)} or ~/${expanded}.`,
  );
}

/**
 * Creates `dir` and any missing parents, one level at a time. Node 20's recursive mkdirSync loops
 * forever on special file systems (mkdir /proc/x answers ENOENT, so it retries the parent, which
 * exists, ...); single-level calls fail at once with the real reason, mapped to a message here.
 */
export function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let p = dir; !exists(p); p = dirname(p)) {
    if (dirname(p) === p) break; // A root that does not exist (a missing drive): mkdir reports it.
    missing.unshift(p);
  }
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && isFolder(p)) continue; // Made by someone else meanwhile: fine.
      throw folderError(p, code, (e as Error).message);
    }
  }
  if (!isFolder(dir)) throw validation(`${dir} is a file, not a folder; choose a new folder for the project.`);
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false; // Missing or unreadable: either way mkdir below gives the precise reason.
  }
}

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function folderError(p: string, code: string | undefined, detail: string) {
  const parent = dirname(p);
  const fix = `Choose a folder in your home folder instead, e.g. ${join(homedir(), 'labeltune-projects')}.`;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return validation(`Cannot create the folder ${p}: no permission to write in ${parent}. ${fix}`);
    case 'EROFS':
      return validation(`Cannot create the folder ${p}: ${parent} is on a read-only file system. ${fix}`);
    case 'ENOENT':
      return validation(`Cannot create the folder ${p}: ${parent} does not accept new folders (a special file system such as /proc, or a missing drive). ${fix}`);
    case 'ENOTDIR':
    case 'EEXIST':
      return validation(`Cannot create the folder ${p}: ${code === 'EEXIST' ? p : parent} is a file, not a folder. Choose another location.`);
    default:
      return validation(`Cannot create the folder ${p} (${code ?? 'error'}: ${detail}). ${fix}`);
  }
}
