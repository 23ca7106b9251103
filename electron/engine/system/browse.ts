import { type Dirent, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { notFound, unsupported, validation } from '../../../shared/contract/errors.ts';
import type { BrowseFile, BrowseFolder, BrowseListing } from '../../../shared/contract/system.ts';

/**
 * Names the path browser offers as images. Import reads the content whatever the name; DICOM
 * often comes without an extension, so a file with none is offered too.
 */
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp', '.webp', '.gif', '.dcm', '.dicom']);

/** Sub-folders counted one level down: a folder of thousands of patients lists fast, unrounded counts past this. */
const COUNTED_FOLDERS = 500;

export const isImageName = (name: string) => {
  const ext = extname(name).toLowerCase();
  // A dot file without a further extension (.DS_Store, .keep) is clutter, not DICOM.
  return ext === '' ? !name.startsWith('.') : IMAGE_EXTENSIONS.has(ext);
};

/**
 * One folder of the engine's machine for the path browser of browser mode. It reads only what the
 * engine's user may read anyway (the OS decides; a path the user could type into Import is no
 * secret from them), follows links as the OS does, and names the path in every error.
 */
export function browseFolder(args: { dir?: string; hidden?: boolean }, home = homedir()): BrowseListing {
  const dir = resolveDir(args.dir, home);
  const showHidden = args.hidden === true;
  const entries = readFolder(dir);
  const folders: BrowseFolder[] = [];
  const images: BrowseFile[] = [];
  let otherFiles = 0;
  let hidden = 0;
  for (const entry of entries) {
    if (!showHidden && entry.name.startsWith('.')) {
      hidden++;
      continue;
    }
    const path = join(dir, entry.name);
    const kind = kindOf(entry, path);
    if (kind === 'dir') folders.push({ name: entry.name, path, images: null, folders: null });
    else if (kind === 'file' && isImageName(entry.name)) images.push({ name: entry.name, path, size: sizeOf(path) });
    else if (kind === 'file') otherFiles++;
  }
  folders.sort(byName).slice(0, COUNTED_FOLDERS).forEach((f) => Object.assign(f, countInside(f.path, showHidden)));
  images.sort(byName);
  return { dir, parent: dirname(dir) === dir ? null : dirname(dir), home, folders, images, otherFiles, hidden };
}

function resolveDir(raw: string | undefined, home: string): string {
  const typed = raw?.trim() ?? '';
  if (!typed) return home;
  if (typed === '~' || typed.startsWith('~/')) return resolve(home, typed.slice(2));
  if (!isAbsolute(typed)) throw validation(`"${typed}" is not a full path on the engine's machine: start it with / (or ~ for the home folder ${home}).`);
  return resolve(typed);
}

function readFolder(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw notFound(`${dir} does not exist on the engine's machine; check the path.`);
    if (code === 'ENOTDIR') throw validation(`${dir} is a file, not a folder: choose the folder that holds it, or add the file itself.`);
    if (code === 'EACCES' || code === 'EPERM') throw unsupported(`${dir} cannot be read: the engine's user has no permission to list it.`);
    throw unsupported(`${dir} cannot be listed: ${(e as Error).message}`);
  }
}

/** Links count as what they point to; a broken link or an unreadable target is neither. */
function kindOf(entry: Dirent, path: string): 'dir' | 'file' | 'other' {
  if (!entry.isSymbolicLink()) return entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch {
    return 'other';
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function countInside(dir: string, showHidden: boolean): Pick<BrowseFolder, 'images' | 'folders'> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return { images: null, folders: null };
  }
  let images = 0;
  let folders = 0;
  for (const entry of entries) {
    if (!showHidden && entry.name.startsWith('.')) continue;
    const kind = kindOf(entry, join(dir, entry.name));
    if (kind === 'dir') folders++;
    else if (kind === 'file' && isImageName(entry.name)) images++;
  }
  return { images, folders };
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
