import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../shared/random.ts';
import type { DecodedImage } from '../../shared/domain/pixels.ts';
import { decodeBuffer } from './decode/index.ts';
import { blobImage, encodeBmp, encodeTiff } from './decode/test-images.ts';
import { contentHash, greyGrid, hammingDistance, perceptualHash } from './hash.ts';

const W = 160;
const H = 120;
const raw = { raw: { width: W, height: H, channels: 3 as const } };
const decode = async (bytes: Buffer, name: string): Promise<DecodedImage> => (await decodeBuffer(bytes, name)).frames[0];

describe('contentHash', () => {
  it('is equal for the same pixels stored as PNG, TIFF and BMP', async () => {
    const rgb = blobImage(W, H, 1);
    const png = await decode(await sharp(rgb, raw).png().toBuffer(), 'a.png');
    const tiff = await decode(encodeTiff(rgb, W, H, 3), 'a.tif');
    const bmp = await decode(encodeBmp(rgb, W, H, { bpp: 24 }), 'a.bmp');
    expect(contentHash(png)).toMatch(/^[0-9a-f]{64}$/);
    expect([contentHash(tiff), contentHash(bmp)]).toEqual([contentHash(png), contentHash(png)]);
  });

  it('is equal for a 16-bit PNG and its 16-bit TIFF copy, and differs from the 8-bit version', async () => {
    const u16 = Uint16Array.from({ length: 40 * 30 }, (_, i) => (i * 97) % 65536);
    const png = await decode(await sharp(u16, { raw: { width: 40, height: 30, channels: 1 } }).toColourspace('grey16').png().toBuffer(), 'a.png');
    const tiff = await decode(encodeTiff(u16, 40, 30, 1), 'a.tif');
    expect(contentHash(tiff)).toBe(contentHash(png));
    const eight: DecodedImage = { ...png, bitDepth: 8, data: Uint8Array.from(png.data, (v) => v >> 8) };
    expect(contentHash(eight)).not.toBe(contentHash(png));
  });

  it('changes when one sample changes or the shape changes', async () => {
    const img: DecodedImage = { width: 4, height: 2, channels: 1, bitDepth: 8, data: new Uint8Array(8), window: null };
    const oneOff = { ...img, data: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 1]) };
    const reshaped = { ...img, width: 2, height: 4 };
    const hashes = new Set([contentHash(img), contentHash(oneOff), contentHash(reshaped)]);
    expect(hashes.size).toBe(3);
  });
});

describe('perceptualHash', () => {
  it('finds a resized, JPEG-recompressed copy (distance <= 6) that the content hash tells apart', async () => {
    const rgb = blobImage(W, H, 2);
    const original = await decode(await sharp(rgb, raw).png().toBuffer(), 'orig.png');
    const copyBytes = await sharp(rgb, raw).resize(Math.round(W * 0.9), Math.round(H * 0.9)).jpeg({ quality: 70 }).toBuffer();
    const copy = await decode(copyBytes, 'copy.jpg');
    expect(contentHash(copy)).not.toBe(contentHash(original));
    const distance = hammingDistance(perceptualHash(original), perceptualHash(copy));
    expect(distance).toBeLessThanOrEqual(6);
  });

  it('keeps unrelated pictures far apart (distance > 20)', async () => {
    const hashes = await Promise.all(
      [3, 4, 5].map(async (seed) => perceptualHash(await decode(await sharp(blobImage(W, H, seed), raw).png().toBuffer(), 'x.png'))),
    );
    expect(hashes.every((h) => /^[0-9a-f]{16}$/.test(h))).toBe(true);
    expect(hammingDistance(hashes[0], hashes[1])).toBeGreaterThan(20);
    expect(hammingDistance(hashes[0], hashes[2])).toBeGreaterThan(20);
    expect(hammingDistance(hashes[1], hashes[2])).toBeGreaterThan(20);
  });

  it('windows 16-bit data first: a 16-bit image and its 8-bit rendering hash alike', async () => {
    const grey = Uint16Array.from({ length: W * H }, (_, i) => {
      const [x, y] = [i % W, Math.floor(i / W)];
      return 20000 + Math.round(8000 * Math.sin(x / 9) * Math.cos(y / 13));
    });
    const img16: DecodedImage = { width: W, height: H, channels: 1, bitDepth: 16, data: grey, window: null };
    const img8: DecodedImage = { ...img16, bitDepth: 8, data: Uint8Array.from(grey, (v) => Math.round(((v - 12000) / 16000) * 255)) };
    expect(hammingDistance(perceptualHash(img16), perceptualHash(img8))).toBeLessThanOrEqual(2);
  });

  it('a flat image has only DC energy, and a negative lands far from its positive', async () => {
    const flat: DecodedImage = { width: 50, height: 40, channels: 1, bitDepth: 8, data: new Uint8Array(2000).fill(90), window: null };
    expect(perceptualHash(flat)).toBe('8000000000000000');
    const rgb = blobImage(W, H, 6);
    const negative = Uint8Array.from(rgb, (v) => 255 - v);
    const [a, b] = await Promise.all([rgb, negative].map(async (px) => perceptualHash(await decode(await sharp(px, raw).png().toBuffer(), 'n.png'))));
    expect(hammingDistance(a, b)).toBeGreaterThan(40);
  });
  it('works on images smaller than its 32x32 grid (28 px crops)', () => {
    const tiny = (seed: number): DecodedImage => ({ width: 28, height: 28, channels: 3, bitDepth: 8, data: blobImage(28, 28, seed), window: null });
    const doubled = (img: DecodedImage): DecodedImage => {
      const data = new Uint8Array(56 * 56 * 3);
      for (let i = 0; i < 56 * 56 * 3; i++) {
        const [p, c] = [Math.floor(i / 3), i % 3];
        data[i] = img.data[((Math.floor(p / 56) >> 1) * 28 + ((p % 56) >> 1)) * 3 + c];
      }
      return { ...img, width: 56, height: 56, data };
    };
    expect(hammingDistance(perceptualHash(tiny(2)), perceptualHash(doubled(tiny(2))))).toBeLessThanOrEqual(6);
    expect(hammingDistance(perceptualHash(tiny(2)), perceptualHash(tiny(4)))).toBeGreaterThan(20);
  });
});

