import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../../shared/contract/index.ts';
import { fashionMnistAvailable, writeFashionMnistFolders } from '../datasets/testing/fashion-mnist.ts';
import { requireInCi } from '../testing/require-in-ci.ts';
import { type TestEngine, createTestEngine, createTestProject } from '../testing/test-engine.ts';
import { NEAR_THRESHOLD } from './near-duplicates.ts';

/**
 * The near-duplicate threshold measured on whole projects (numbers in NEAR_THRESHOLD's comment):
 * different patients of the sample and different Fashion-MNIST items must not be flagged.
 */
let demo: TestEngine;
beforeAll(async () => {
  demo = createTestEngine();
  const { jobId } = await demo.client.invoke('demo.create', { dir: join(demo.tmp, 'sample'), images: 160 });
  expect((await demo.client.invoke('job.wait', { jobId })).status).toBe('completed');
}, 180_000);
afterAll(async () => demo?.dispose());

async function allClusters(client: EngineClient) {
  return client.invoke('images.nearClusters', { limit: 1000 });
}

describe('near duplicates on the sample project (160 images, patients with 2-4 visits)', () => {
  it('flags no pair of different patients; what it flags are visits of one patient', async () => {
    const page = await allClusters(demo.client);
    expect(page.threshold).toBe(NEAR_THRESHOLD);
    expect(page.total).toBeGreaterThan(0);
    for (const c of page.clusters) expect(new Set(c.groups).size, `cluster ${c.imageIds.join(',')} spans ${c.groups.join(',')}`).toBe(1);
    // Every twin named for an image is a visit of the same patient.
    const [first] = page.clusters;
    const twins = await demo.client.invoke('images.nearTwins', { imageId: first.imageIds[0] });
    expect(twins.length).toBeGreaterThan(0);
    for (const t of twins) {
      expect(first.imageIds).toContain(t.imageId);
      expect(t.distance).toBeLessThanOrEqual(NEAR_THRESHOLD);
    }
  });
});

describe('near duplicates on real photos (Fashion-MNIST, 1,000 distinct items)', () => {
  const present = requireInCi([fashionMnistAvailable(), "install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)"]);
  it.skipIf(!present)('flags at most 8 of the 1,000 images (the old threshold of 6 flagged 166)', async () => {
    const t = await createTestProject();
    try {
      const dir = join(t.tmp, 'fashion');
      await writeFashionMnistFolders(dir, 100);
      const { jobId } = await t.client.invoke('import.start', { paths: [dir], classFolders: true });
      expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
      const page = await allClusters(t.client);
      expect(page.images).toBeLessThanOrEqual(8);
      expect(page.clusters.every((c) => c.imageIds.length === 2)).toBe(true);
    } finally {
      await t.dispose();
    }
  });
});
