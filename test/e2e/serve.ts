import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * Where the views' screenshots go: the README's docs/screenshots only when asked for
 * (`npm run screenshots`), so that a test run never rewrites tracked files.
 */
export const SHOTS = process.env.LABELTUNE_SCREENSHOTS === 'docs' ? join(ROOT, 'docs/screenshots') : join(ROOT, 'test-results/screenshots');
const CLI = join(ROOT, 'electron/engine/cli/labeltune.mjs');

export interface Served {
  url: string;
  port: number;
  token: string;
  tmp: string;
  projectDir: string;
  stop(): Promise<void>;
}

/** `labeltune init` a project in a fresh temp folder, with its own LABELTUNE_HOME. */
export function initProject(name: string): { tmp: string; projectDir: string; env: NodeJS.ProcessEnv } {
  const tmp = mkdtempSync(join(tmpdir(), 'labeltune-e2e-'));
  const projectDir = join(tmp, 'first-project');
  const env = { ...process.env, LABELTUNE_HOME: join(tmp, 'home'), LABELTUNE_QUIET: '1' };
  const init = spawnSync(process.execPath, [CLI, 'init', projectDir, '--name', name, '--json'], { env, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`labeltune init failed: ${init.stderr}`);
  return { tmp, projectDir, env };
}

/** Rows the header can count, written the way an import would (until the import feature exists). */
export function seedImages(projectDir: string, excluded: boolean[]): void {
  const db = new Database(join(projectDir, 'project.db'));
  const insert = db.prepare(
    `INSERT INTO images (hash, path, format, width, height, channels, bit_depth, excluded, imported_at)
     VALUES (?, ?, 'png', 64, 64, 1, 8, ?, ?)`,
  );
  excluded.forEach((ex, i) => insert.run(`hash${i}`, `/scans/img_${i}.png`, ex ? 1 : 0, new Date().toISOString()));
  db.close();
}

/** Start `labeltune serve <dir> --port 0 --json` and read the URL and token from its JSON line. */
export async function serve(name = 'Hand radiographs', excluded: boolean[] = []): Promise<Served> {
  const { tmp, projectDir, env } = initProject(name);
  if (excluded.length) seedImages(projectDir, excluded);
  const child = spawn(process.execPath, [CLI, 'serve', projectDir, '--port', '0', '--json'], { env });
  const line = await firstLine(child);
  const { url, port, token } = JSON.parse(line) as { url: string; port: number; token: string };
  return {
    url,
    port,
    token,
    tmp,
    projectDir,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`labeltune serve exited with ${code} before printing its URL: ${err}`)));
  });
}
