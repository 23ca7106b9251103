import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';
import { encodeGrey16Png } from '../../imaging/png16.ts';
import { pattern, ramp16, rawPng } from '../../imaging/testing/fixtures.ts';
import { legacyThumbnailPath } from './thumbnails.ts';

let t: TestEngine;
afterEach(async () => t?.dispose());

async function importFiles(files: Record<string, Buffer>): Promise<Record<string, { id: number; hash: string }>> {
  const dir = join(t.tmp, 'in');
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  const { jobId } = await t.client.invoke('import.start', { paths: [dir] });
  expect((await t.client.invoke('job.wait', { jobId })).status).toBe('completed');
  const rows = t.engine.ctx.project().db.prepare('SELECT id, hash, path FROM images').all() as { id: number; hash: string; path: string }[];
  return Object.fromEntries(rows.map((r) => [r.path.split('/').pop(), r]));
}

async function pixels(body: Buffer) {
  const { data, info } = await sharp(body).raw().toBuffer({ resolveWithObject: true });
  const meta = await sharp(body).metadata();
  return { data, info, format: meta.format };
}

describe('thumb/<id> and render/<id>', () => {
  // 512x256 16-bit ramp from 10000 (left) to 20000 (right): the default window spans exactly that.
  const ramp = () => {
    const out = new Uint16Array(512 * 256);
    for (let y = 0; y < 256; y++) for (let x = 0; x < 512; x++) out[y * 512 + x] = 10000 + Math.round((10000 * x) / 511);
    return out;
  };

  it('serves a 256 px JPEG thumbnail with the default window, and makes it again when deleted', async () => {
    t = await createTestProject();
    const ids = await importFiles({ 'ramp16.png': encodeGrey16Png(512, 256, ramp()), 'small.png': await rawPng(pattern(64, 32, 1, 1), 64, 32, 1) });
    const ramp16 = ids['ramp16.png'];
    const project = t.engine.ctx.project();
    // The import stored it in the project's thumbnail cache; the asset serves exactly those bytes.
    const stored = project.thumbnails.get(ramp16.hash);
    expect(stored?.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const asset = await t.engine.ctx.assets.resolve(`thumb/${ramp16.id}`);
    expect(asset.body.equals(stored as Buffer)).toBe(true);
    expect(asset.contentType).toBe('image/jpeg');
    const { data, info, format } = await pixels(asset.body);
    expect(format).toBe('jpeg');
    expect([info.width, info.height]).toEqual([256, 128]);
    // Left edge = window bottom (black), right edge = top (white), middle grey.
    const row = 64 * info.width * info.channels;
    expect(data[row]).toBeLessThan(8);
    expect(data[row + (info.width - 1) * info.channels]).toBeGreaterThan(247);
    expect(Math.abs(data[row + 128 * info.channels] - 128)).toBeLessThan(8);

    project.db.prepare('DELETE FROM thumbs.thumbnails WHERE hash = ?').run(ramp16.hash);
    expect(project.thumbnails.get(ramp16.hash)).toBeUndefined();
    const again = await t.engine.ctx.assets.resolve(`thumb/${ramp16.id}`);
    expect(project.thumbnails.get(ramp16.hash)?.equals(again.body)).toBe(true);
    expect((await pixels(again.body)).data.equals(data)).toBe(true);
    // Small images are not blown up.
    const small = await pixels((await t.engine.ctx.assets.resolve(`thumb/${ids['small.png'].id}`)).body);
    expect([small.info.width, small.info.height]).toEqual([64, 32]);
  });

  it('serves the thumbnail file of a project from before the cache database, and copies it in', async () => {
    t = await createTestProject();
    const { id, hash } = (await importFiles({ 'a.png': await rawPng(pattern(32, 32, 1, 2), 32, 32, 1) }))['a.png'];
    const project = t.engine.ctx.project();
    project.db.prepare('DELETE FROM thumbs.thumbnails').run();
    // An older version's file (recognisable bytes: a JPEG made by sharp, not by our encoder).
    const legacy = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    const file = legacyThumbnailPath(project.folder('thumbnails'), hash);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, legacy);
    expect((await t.engine.ctx.assets.resolve(`thumb/${id}`)).body.equals(legacy)).toBe(true);
    expect(project.thumbnails.get(hash)?.equals(legacy)).toBe(true);
  });

  it('renders at any window, size and inversion for the viewer', async () => {
    t = await createTestProject();
    const { id } = (await importFiles({ 'ramp16.png': encodeGrey16Png(512, 256, ramp()) }))['ramp16.png'];
    const q = (s: string) => new URLSearchParams(s);
    // A narrow window around 15000: left half black, right half white.
    const narrow = await pixels((await t.engine.ctx.assets.resolve(`render/${id}`, q('wc=15000&ww=100&size=128'))).body);
    expect([narrow.info.width, narrow.info.height]).toEqual([128, 64]);
    const at = (img: typeof narrow, x: number) => img.data[(32 * img.info.width + x) * img.info.channels];
    expect(at(narrow, 10)).toBe(0);
    expect(at(narrow, 117)).toBe(255);
    const inverted = await pixels((await t.engine.ctx.assets.resolve(`render/${id}`, q('wc=15000&ww=100&size=128&invert=1'))).body);
    expect(at(inverted, 10)).toBe(255);
    expect(at(inverted, 117)).toBe(0);
    const full = await pixels((await t.engine.ctx.assets.resolve(`render/${id}`)).body);
    expect([full.info.width, full.info.height]).toEqual([512, 256]);
  });

  it('resolves only images of the open project and rejects bad viewer parameters', async () => {
    t = await createTestProject();
    const { id } = (await importFiles({ 'a.png': await rawPng(pattern(32, 32, 1, 2), 32, 32, 1) }))['a.png'];
    const assets = t.engine.ctx.assets;
    await expect(assets.resolve(`thumb/${id + 1}`)).rejects.toMatchObject({ code: 'not-found' });
    await expect(assets.resolve('thumb/abc')).rejects.toMatchObject({ code: 'not-found' });
    await expect(assets.resolve('thumb/../../etc/passwd')).rejects.toMatchObject({ code: 'not-found' });
    await expect(assets.resolve(`render/${id}`, new URLSearchParams('wc=10'))).rejects.toMatchObject({ code: 'validation' });
    await expect(assets.resolve(`render/${id}`, new URLSearchParams('wc=10&ww=0'))).rejects.toMatchObject({ code: 'validation' });
    await expect(assets.resolve(`render/${id}`, new URLSearchParams('size=100000'))).rejects.toMatchObject({ code: 'validation' });
    await t.client.invoke('project.close', {});
    await expect(assets.resolve(`thumb/${id}`)).rejects.toMatchObject({ code: 'not-found' });
  });
});
