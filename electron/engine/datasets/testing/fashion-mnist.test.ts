import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestEngine, createTestProject } from '../../testing/test-engine.ts';
import { FASHION_MNIST_CLASSES, fashionMnistAvailable, writeFashionMnistFolders } from './fashion-mnist.ts';

let t: TestEngine;
afterEach(async () => t?.dispose());

// Debian's dataset-fashion-mnist is installed by .ci/run; without it there is nothing to import.
describe.skipIf(!fashionMnistAvailable())('importing real photos (Fashion-MNIST as class folders)', () => {
  it('imports 1,000 images into 10 classes of 100', async () => {
    t = await createTestProject();
    const dir = join(t.tmp, 'fashion');
    const written = await writeFashionMnistFolders(dir, 100);
    expect(Object.values(written)).toEqual(Array(10).fill(100));

    const { jobId } = await t.client.invoke('import.start', { paths: [dir], classFolders: true });
    expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
    const report = await t.client.invoke('import.report', { jobId });
    expect(report.files).toBe(1000);
    expect(report.issues).toEqual([]);
    // Fashion-MNIST's test set holds a few byte-identical images; they are imported as duplicates.
    expect(report.imported).toBe(1000);
    expect(report.labels.main).toEqual(Object.fromEntries(FASHION_MNIST_CLASSES.map((c) => [c, 100])));

    const db = t.engine.ctx.project().db;
    const perClass = db
      .prepare(`SELECT c.name, count(*) AS n FROM labels l JOIN classes c ON c.id = l.class_id GROUP BY c.name ORDER BY c.name`)
      .all() as { name: string; n: number }[];
    expect(perClass).toEqual([...FASHION_MNIST_CLASSES].sort().map((name) => ({ name, n: 100 })));
    const sizes = db.prepare('SELECT DISTINCT width, height, channels, bit_depth FROM images').all();
    expect(sizes).toEqual([{ width: 28, height: 28, channels: 1, bit_depth: 8 }]);
    expect((await t.client.invoke('project.info', {})).counts).toMatchObject({ images: 1000, labelled: 1000, classes: 10 });
  });
});
