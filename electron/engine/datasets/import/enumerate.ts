import { type Dirent, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { ImportIssue } from '../../../../shared/contract/datasets.ts';

/** One file to import and what its location says about it. */
export interface SourceFile {
  path: string;
  /** Class taken from the folder layout (`--class-folders`). */
  classFolder?: string;
}

export interface Enumeration {
  files: SourceFile[];
  issues: ImportIssue[];
}

/** OS clutter that is never an image; reporting each one would bury the real problems. */
const IGNORED_NAMES = new Set(['Thumbs.db', 'desktop.ini', '__MACOSX']);

const ignored = (name: string) => name.startsWith('.') || IGNORED_NAMES.has(name);

/**
 * Expand files and folders (recursively) into a sorted, de-duplicated file list. Paths inside
 * `excludeDir` (the project itself) are left out so that importing a parent folder does not
 * import our own thumbnails.
 */
export function enumerateSources(paths: string[], opts: { classFolders: boolean; excludeDir?: string }): Enumeration {
  const found = new Map<string, SourceFile>();
  const issues: ImportIssue[] = [];
  const exclude = opts.excludeDir ? resolve(opts.excludeDir) : null;
  const inExcluded = (p: string) => exclude !== null && (p === exclude || p.startsWith(exclude + sep));
  const add = (path: string, classFolder?: string) => {
    if (!found.has(path) && !inExcluded(path)) found.set(path, classFolder ? { path, classFolder } : { path });
  };
  for (const raw of paths) {
    const root = resolve(raw);
    const kind = statKind(root);
    if (kind === 'missing') issues.push({ path: root, code: 'not-found', message: `${root} does not exist; check the path.` });
    else if (kind === 'file') add(root, opts.classFolders ? basename(dirname(root)) : undefined);
    else if (kind === 'dir') walk(root, root, opts.classFolders, add, issues, new Set());
    else issues.push(unreadable(root, kind));
  }
  const files = [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, issues };
}

type Kind = 'file' | 'dir' | 'missing' | 'other' | 'denied';

function statKind(path: string): Kind {
  try {
    const st = statSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'denied';
  }
}

function unreadable(path: string, kind: Kind): ImportIssue {
  const message =
    kind === 'denied'
      ? `${path} cannot be read (permission denied); give your user read access to it and import again.`
      : `${path} is not a regular file or folder (device, socket or pipe); it was left out.`;
  return { path, code: 'unreadable', message };
}

function walk(
  root: string,
  dir: string,
  classFolders: boolean,
  add: (path: string, classFolder?: string) => void,
  issues: ImportIssue[],
  seen: Set<string>,
): void {
  let entries: Dirent[];
  try {
    // Symlinked folders can loop; remember the real folders already walked.
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    issues.push(unreadable(dir, 'denied'));
    return;
  }
  for (const entry of entries) {
    if (ignored(entry.name)) continue;
    const path = join(dir, entry.name);
    const kind = entry.isSymbolicLink() ? statKind(path) : entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
    if (kind === 'dir') walk(root, path, classFolders, add, issues, seen);
    else if (kind === 'file') add(path, classFolders ? classOf(root, path) : undefined);
    else if (kind !== 'missing') issues.push(unreadable(path, kind));
  }
}

/** The first folder below the import root names the class; files directly in the root have none. */
function classOf(root: string, path: string): string | undefined {
  const rel = path.slice(root.length + 1).split(sep);
  return rel.length > 1 ? rel[0] : undefined;
}
