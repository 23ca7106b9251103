import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { type DemoDataset, generateDemoImages } from './generate.ts';
import { DEMO_CLASS_REGIONS } from './phantom.ts';
import { NEAR_THRESHOLD } from '../../images/near-duplicates.ts';
import { decodeFile } from '../../../imaging/decode/index.ts';
import { hammingDistance, perceptualHash } from '../../../imaging/hash.ts';
import { shrinkImage } from '../../../imaging/shrink.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function generate(seed: number, images = 40): DemoDataset {
  const dir = mkdtempSync(join(tmpdir(), 'labeltune-demo-test-'));
  dirs.push(dir);
  return generateDemoImages(dir, { images, seed, size: 128 });
}

const sha = (d: DemoDataset, file: string) => createHash('sha256').update(readFileSync(join(d.dir, file))).digest('hex');

async function grey16(path: string): Promise<{ data: Uint16Array; width: number; depth: string }> {
  const meta = await sharp(path).metadata();
  const { data, info } = await sharp(path).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  return { data: new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)), width: info.width, depth: meta.depth as string };
}

function regionMean(img: { data: Uint16Array; width: number }, r: { x: number; y: number; w: number; h: number }): number {
  const n = img.width;
  let sum = 0;
  let count = 0;
  for (let y = Math.floor(r.y * n); y < Math.floor((r.y + r.h) * n); y++) {
    for (let x = Math.floor(r.x * n); x < Math.floor((r.x + r.w) * n); x++) (sum += img.data[y * n + x]), count++;
  }
  return sum / count;
}

describe('generateDemoImages', () => {
  const a = generate(5);
  const b = generate(5);
  const c = generate(6);

  it('writes the same bytes for the same seed and other bytes for another seed', () => {
    expect(a.images.map((i) => i.file)).toEqual(b.images.map((i) => i.file));
    expect(a.images.map((i) => sha(a, i.file))).toEqual(b.images.map((i) => sha(b, i.file)));
    expect(sha(a, a.images[0].file)).not.toBe(sha(c, c.images[0].file));
    expect(readFileSync(a.csv, 'utf8')).toBe(readFileSync(b.csv, 'utf8'));
  });

  it('lists every file in the CSV with its label and patient, 2-4 images per patient', () => {
    const lines = readFileSync(a.csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('path,label,group');
    expect(lines).toHaveLength(41);
    expect(lines[1]).toBe(`${a.images[0].file},${a.images[0].label},${a.images[0].patient}`);
    const perPatient = new Map<string, number>();
    for (const i of a.images.filter((x) => !x.duplicateOf)) perPatient.set(i.patient, (perPatient.get(i.patient) ?? 0) + 1);
    const last = [...perPatient.keys()].pop();
    for (const [p, n] of perPatient) if (p !== last) expect(n).toBeGreaterThanOrEqual(2), expect(n).toBeLessThanOrEqual(4);
    expect(new Set(a.images.map((i) => i.label))).toEqual(new Set(['normal', 'opacity', 'effusion']));
  });

  it('writes 16-bit grey PNGs whose duplicates have other bytes but the same pixels', async () => {
    const dups = a.images.filter((i) => i.duplicateOf);
    expect(dups).toHaveLength(1);
    const [dup] = dups;
    expect(sha(a, dup.file)).not.toBe(sha(a, dup.duplicateOf as string));
    const x = await grey16(join(a.dir, dup.file));
    const y = await grey16(join(a.dir, dup.duplicateOf as string));
    expect(x.depth).toBe('ushort');
    expect(Buffer.from(x.data.buffer).equals(Buffer.from(y.data.buffer))).toBe(true);
  });

  it('puts a visible class signal in the documented regions', async () => {
    const big = generate(9, 60);
    const mean = async (label: string, region: keyof typeof DEMO_CLASS_REGIONS) => {
      const files = big.images.filter((i) => i.label === label).map((i) => i.file);
      const values = await Promise.all(files.map(async (f) => regionMean(await grey16(join(big.dir, f)), DEMO_CLASS_REGIONS[region])));
      return values.reduce((s, v) => s + v, 0) / values.length;
    };
    // Findings are brighter (denser) than aerated lung in their region, by thousands of levels.
    expect((await mean('opacity', 'opacity')) - (await mean('normal', 'opacity'))).toBeGreaterThan(2500);
    expect((await mean('effusion', 'effusion')) - (await mean('normal', 'effusion'))).toBeGreaterThan(2500);
  });

  it("keeps different patients apart to the perceptual hash, and a patient's visits close", async () => {
    const big = generate(3, 60);
    const originals = big.images.filter((i) => !i.duplicateOf);
    const hashes = await Promise.all(originals.map(async (i) => perceptualHash(shrinkImage((await decodeFile(join(big.dir, i.file))).frames[0], 256))));
    const [cross, visits]: number[][] = [[], []];
    for (let i = 0; i < originals.length; i++) {
      for (let j = i + 1; j < originals.length; j++) (originals[i].patient === originals[j].patient ? visits : cross).push(hammingDistance(hashes[i], hashes[j]));
    }
    const within = (ds: number[], bits: number) => ds.filter((d) => d <= bits).length / ds.length;
    // Before patients had their own framing (collimation, marker, heart, height), 19% of the pairs
    // of different patients were "near duplicates", and the sample's leakage report was all noise.
    expect(within(cross, NEAR_THRESHOLD)).toBe(0);
    // A patient's visits stay close in the generator's own terms (within 6 bits), whether or not
    // the near-duplicate threshold calls them duplicates.
    expect(within(visits, 6)).toBeGreaterThan(0.9);
  });
});

describe('a large demo data set', () => {
  it('copies only originals when a duplicate is drawn again (200 images, seed 1, crashed with "reading \'0\'")', () => {
    const dir = mkdtempSync(join(tmpdir(), 'labeltune-demo-test-'));
    dirs.push(dir);
    const d = generateDemoImages(dir, { images: 200, seed: 1, size: 16 });
    expect(d.images).toHaveLength(200);
    const copies = d.images.filter((i) => i.duplicateOf !== undefined);
    expect(copies).toHaveLength(5);
    const originals = new Set(d.images.filter((i) => i.duplicateOf === undefined).map((i) => i.file));
    expect(copies.every((c) => originals.has(c.duplicateOf as string))).toBe(true);
  });
});
