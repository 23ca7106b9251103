import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Everything the backend ladder asks of the machine, behind one interface so that every reason
 * string can be tested with fakes (a missing module, an ldconfig listing, nvidia-smi's output).
 */
export interface SystemProbe {
  platform: string;
  arch: string;
  env: Record<string, string | undefined>;
  /** The Node (or Electron-as-Node: the host inherits ELECTRON_RUN_AS_NODE) that runs child probes. */
  nodePath: string;
  /** Resolved path of an installed package's entry, or null when it is not installed. */
  resolveModule(name: string): string | null;
  /** A package's version from its package.json, or null. */
  moduleVersion(name: string): string | null;
  /** Loads a package (dynamic import: the optional native backends must never be static imports). */
  importModule(name: string): Promise<unknown>;
  /** Runs a program; `missing` is true when it is not on PATH. */
  run(command: string, args: string[]): CommandResult;
  exists(path: string): boolean;
}

export interface CommandResult {
  missing: boolean;
  status: number | null;
  stdout: string;
  stderr: string;
}

const require = createRequire(import.meta.url);

/** The real machine. */
export const nodeSystemProbe: SystemProbe = {
  platform: process.platform,
  arch: process.arch,
  env: process.env,
  nodePath: process.execPath,
  resolveModule(name) {
    try {
      return require.resolve(name);
    } catch {
      return null;
    }
  },
  moduleVersion(name) {
    try {
      return (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      return null;
    }
  },
  importModule: (name) => import(name),
  run(command, args) {
    const r = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
    const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    return { missing, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error?.message ?? '') };
  },
  exists: (path) => existsSync(path),
};