describe('greyGrid', () => {
  /** The definition: every pixel added to its cell one by one, the cell means windowed to 0..1. */
  const naiveGrid = (img: DecodedImage, lo: number, span: number): number[] => {
    const [sums, counts] = [new Array(32 * 32).fill(0), new Array(32 * 32).fill(0)];
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const i = (y * img.width + x) * img.channels;
        const v = img.channels >= 3 ? 0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2] : img.data[i];
        const cell = Math.floor((y * 32) / img.height) * 32 + Math.floor((x * 32) / img.width);
        sums[cell] += v;
        counts[cell]++;
      }
    }
    return sums.map((s, cell) => (counts[cell] ? Math.min(Math.max((s / counts[cell] - lo) / span, 0), 1) : NaN));
  };

  it.each([
    [256, 256, 1, 'u16'],
    [37, 29, 1, 'u8'],
    [300, 201, 3, 'u8'],
    [28, 28, 3, 'u8'],
    [64, 40, 4, 'u8'],
  ] as const)('averages %ix%ix%i %s images cell by cell like the pixel-by-pixel definition', (width, height, channels, type) => {
    const random = mulberry32(width * height);
    const length = width * height * channels;
    const data = type === 'u16' ? Uint16Array.from({ length }, () => Math.floor(random() * 65536)) : Uint8Array.from({ length }, () => Math.floor(random() * 256));
    const window = type === 'u16' ? { center: 32768, width: 65536 } : null;
    const img: DecodedImage = { width, height, channels, bitDepth: type === 'u16' ? 16 : 8, data, window };
    const [lo, span] = window ? [32768 - 0.5 - 65535 / 2, 65535] : [0, 255];
    const expected = naiveGrid(img, lo, span);
    const grid = greyGrid(img, 32, 32);
    expect(grid.length).toBe(1024);
    const filled = expected.flatMap((v, cell) => (Number.isNaN(v) ? [] : [cell]));
    // Every cell of an image at least 32 px a side has pixels; a 28 px crop leaves some empty.
    expect(filled.length).toBe(Math.min(width, 32) * Math.min(height, 32));
    const worst = Math.max(...filled.map((cell) => Math.abs(grid[cell] - expected[cell])));
    expect(worst).toBeLessThan(1e-12);
    expect(grid.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});

describe('hammingDistance', () => {
  it('counts differing bits', () => {
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('00000000000000f0', '0000000000000010')).toBe(3);
    expect(hammingDistance('8000000000000001', '8000000000000001')).toBe(0);
  });
});
