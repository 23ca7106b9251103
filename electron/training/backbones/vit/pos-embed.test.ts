import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bicubicAaWeights, resamplePosEmbed } from './pos-embed.ts';
import { useTestBackend } from '../testing.ts';

beforeAll(useTestBackend);

const D = 3;

/** A [1, 1 + g², D] pos_embed whose grid is sin(0), sin(1), ... in [g, g, D] order, class token = 100s. */
function posEmbed(g: number): tf.Tensor3D {
  const grid = Array.from({ length: g * g * D }, (_, i) => Math.sin(i));
  return tf.tensor3d([100, 101, 102, ...grid], [1, 1 + g * g, D]);
}

/**
 * Golden values from PyTorch 1.13: F.interpolate(grid NCHW, size, mode='bicubic', antialias=True,
 * align_corners=False), which is what timm's resample_abs_pos_embed calls.
 */
const TORCH_4_TO_7_FIRST12 = [0.0379507, 1.0072797, 1.0505204, 0.0732195, 0.313862, 0.2659413, 0.1086259, -0.7642699, -0.9344995, -0.1057817, -0.0724675, 0.0274729];
const TORCH_4_TO_7_SUM = 5.833978553887401;
const TORCH_6_TO_3 = [
  -0.0471177, 0.080617, 0.1342328, -0.0062512, -0.009589, -0.0041108, 0.1320982, 0.0497394, -0.0783496, -0.1180686, -0.1054042,
  0.0041683, 0.0072474, -0.0008537, -0.00817, 0.0195442, 0.1170103, 0.1068978, 0.056782, -0.0719894, -0.134574, 0.0056579,
  0.0096589, 0.0047795, -0.1336979, -0.0593171, 0.0695997,
];
const TORCH_14_TO_24_SUM = 5.7393362722466055;

function grid(t: tf.Tensor): number[] {
  return Array.from(t.dataSync()).slice(D);
}

describe('resamplePosEmbed (timm bicubic, antialias)', () => {
  it('is the identity at the same grid size, class token included', () => {
    const pe = posEmbed(5);
    const out = resamplePosEmbed(pe, 5);
    expect(out.shape).toEqual([1, 26, D]);
    expect(Array.from(out.dataSync())).toEqual(Array.from(pe.dataSync()));
    // the interpolation matrix itself is the identity when sizes match
    expect(Array.from(bicubicAaWeights(5, 5), (v) => v + 0)).toEqual(Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 1 : 0)));
  });

  it('upsamples like PyTorch and keeps the class token', () => {
    const out = resamplePosEmbed(posEmbed(4), 7);
    expect(out.shape).toEqual([1, 50, D]);
    expect(Array.from(out.dataSync()).slice(0, D)).toEqual([100, 101, 102]);
    const g = grid(out);
    g.slice(0, 12).forEach((v, i) => expect(v).toBeCloseTo(TORCH_4_TO_7_FIRST12[i], 5));
    expect(g.reduce((a, b) => a + b, 0)).toBeCloseTo(TORCH_4_TO_7_SUM, 4);
    expect(resamplePosEmbed(posEmbed(14), 24).shape).toEqual([1, 577, D]);
    expect(grid(resamplePosEmbed(posEmbed(14), 24)).reduce((a, b) => a + b, 0)).toBeCloseTo(TORCH_14_TO_24_SUM, 3);
  });

  it('downsamples with the widened (antialiased) filter like PyTorch', () => {
    const g = grid(resamplePosEmbed(posEmbed(6), 3));
    expect(g).toHaveLength(27);
    g.forEach((v, i) => expect(v).toBeCloseTo(TORCH_6_TO_3[i], 5));
  });

  it('weights of every output row sum to 1', () => {
    for (const [a, b] of [[14, 7], [14, 24], [3, 10]]) {
      const w = bicubicAaWeights(a, b);
      for (let i = 0; i < b; i++) expect(w.slice(i * a, (i + 1) * a).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    }
  });
});
