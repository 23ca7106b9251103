import { closeSync, openSync, rmSync, statSync } from 'node:fs';

export interface FileLockOptions {
  /** A lock older than this belongs to a process that died holding it. */
  staleMs: number;
  /** Give up waiting after this long and take the lock over. */
  waitMs: number;
  /** Mode of the lock file (POSIX). */
  mode?: number;
}

/**
 * Runs `fn` holding `lock`, a file created exclusively (O_EXCL): waits for another holder a few
 * milliseconds at a time, takes over a stale lock, and removes the lock when `fn` ends. Synchronous,
 * for short critical sections across processes (the recent-projects list, test figures).
 */
export function withFileLock(lock: string, fn: () => void, opts: FileLockOptions): void {
  const started = Date.now();
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx', opts.mode ?? 0o600));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (lockAge(lock) > opts.staleMs || Date.now() - started > opts.waitMs) rmSync(lock, { force: true });
      else sleep(5 + Math.random() * 20);
    }
  }
  try {
    fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function lockAge(lock: string): number {
  try {
    return Date.now() - statSync(lock).mtimeMs;
  } catch {
    return 0; // released meanwhile: the next try takes it
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
