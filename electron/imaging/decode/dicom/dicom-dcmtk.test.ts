import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { isEngineError } from '../../../../shared/contract/errors.ts';
import { decodeBuffer, decodeFile } from '../index.ts';
import { renderImage } from '../../render.ts';
import { blobImage, encodeBmp } from '../test-images.ts';

/**
 * DICOM files made on the fly with Debian's dcmtk (img2dcm, dcmcjpeg, dcmcjpls, dcmcrle, dcmconv,
 * dcmodify) from pydicom's MR_small.dcm: each encoding must give back exactly the pixels of the
 * source. Skipped, with a message, when dcmtk or python3-pydicom is not installed.
 */
const MR_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm';
const DEFLATED = '/usr/lib/python3/dist-packages/pydicom/data/test_files/image_dfl.dcm';
const JPEG_LOSSY = '/usr/lib/python3/dist-packages/pydicom/data/test_files/JPEG-lossy.dcm';
const hasDcmtk = spawnSync('img2dcm', ['--version']).status === 0;
const ready = hasDcmtk && existsSync(MR_SMALL);
if (!ready) console.warn('dcmtk tests skipped: apt-get install dcmtk python3-pydicom');

const dir = mkdtempSync(join(tmpdir(), 'labeltune-dcmtk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function dcmtk(tool: string, args: string[], out: string): string {
  const target = join(dir, out);
  execFileSync(tool, [...args, target], { stdio: 'pipe' });
  return target;
}

async function referencePixels(): Promise<number[]> {
  return Array.from((await decodeFile(MR_SMALL)).frames[0].data);
}

describe.skipIf(!ready)('dcmtk-encoded copies of MR_small.dcm', () => {
  it.each([
    ['dcmcjpeg', ['+e1'], '1.2.840.10008.1.2.4.70'],
    ['dcmcjpeg', ['+el'], '1.2.840.10008.1.2.4.57'],
    ['dcmcjpls', [], '1.2.840.10008.1.2.4.80'],
    ['dcmcrle', [], '1.2.840.10008.1.2.5'],
    ['dcmconv', ['+tb'], '1.2.840.10008.1.2.2'],
  ] as const)('%s %s (%s) decodes to the source pixels', async (tool, flags, syntax) => {
    const file = dcmtk(tool, [...flags, MR_SMALL], `${tool}${flags.join('')}.dcm`);
    const { info, frames } = await decodeFile(file);
    expect(info.metadata.TransferSyntaxUID).toBe(syntax);
    expect(Array.from(frames[0].data)).toEqual(await referencePixels());
  });

  it('retired progressive JPEG (dcmcjpeg +ep) -> unsupported, naming the syntax', async () => {
    const file = dcmtk('dcmcjpeg', ['+ep', MR_SMALL], 'progressive.dcm');
    const error = await decodeFile(file).then(() => null, (e: unknown) => e);
    expect(isEngineError(error) && [error.code, error.message]).toEqual([
      'unsupported',
      expect.stringContaining('"JPEG Full Progression, Non-Hierarchical (Process 10 & 12, retired)" (1.2.840.10008.1.2.4.55)'),
    ]);
  });

  it.skipIf(!existsSync(JPEG_LOSSY))('12-bit JPEG-lossy.dcm matches dcmdjpeg within 1 on every sample', async () => {
    const reference = dcmtk('dcmdjpeg', [JPEG_LOSSY], 'jpeg-lossy-raw.dcm');
    const [ours, theirs] = [(await decodeFile(JPEG_LOSSY)).frames[0].data, (await decodeFile(reference)).frames[0].data];
    let [maxDiff, differing] = [0, 0];
    ours.forEach((v, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(v - theirs[i]));
      if (v !== theirs[i]) differing++;
    });
    expect(maxDiff).toBe(1);
    expect(differing / ours.length).toBeLessThan(0.01);
  });

  it('12-bit JPEG Extended written by dcmcjpeg +ee decodes within 1 of dcmdjpeg', async () => {
    // MR_small's samples (127..2145) relabelled as unsigned 12-bit, so dcmcjpeg writes a 12-bit stream.
    const source = join(dir, 'mr12.dcm');
    copyFileSync(MR_SMALL, source);
    execFileSync('dcmodify', ['-nb', '-m', '(0028,0101)=12', '-m', '(0028,0102)=11', '-m', '(0028,0103)=0', source], { stdio: 'pipe' });
    const jpeg = dcmtk('dcmcjpeg', ['+ee', source], 'mr12-jpeg.dcm');
    const back = dcmtk('dcmdjpeg', [jpeg], 'mr12-back.dcm');
    const [ours, theirs] = [(await decodeFile(jpeg)).frames[0], (await decodeFile(back)).frames[0]];
    expect([ours.bitDepth, ours.data.constructor]).toEqual([12, Uint16Array]);
    const diffs = Array.from(ours.data).map((v, i) => Math.abs(v - theirs.data[i]));
    expect(Math.max(...diffs)).toBeLessThanOrEqual(1);
  });

  it('a bare data set (no preamble, no meta group, implicit VR) is recognised and decoded', async () => {
    const file = dcmtk('dcmconv', ['+ti', '-F', MR_SMALL], 'bare.dcm');
    expect(readFileSync(file).toString('latin1', 128, 132)).not.toBe('DICM');
    const { info, frames } = await decodeFile(file);
    expect([info.format, info.metadata.TransferSyntaxUID]).toEqual(['dicom', '1.2.840.10008.1.2']);
    expect(Array.from(frames[0].data)).toEqual(await referencePixels());
  });

  it('a Part 10 file without its 128-byte preamble still decodes', async () => {
    const stripped = readFileSync(MR_SMALL).subarray(132);
    const { frames } = await decodeBuffer(stripped, 'stripped.dcm');
    expect(Array.from(frames[0].data)).toEqual(await referencePixels());
  });

  it('MONOCHROME1 is inverted over the stored range and its window mirrored', async () => {
    const file = join(dir, 'mono1.dcm');
    copyFileSync(MR_SMALL, file);
    execFileSync('dcmodify', ['-nb', '-m', '(0028,0004)=MONOCHROME1', file], { stdio: 'pipe' });
    const img = (await decodeFile(file)).frames[0];
    // Signed 16-bit: stored range -32768..32767, so v -> (-32768 + 32767) - v = -1 - v.
    expect(Array.from(img.data)).toEqual((await referencePixels()).map((v) => -1 - v));
    expect(img.window).toEqual({ center: -601, width: 1600 });
    // Rendered with its default window, the inverted image is the negative of the original.
    const original = await sharp(await renderImage((await decodeFile(MR_SMALL)).frames[0])).raw().toBuffer();
    const inverted = await sharp(await renderImage(img)).raw().toBuffer();
    const diffs = Array.from(original).map((v, i) => Math.abs(255 - v - inverted[i]));
    expect(Math.max(...diffs)).toBeLessThanOrEqual(1);
  });

  it('huge Rows/Columns or frame counts in the header -> validation before any frame is decoded', async () => {
    const huge = join(dir, 'huge.dcm');
    copyFileSync(MR_SMALL, huge);
    execFileSync('dcmodify', ['-nb', '-m', '(0028,0010)=65535', '-m', '(0028,0011)=65535', huge], { stdio: 'pipe' });
    const e1 = await decodeFile(huge).then(() => null, (e: unknown) => e);
    expect(isEngineError(e1) && [e1.code, e1.message]).toEqual(['validation', expect.stringContaining('huge.dcm: the image is 65535x65535')]);
    const many = join(dir, 'many-frames.dcm');
    copyFileSync(MR_SMALL, many);
    execFileSync('dcmodify', ['-nb', '-i', '(0028,0008)=300000', many], { stdio: 'pipe' });
    const e2 = await decodeFile(many).then(() => null, (e: unknown) => e);
    expect(isEngineError(e2) && [e2.code, e2.details]).toEqual(['validation', { file: 'many-frames.dcm', width: 64, height: 64, frames: 300000, limit: 800_000_000 }]);
    // One frame of it is within limits: only the requested frame is checked (and it exists in the data).
    const first = await decodeFile(many, { frame: 0 });
    expect(Array.from(first.frames[0].data)).toEqual(await referencePixels());
  });

  it.skipIf(!existsSync(DEFLATED))('PALETTE COLOR: every index goes through the red/green/blue lookup tables', async () => {
    // 8-bit grey image_dfl.dcm relabelled as PALETTE COLOR with R = i, G = 255 - i, B = 128 (16-bit entries).
    // pydicom's apply_color_lut(...) >> 8 on this file: mean 127.66666666666667, pixel (256, 0) = [138, 117, 128].
    const file = dcmtk('dcmconv', ['+te', DEFLATED], 'palette.dcm');
    const hex = (f: (i: number) => number) => Array.from({ length: 256 }, (_, i) => (f(i) * 257).toString(16).padStart(4, '0')).join('\\');
    const tables = [(i: number) => i, (i: number) => 255 - i, () => 128];
    const args = ['-nb', '-m', '(0028,0004)=PALETTE COLOR'];
    tables.forEach((f, c) => args.push('-i', `(0028,110${c + 1})=256\\0\\16`, '-i', `(0028,120${c + 1})=${hex(f)}`));
    execFileSync('dcmodify', [...args, file], { stdio: 'pipe' });
    const grey = (await decodeFile(DEFLATED)).frames[0].data;
    const img = (await decodeFile(file)).frames[0];
    expect([img.channels, img.bitDepth, img.data.constructor, img.window]).toEqual([3, 8, Uint8Array, null]);
    expect(Array.from(img.data.subarray(256 * 512 * 3, 256 * 512 * 3 + 3))).toEqual([138, 117, 128]);
    const expected = Array.from(grey).flatMap((v) => [v, 255 - v, 128]);
    expect(Array.from(img.data)).toEqual(expected);
  });

  it('an unknown transfer syntax -> unsupported, naming the UID', async () => {
    const bytes = Buffer.from(readFileSync(MR_SMALL));
    const uid = Buffer.from('1.2.840.10008.1.2.1\0', 'latin1');
    const at = bytes.indexOf(uid);
    expect(at).toBeGreaterThan(132);
    bytes.write('1.2.840.10008.1.2.99', at, 'latin1'); // same length: the meta group stays valid
    const error = await decodeBuffer(bytes, 'odd.dcm').then(() => null, (e: unknown) => e);
    expect(isEngineError(error) && [error.code, error.message]).toEqual([
      'unsupported',
      expect.stringMatching(/^odd\.dcm: uses the DICOM transfer syntax "unknown transfer syntax" \(1\.2\.840\.10008\.1\.2\.99\)/),
    ]);
  });

  it('img2dcm wraps a JPEG as JPEG baseline DICOM; decoding it matches decoding the JPEG', async () => {
    const rgb = blobImage(48, 40, 11);
    const jpeg = await sharp(rgb, { raw: { width: 48, height: 40, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    const jpegFile = join(dir, 'photo.jpg');
    writeFileSync(jpegFile, jpeg);
    const dcm = dcmtk('img2dcm', ['-i', 'JPEG', jpegFile], 'photo.dcm');
    const fromDicom = await decodeFile(dcm);
    const fromJpeg = (await decodeFile(jpegFile)).frames[0];
    expect(fromDicom.info.metadata).toMatchObject({ TransferSyntaxUID: '1.2.840.10008.1.2.4.50', Rows: 40, Columns: 48 });
    const a = fromDicom.frames[0].data;
    const maxDiff = Math.max(...Array.from(a).map((v, i) => Math.abs(v - fromJpeg.data[i])));
    expect([fromDicom.frames[0].channels, a.length]).toEqual([3, 48 * 40 * 3]);
    expect(maxDiff).toBeLessThanOrEqual(2); // two libjpeg-turbo builds, same IDCT up to rounding
  });

  it('img2dcm reads our BMP into uncompressed DICOM: both decoders agree on every pixel', async () => {
    const rgb = blobImage(21, 13, 5); // odd width: BMP rows are padded, DICOM's are not
    const bmpFile = join(dir, 'photo.bmp');
    writeFileSync(bmpFile, encodeBmp(rgb, 21, 13, { bpp: 24 }));
    const dcm = dcmtk('img2dcm', ['-i', 'BMP', bmpFile], 'from-bmp.dcm');
    const [fromDicom, fromBmp] = [(await decodeFile(dcm)).frames[0], (await decodeFile(bmpFile)).frames[0]];
    expect(Array.from(fromBmp.data)).toEqual(Array.from(rgb));
    expect(Array.from(fromDicom.data)).toEqual(Array.from(rgb));
  });
});
