import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { buildElectron } from '../../../build.mjs';
import { encodeGrey16Png } from '../../../imaging/png16.ts';
import { ramp16 } from '../../../imaging/testing/fixtures.ts';
import { runDecodeTask } from './decode-task.ts';
import { PreparePool } from './prepare-pool.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
// Inside the repository (gitignored .cache/) so that the bundle's external packages resolve from node_modules.
mkdirSync(join(root, '.cache'), { recursive: true });
const scratch = mkdtempSync(join(root, '.cache/worker-bundle-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the import worker in the desktop app bundle', () => {
  it('is built next to the main bundle and decodes without tsx, like the sources do', async () => {
    await buildElectron(join(scratch, 'out'));
    const files = [join(scratch, 'grey16.png'), join(scratch, 'photo.jpg')];
    writeFileSync(files[0], encodeGrey16Png(300, 200, ramp16(300, 200, 1000, 40000)));
    await sharp(Buffer.alloc(120 * 80 * 3, 90), { raw: { width: 120, height: 80, channels: 3 } }).jpeg().toFile(files[1]);
    const task = (sourcePath: string) => ({ sourcePath, imagesDir: scratch, copy: false });
    // No engine-thread share: every file must go through the bundled worker.
    const pool = new PreparePool({ workers: 1, local: 0, entry: pathToFileURL(join(scratch, 'out/main/prepare-worker.mjs')) });
    try {
      const bundled = await Promise.all(files.map((f) => pool.run(task(f))));
      const sources = await Promise.all(files.map((f) => runDecodeTask(task(f))));
      expect(bundled).toEqual(sources);
      expect(bundled.map((o) => (o.kind === 'decoded' ? o.info.format : o.issue.message))).toEqual(['png', 'jpeg']);
      // A worker that failed to load would have been dropped (and the files decoded here instead).
      expect(pool.workerCount).toBe(1);
    } finally {
      await pool.close();
    }
  });
});
