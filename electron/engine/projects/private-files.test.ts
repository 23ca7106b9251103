import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportReport } from '../../../shared/contract/datasets.ts';
import { pattern, rawPng } from '../../imaging/testing/fixtures.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';

/** Every file and folder below `root` with its permission bits, as 'path: 0700'. */
function modes(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      out.push(`${relative(root, p)}${st.isDirectory() ? '/' : ''}: 0${(st.mode & 0o777).toString(8)}`);
      if (st.isDirectory()) walk(p);
    }
  };
  out.push(`./: 0${(statSync(root).mode & 0o777).toString(8)}`);
  walk(root);
  return out.sort();
}

describe.skipIf(process.platform === 'win32')('a project and ~/.labeltune', () => {
  let t: TestEngine;
  let umask: number;
  beforeEach(() => {
    umask = process.umask(0o022); // the usual umask, which makes new files 0644 and folders 0755
  });
  afterEach(async () => {
    await t?.dispose();
    process.umask(umask);
  });

  it('are private: folders 0700, files 0600 (project.db with its WAL and SHM, copies, thumbnails, recent list)', async () => {
    t = await createTestProject('Private');
    const src = join(t.tmp, 'scan.png');
    writeFileSync(src, await rawPng(pattern(24, 24, 1, 7), 24, 24, 1));
    const { jobId } = await t.client.invoke('import.start', { paths: [src], copy: true });
    const job = await t.client.invoke('job.wait', { jobId });
    expect((job.result as ImportReport).imported).toBe(1);

    // Checked while the project is open, so that the WAL and SHM files exist.
    const project = modes(t.projectDir);
    const hash = readdirSync(join(t.projectDir, 'images'))[0];
    expect(project).toEqual(
      [
        './: 0700',
        'cache/: 0700',
        'checkpoints/: 0700',
        'exports/: 0700',
        'images/: 0700',
        `images/${hash}: 0600`,
        'project.db: 0600',
        'project.db-shm: 0600',
        'project.db-wal: 0600',
        'thumbnails/: 0700',
        'thumbnails/thumbnails.db: 0600',
        'thumbnails/thumbnails.db-shm: 0600',
        'thumbnails/thumbnails.db-wal: 0600',
      ].sort(),
    );
    expect(hash).toMatch(/^[0-9a-f]{64}\.png$/);
    expect(modes(join(t.tmp, 'home'))).toEqual(['./: 0700', 'recent-projects.json: 0600']);
  });
});
