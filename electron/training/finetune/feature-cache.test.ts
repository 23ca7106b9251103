import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureCache } from './feature-cache.ts';
import { syntheticData } from './testing/synthetic.ts';
import { createBackbone } from '../backbones/registry.ts';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-features-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('frozen-prefix feature cache', () => {
  it('equals the direct forward pass, and a second cache on the same folder computes nothing', async () => {
    const b = createBackbone('test-tiny-resnet', { numClasses: 2, imageSize: 16 });
    const data = syntheticData(5, 16, 2, 1);
    const first = new FeatureCache(b, dir);
    const cached = await first.batch(2, data.ids, data.pixels);
    const flat = new Float32Array(5 * 16 * 16 * 3);
    data.ids.forEach((id, j) => flat.set(data.pixels(id), j * 768));
    const direct = b.runGroups(tf.tensor4d(flat, [5, 16, 16, 3]), 0, 2, { training: false });
    // After stem and layer1 of the real ResNet: the stem's stride-2 conv and max pool take 16 px to 4.
    expect(cached.shape).toEqual([5, 4, 4, 8]);
    expect(cached.dataSync()).toEqual(direct.dataSync());
    expect(first.computed).toBe(5);

    const second = new FeatureCache(b, dir);
    const again = await second.batch(2, [data.ids[3], data.ids[1]], data.pixels);
    expect(second.computed).toBe(0);
    const d = direct.dataSync();
    const per = 4 * 4 * 8;
    expect(again.dataSync()).toEqual(new Float32Array([...d.slice(3 * per, 4 * per), ...d.slice(per, 2 * per)]));
    tf.dispose([cached, direct, again]);
    b.dispose();
  });
});
