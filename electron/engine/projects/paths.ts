import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
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

const POSIX = process.platform !== 'win32';

/**
 * Project folders, ~/.labeltune and everything the engine writes inside them are private: a project
 * holds patient data (DICOM PatientID, StudyDate, UIDs in project.db; the images themselves).
 */
export const PRIVATE_FOLDER = 0o700;
export const PRIVATE_FILE = 0o600;

/**
 * Creates an empty file readable by its owner only (0600 on POSIX, whatever the umask); false when
 * the file already exists (left as it is). SQLite gives a database's -wal and -shm files the
 * database file's own mode, so a database created on such a file stays private with its journal.
 */
export function createPrivateFile(file: string): boolean {
  try {
    closeSync(openSync(file, 'wx', PRIVATE_FILE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  if (POSIX) chmodSync(file, PRIVATE_FILE);
  return true;
}

/**
 * Files created by code that sets no mode of its own (the trainer's checkpoints and caches, the
 * weight cache) are private too: entry points (CLI, desktop app) call this once at start; the
 * trainer inherits it. The engine's own files do not rely on it: they set their modes explicitly.
 */
export function usePrivateUmask(): void {
  if (POSIX) process.umask(0o077);
}

/**
 * Creates `dir` and any missing parents, one level at a time. Node 20's recursive mkdirSync loops
 * forever on special file systems (mkdir /proc/x answers ENOENT, so it retries the parent, which
 * exists, ...); single-level calls fail at once with the real reason, mapped to a message here.
 * With `mode`, every folder made here gets exactly that mode (folders that already exist keep theirs).
 */
export function makeFolders(dir: string, mode?: number): void {
  const missing: string[] = [];
  for (let p = dir; !exists(p); p = dirname(p)) {
    if (dirname(p) === p) break; // A root that does not exist (a missing drive): mkdir reports it.
    missing.unshift(p);
  }
  for (const p of missing) {
    try {
      mkdirSync(p, { mode: mode ?? 0o777 });
      // mkdir's mode passes through the umask; chmod sets it exactly, whatever the umask is.
      if (mode !== undefined && POSIX) chmodSync(p, mode);
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
