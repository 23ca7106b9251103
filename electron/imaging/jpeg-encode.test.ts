import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from './jpeg-encode.ts';
import { AC_CHROMA, AC_LUMA, DC_CHROMA, DC_LUMA, LUMA_QUANT, ZIGZAG } from './jpeg-tables.ts';
import { decodeSharp, psnr } from './testing/fixtures.ts';

/** A smooth field with +-6 of pseudo-random noise, per channel. */
function smoothNoise(width: number, height: number, channels: 1 | 3, seed = 7): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  let s = seed;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++, i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const v = 128 + 70 * Math.sin(x / 23 + 2 * c) + 40 * Math.cos(y / 17 - c) + ((s >>> 16) % 13) - 6;
        out[i] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return out;
}

/** The segments of a JPEG up to its scan: marker -> body. */
function segments(jpeg: Uint8Array): Map<number, Uint8Array[]> {
  const out = new Map<number, Uint8Array[]>();
  for (let at = 2; jpeg[at] === 0xff && jpeg[at + 1] !== 0xda; ) {
    const length = (jpeg[at + 2] << 8) | jpeg[at + 3];
    out.set(jpeg[at + 1], [...(out.get(jpeg[at + 1]) ?? []), jpeg.subarray(at + 4, at + 2 + length)]);
    at += 2 + length;
  }
  return out;
}

describe('the Annex K tables', () => {
  it('give each Huffman table its full symbol set, in as many codes as the counts say', () => {
    for (const spec of [DC_LUMA, DC_CHROMA, AC_LUMA, AC_CHROMA]) {
      expect(spec.counts.reduce((a, b) => a + b, 0)).toBe(spec.symbols.length);
    }
    // AC: every (run, size 1-10) pair plus EOB and ZRL, each once.
    const all = [0x00, 0xf0, ...Array.from({ length: 160 }, (_, k) => ((k / 10) << 4) | ((k % 10) + 1))].sort((a, b) => a - b);
    expect([...AC_LUMA.symbols].sort((a, b) => a - b)).toEqual(all);
    expect([...AC_CHROMA.symbols].sort((a, b) => a - b)).toEqual(all);
    expect(new Set(ZIGZAG).size).toBe(64);
  });

  it('are scaled by the IJG quality formula into the DQT segment, in zigzag order', () => {
    const grey = new Uint8Array(64).fill(90);
    const dqt = (q: number) => segments(encodeJpeg({ width: 8, height: 8, channels: 1, data: grey }, q)).get(0xdb)?.[0];
    expect(Array.from(dqt(50)?.subarray(1) ?? [])).toEqual(ZIGZAG.map((n) => LUMA_QUANT[n]));
    // q85: scale 30% -> 16 * 0.3 = 4.8 -> 5, 11 * 0.3 = 3.3 -> 3; q100: all ones; q1: capped at 255.
    expect(Array.from(dqt(85)?.subarray(1, 4) ?? [])).toEqual([5, 3, 4]);
    expect(new Set(dqt(100)?.subarray(1))).toEqual(new Set([1]));
    expect(Math.max(...(dqt(1)?.subarray(1) ?? []))).toBe(255);
  });
});

describe('encodeJpeg', () => {
  it('writes a baseline JFIF file: grey as one component, RGB as YCbCr 4:2:0', () => {
    const grey = segments(encodeJpeg({ width: 20, height: 10, channels: 1, data: smoothNoise(20, 10, 1) }));
    expect(Buffer.from(grey.get(0xe0)?.[0].subarray(0, 5) ?? []).toString('latin1')).toBe('JFIF\0');
    expect(Array.from(grey.get(0xc0)?.[0] ?? [])).toEqual([8, 0, 10, 0, 20, 1, 1, 0x11, 0]);
    const rgb = segments(encodeJpeg({ width: 20, height: 10, channels: 3, data: smoothNoise(20, 10, 3) }));
    expect(Array.from(rgb.get(0xc0)?.[0] ?? [])).toEqual([8, 0, 10, 0, 20, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    expect(rgb.get(0xc4)?.length).toBe(4);
  });

  it('decodes (sharp) to the same size and channels within 34 dB at q85 on a smooth+noise image', async () => {
    for (const channels of [1, 3] as const) {
      const px = smoothNoise(256, 256, channels);
      const out = await decodeSharp(encodeJpeg({ width: 256, height: 256, channels, data: px }, 85), channels);
      expect([out.width, out.height, out.channels]).toEqual([256, 256, channels]);
      expect(psnr(px, out.data)).toBeGreaterThan(34);
    }
  });

  it('handles sizes that are not whole blocks, down to 1x1', async () => {
    for (const [width, height] of [[1, 1], [7, 9], [257, 3], [17, 33]]) {
      for (const channels of [1, 3] as const) {
        const px = smoothNoise(width, height, channels, width);
        const out = await decodeSharp(encodeJpeg({ width, height, channels, data: px }, 85), channels);
        expect([out.width, out.height, out.channels]).toEqual([width, height, channels]);
        expect(psnr(px, out.data)).toBeGreaterThan(30);
      }
    }
    // One pixel comes back within a few levels (only its DC survives quantization).
    const one = await decodeSharp(encodeJpeg({ width: 1, height: 1, channels: 3, data: Uint8Array.from([200, 40, 90]) }, 85), 3);
    expect(Math.max(...Array.from(one.data).map((v, c) => Math.abs(v - [200, 40, 90][c])))).toBeLessThanOrEqual(3);
  });

  it('trades size for fidelity with quality: 100 above 45 dB, 10 smaller than 85', async () => {
    const px = smoothNoise(128, 96, 1);
    const [q10, q85, q100] = [10, 85, 100].map((q) => encodeJpeg({ width: 128, height: 96, channels: 1, data: px }, q));
    expect(psnr(px, (await decodeSharp(q100, 1)).data)).toBeGreaterThan(45);
    expect(q10.length).toBeLessThan(q85.length / 2);
    expect(q85.length).toBeLessThan(q100.length);
  });

  it('stays within 1.6x of sharp (mozjpeg, optimized Huffman tables) in bytes at q85 and q100', async () => {
    const cases = [
      { name: 'noise grey', channels: 1, px: smoothNoise(256, 256, 1) },
      { name: 'noise rgb', channels: 3, px: smoothNoise(256, 256, 3) },
    ] as const;
    const ratios: string[] = [];
    for (const { name, channels, px } of cases) {
      for (const q of [85, 100]) {
        const ours = encodeJpeg({ width: 256, height: 256, channels, data: px }, q).length;
        const theirs = (await sharp(Buffer.from(px), { raw: { width: 256, height: 256, channels } }).toColourspace(channels === 1 ? 'b-w' : 'srgb').jpeg({ quality: q }).toBuffer()).length;
        expect(ours / theirs).toBeGreaterThan(0.5);
        ratios.push(`${name} q${q}: ${(ours / theirs).toFixed(2)}`);
        expect(ours / theirs, ratios.at(-1)).toBeLessThan(1.6);
      }
    }
    expect(ratios).toHaveLength(4);
  });

  it('refuses pixels that do not match the size', () => {
    expect(() => encodeJpeg({ width: 4, height: 4, channels: 3, data: new Uint8Array(16) })).toThrow(/4x4x3 does not match 16 samples/);
    expect(() => encodeJpeg({ width: 0, height: 4, channels: 1, data: new Uint8Array(16) })).toThrow(RangeError);
  });
});
