import { describe, expect, it } from 'vitest';
import { depthwiseTorchToTf, tfShapeOf, tfToTorch, torchToTf } from './layout.ts';

const seq = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('layout conversion', () => {
  it('transposes a linear weight [out, in] -> [in, out]', () => {
    // W = [[0, 1, 2], [3, 4, 5]] (out=2, in=3) -> W^T = [[0, 3], [1, 4], [2, 5]]
    const t = torchToTf('fc.weight', { shape: [2, 3], data: seq(6) });
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.data)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('moves a conv kernel [out, in, kh, kw] -> [kh, kw, in, out] element by element', () => {
    const shape = [3, 2, 2, 2];
    const t = torchToTf('layer1.0.conv1.weight', { shape, data: seq(24) });
    expect(t.shape).toEqual([2, 2, 2, 3]);
    // torch[o][i][y][x] = ((o*2+i)*2+y)*2+x must equal tf[y][x][i][o]
    for (let o = 0; o < 3; o++) for (let i = 0; i < 2; i++) for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) {
      expect(t.data[((y * 2 + x) * 2 + i) * 3 + o]).toBe(((o * 2 + i) * 2 + y) * 2 + x);
    }
    expect(Array.from(t.data.slice(0, 6))).toEqual([0, 8, 16, 4, 12, 20]);
  });

  it('inverts both conversions exactly', () => {
    const conv = { shape: [4, 3, 3, 2], data: seq(72) };
    const back = tfToTorch('a.weight', torchToTf('a.weight', conv));
    expect(back.shape).toEqual(conv.shape);
    expect(Array.from(back.data)).toEqual(Array.from(conv.data));
    const lin = { shape: [5, 7], data: seq(35) };
    expect(Array.from(tfToTorch('head.weight', torchToTf('head.weight', lin)).data)).toEqual(Array.from(lin.data));
  });

  it('leaves biases, norms, pos_embed and cls_token unchanged', () => {
    const pos = { shape: [1, 197, 8], data: seq(197 * 8) };
    expect(torchToTf('pos_embed', pos)).toBe(pos);
    const bias = { shape: [4], data: seq(4) };
    expect(torchToTf('fc.bias', bias)).toBe(bias);
    const bnWeight = { shape: [4], data: seq(4) };
    expect(torchToTf('bn1.weight', bnWeight)).toBe(bnWeight);
    expect(tfShapeOf('pos_embed', [1, 197, 8])).toEqual([1, 197, 8]);
    expect(tfShapeOf('conv1.weight', [64, 3, 7, 7])).toEqual([7, 7, 3, 64]);
    expect(tfShapeOf('blocks.0.attn.qkv.weight', [576, 192])).toEqual([192, 576]);
  });

  it('converts a depthwise kernel [in*m, 1, kh, kw] -> [kh, kw, in, m]', () => {
    const t = depthwiseTorchToTf({ shape: [4, 1, 1, 2], data: seq(8) }, 2);
    expect(t.shape).toEqual([1, 2, 2, 2]);
    // torch[c*m+k][0][0][x] = (c*2+k)*2+x ; tf[0][x][c][k]
    expect(Array.from(t.data)).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
  });
});
