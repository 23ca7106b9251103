import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArchOp, type Cut, INPUT_CUT } from '../backbones/arch-graph.ts';
import { createBackbone } from '../backbones/registry.ts';
import type { Backbone } from '../backbones/types.ts';
import { FeatureCache, stackImages } from './feature-cache.ts';
import { FineTuner } from './loop.ts';
import { createStrategy } from './strategies.ts';
import { baseConfig } from './testing/config.ts';
import { syntheticData } from './testing/synthetic.ts';

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
    const cached = await first.batch({ group: 2, op: 0 }, data.ids, data.pixels);
    const flat = new Float32Array(5 * 16 * 16 * 3);
    data.ids.forEach((id, j) => flat.set(data.pixels(id), j * 768));
    const direct = b.runGroups(tf.tensor4d(flat, [5, 16, 16, 3]), 0, 2, { training: false });
    // After stem and layer1 of the real ResNet: the stem's stride-2 conv and max pool take 16 px to 4.
    expect(cached.shape).toEqual([5, 4, 4, 8]);
    expect(cached.dataSync()).toEqual(direct.dataSync());
    expect(first.computed).toBe(5);

    const second = new FeatureCache(b, dir);
    const again = await second.batch({ group: 2, op: 0 }, [data.ids[3], data.ids[1]], data.pixels);
    expect(second.computed).toBe(0);
    const d = direct.dataSync();
    const per = 4 * 4 * 8;
    expect(again.dataSync()).toEqual(new Float32Array([...d.slice(3 * per, 4 * per), ...d.slice(per, 2 * per)]));
    tf.dispose([cached, direct, again]);
    b.dispose();
  });
});

const images = (n: number, size: number, seed: number) => {
  const data = syntheticData(n, size, 3, seed);
  return { data, x: stackImages(data.ids, data.pixels, [size, size]) };
};
/** A loop: a 512-channel weight has more values than Math.max's arguments can hold. */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Every cut the graph offers: before each op of each group, inside each residual after each body op but the last, the head's input. */
function allCuts(b: Backbone): Cut[] {
  const groups = b.graph.groups;
  const inside = (o: ArchOp, group: number, op: number): Cut[] => (o.op === 'residual' ? o.body.slice(1).map((_, k) => ({ group, op, body: k + 1 })) : []);
  return [...groups.flatMap((g, group) => g.ops.flatMap((o, op) => [{ group, op }, ...inside(o, group, op)])), { group: groups.length, op: 0 }];
}

describe.each([
  ['test-tiny-resnet', 16],
  ['resnet18', 32],
  ['test-tiny-vit', 16],
])('cuts of %s', (arch, size) => {
  it('at every cut, the prefix up to it then the rest from it give the full forward (1e-5)', () => {
    const b = createBackbone(arch, { numClasses: 3, imageSize: size, seed: 3 });
    const { x } = images(3, size, 4);
    const full = b.forward(x as tf.Tensor4D);
    const end = { group: b.groups.length, op: 0 };
    const cuts = allCuts(b);
    expect(cuts.filter((c) => c.body !== undefined).length).toBeGreaterThan(0);
    for (const cut of cuts) {
      const logits = tf.tidy(() => b.runBetween(b.runBetween(x, INPUT_CUT, cut), cut, end));
      expect(logits.shape).toEqual(full.shape);
      expect(maxAbsDiff(logits.dataSync(), full.dataSync())).toBeLessThan(1e-5);
      logits.dispose();
    }
    tf.dispose([x, full]);
    b.dispose();
  });
});

/** A loop that caches at group boundaries only, as before cuts inside a group existed. */
class GroupCutTuner extends FineTuner {
  override frozenCut(epoch: number): Cut {
    return { group: this.frozenPrefix(epoch), op: 0 };
  }
}

describe('the frozen cut of top and gradual', () => {
  const train = syntheticData(16, 32, 3, 5);
  const val = syntheticData(6, 32, 3, 6, 100);
  const top = (arch: string, Tuner = FineTuner) => {
    const b = createBackbone(arch, { numClasses: 3, imageSize: 32, seed: 2 });
    return new Tuner(b, createStrategy('top', b), baseConfig({ epochs: 1, lr: 1e-2 }), train, val);
  };

  it('sits inside the last block, before the convolution that trains: layer4.1 of resnet18, layer4.0 of test-tiny-resnet', async () => {
    const t = top('resnet18');
    expect(t.frozenCut(0)).toEqual({ group: 4, op: 1, body: 1 });
    // 32 px: layer4 ends at 1×1; the state is conv1's output (512) beside the block's input (its identity shortcut, 512).
    const cached = await t.cache.batch(t.frozenCut(0), val.ids, val.pixels);
    expect(cached.shape).toEqual([6, 1, 1, 1024]);
    cached.dispose();
    const tiny = top('test-tiny-resnet');
    expect(tiny.frozenCut(0)).toEqual({ group: 4, op: 0, body: 1 });
    for (const x of [t, tiny]) [x.dispose(), x.backbone.dispose()];
  });

  it('gradual: before the first unfrozen block of a partly unfrozen stage (resnet18 layer4.1: a whole block, identity shortcut)', () => {
    const b = createBackbone('resnet18', { numClasses: 3, imageSize: 32, seed: 2 });
    // 45% of the body is layer4.1 alone (42%); epoch 0 trains the head only.
    const t = new FineTuner(b, createStrategy('gradual', b, { gradual: { share: 0.45, epochs: 3 } }), baseConfig({ epochs: 3 }), train, val);
    expect(t.strategy.trainableGroups(1)).toEqual(['layer4', 'head']);
    expect([t.frozenCut(0), t.frozenCut(1)]).toEqual([{ group: 5, op: 0 }, { group: 4, op: 1 }]);
    t.dispose();
    b.dispose();
  });

  it('validates and trains as the group-boundary cache and the uncached forward do (1e-5)', async () => {
    const [block, group] = [top('resnet18'), top('resnet18', GroupCutTuner)];
    const cached = await block.validate(val, block.frozenCut(0));
    const direct = await block.validate(val, INPUT_CUT);
    expect(maxAbsDiff(cached.scores, direct.scores)).toBeLessThan(1e-5);
    const before = block.backbone.variables.get('layer4.1.conv2.weight')!.dataSync().slice();
    await block.fit();
    await group.fit();
    expect(maxAbsDiff(block.backbone.variables.get('layer4.1.conv2.weight')!.dataSync(), before)).toBeGreaterThan(1e-4);
    expect(block.cache.computed).toBe(22);
    for (const name of ['layer4.1.conv2.weight', 'layer4.1.bn2.weight', 'fc.weight']) {
      const [a, b] = [block, group].map((t) => t.backbone.variables.get(name)!.dataSync());
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    }
    const after = [await block.validate(val, INPUT_CUT), await group.validate(val, INPUT_CUT)];
    expect(maxAbsDiff(after[0].scores, after[1].scores)).toBeLessThan(1e-5);
    for (const x of [block, group]) [x.dispose(), x.backbone.dispose()];
  });
});
