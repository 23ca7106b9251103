import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importWeightsFile } from '../../weights/import-weights.ts';
import { SafetensorsFile, type TensorToWrite, writeSafetensors } from '../../weights/safetensors.ts';
import { fixturePath } from '../../weights/testing/fixtures.ts';
import { RESNET18_WEIGHTS, expectResnet18Imported, expectResnet18Kept, resnet18Bytes, tempWeightCache } from '../../weights/testing/weight-cache.ts';
import { checkWeightsFile } from './check-weights.ts';

/**
 * The check `weights import` runs in the model host before a file enters the cache (the engine
 * passes it to importWeightsFile): every tensor of the architecture's layout, shapes, dtypes, finite.
 */
const weights = tempWeightCache('labeltune-check-');

describe('checkWeightsFile', () => {
  it('accepts timm weights of the architecture, which then import into its cache slot', async () => {
    await expect(checkWeightsFile(RESNET18_WEIGHTS, 'resnet18')).resolves.toBeUndefined();
    await expect(checkWeightsFile(fixturePath('vit_tiny_patch16_224/model.safetensors'), 'vit_tiny_patch16_224')).resolves.toBeUndefined();
    expectResnet18Imported(await importWeightsFile(RESNET18_WEIGHTS, 'resnet18', weights.cache, checkWeightsFile), weights.cache);
  });

  it('refuses a file for another architecture or a damaged one, naming the fix', async () => {
    const { cache, tmp } = weights;
    await expect(importWeightsFile(RESNET18_WEIGHTS, 'resnet50', cache, checkWeightsFile)).rejects.toThrow(/has 512-wide features but resnet50 has 2048/);
    await expect(importWeightsFile(RESNET18_WEIGHTS, 'resnet34', cache, checkWeightsFile)).rejects.toThrow(/was saved from resnet18, not resnet34\. Import it with --arch resnet18/);
    await expect(importWeightsFile(RESNET18_WEIGHTS, 'vit_tiny_patch16_224', cache, checkWeightsFile)).rejects.toThrow(/no "patch_embed\.proj\.weight" tensor/);
    const bad = join(tmp, 'bad.safetensors');
    writeFileSync(bad, resnet18Bytes().bytes.subarray(0, 1000));
    await expect(importWeightsFile(bad, 'resnet18', cache, checkWeightsFile)).rejects.toThrow(/bad\.safetensors: not a safetensors file \(header length 8872 is impossible for a 1000-byte file/);
    expect(cache.list()).toEqual([]);
  });
});

/** The resnet18 fixture written again with one edit, as a broken export of a user would be. */
async function variant(name: string, edit: (tensors: TensorToWrite[]) => TensorToWrite[]): Promise<string> {
  const src = await SafetensorsFile.open(RESNET18_WEIGHTS);
  const tensors: TensorToWrite[] = [];
  for (const info of src.tensors.values()) {
    tensors.push({ name: info.name, dtype: info.dtype === 'F32' ? 'F32' : 'F16', shape: [...info.shape], data: await src.read(info.name) });
  }
  await src.close();
  const out = join(weights.tmp, name);
  await writeSafetensors(out, edit(tensors), { ...src.metadata });
  return out;
}

describe('checkWeightsFile refuses broken files and leaves the cached weights as they were', () => {
  const broken: [string, (t: TensorToWrite[]) => TensorToWrite[], RegExp][] = [
    [
      'missing.safetensors',
      (t) => t.filter((x) => x.name !== 'layer3.1.bn2.running_var' && x.name !== 'layer4.0.conv1.weight'),
      /missing\.safetensors is missing 2 tensor\(s\) of resnet18: .*layer3\.1\.bn2\.running_var.*\. Export the complete state dict of timm's resnet18 again, or download it with "labeltune weights download resnet18"/,
    ],
    [
      'conv1.safetensors',
      (t) => t.map((x) => (x.name === 'conv1.weight' ? { ...x, shape: [64, 1, 7, 7], data: x.data.subarray(0, 64 * 49) } : x)),
      /conv1\.safetensors: tensor "conv1\.weight" has shape \[64, 1, 7, 7\] but resnet18 needs \[64, 3, 7, 7\] \(PyTorch layout\)\. Export the complete/,
    ],
    [
      'extra.safetensors',
      (t) => [...t, { name: 'layer5.0.conv1.weight', dtype: 'F32', shape: [2], data: new Float32Array(2) }],
      /extra\.safetensors has 1 tensor\(s\) that resnet18 does not have: layer5\.0\.conv1\.weight/,
    ],
    [
      'nan.safetensors',
      (t) =>
        t.map((x) => {
          if (x.name !== 'layer2.0.bn1.running_var') return x;
          const data = Float32Array.from(x.data);
          data[5] = Number.NaN;
          data[7] = Number.POSITIVE_INFINITY;
          return { ...x, data };
        }),
      /nan\.safetensors: tensor "layer2\.0\.bn1\.running_var" has 2 NaN\/Inf value\(s\) of 128 \(first at index 5\): the file is damaged .* "labeltune weights download resnet18"/,
    ],
  ];

  it.each(broken)('%s: refused with a message naming the file, the tensor and the fix', async (name, edit, message) => {
    const good = await importWeightsFile(RESNET18_WEIGHTS, 'resnet18', weights.cache, checkWeightsFile);
    const bad = await variant(name, edit);
    await expect(importWeightsFile(bad, 'resnet18', weights.cache, checkWeightsFile)).rejects.toMatchObject({ code: 'validation', message: expect.stringMatching(message) });
    expectResnet18Kept(good, weights.cache);
  });
});
