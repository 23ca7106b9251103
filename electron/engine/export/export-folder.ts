import { chmodSync, existsSync, readdirSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { conflict } from '../../../shared/contract/errors.ts';
import { PRIVATE_FILE, PRIVATE_FOLDER, makeFolders } from '../projects/paths.ts';

/**
 * An export is written into a temporary folder beside its target and renamed into place at the
 * end, so the target either holds a whole export or does not exist: a killed export leaves only the
 * temporary folder, which the next export to the same target removes.
 */
export interface ExportFolder {
  /** Where the final export will be. */
  readonly dir: string;
  /** Where the files are written meanwhile. */
  readonly partial: string;
  /** Move the finished export into place (files made private first). */
  commit(): void;
  /** Remove what was written (an export that failed). */
  discard(): void;
}

export function partialFolderFor(dir: string): string {
  return join(dirname(dir), `.${basename(dir)}.partial`);
}

export function openExportFolder(dir: string): ExportFolder {
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
    throw conflict(`${dir} is not empty. Choose a new folder for the export, or delete the old export first.`);
  }
  makeFolders(dirname(dir), PRIVATE_FOLDER); // fails fast, with the reason, on /proc/x or a read-only drive
  const partial = partialFolderFor(dir);
  rmSync(partial, { recursive: true, force: true }); // left by an export that was killed
  makeFolders(partial, PRIVATE_FOLDER);
  return {
    dir,
    partial,
    commit() {
      privateTree(partial);
      if (existsSync(dir)) rmdirSync(dir); // the empty folder checked above: rename cannot replace a folder everywhere
      renameSync(partial, dir);
    },
    discard() {
      rmSync(partial, { recursive: true, force: true });
    },
  };
}

/** The exporters write with the process's umask; a model trained on patient data stays private. */
function privateTree(dir: string): void {
  if (process.platform === 'win32') return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      chmodSync(p, PRIVATE_FOLDER);
      privateTree(p);
    } else chmodSync(p, PRIVATE_FILE);
  }
}
