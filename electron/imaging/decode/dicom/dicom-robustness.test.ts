import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../../../shared/contract/errors.ts';
import { decodeBuffer } from '../index.ts';

/**
 * Damaged copies of real files (python3-pydicom's test files) must end in an EngineError that
 * the import report can file ('validation' or 'unsupported'), never in a raw exception from
 * dicom-parser or a WASM codec; and a codec that saw garbage must still decode the next file.
 */
const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const FILES = ['JPEG-lossy.dcm', 'MR_small_jpeg_ls_lossless.dcm', 'MR_small_jp2klossless.dcm', 'SC_rgb_jpeg_dcmtk.dcm', 'MR_small_RLE.dcm', 'SC_rgb_jpeg_gdcm.dcm', 'image_dfl.dcm'];
const ready = FILES.every((f) => existsSync(join(PYDICOM, f)));

function damagedCopies(original: Buffer, count: number): Buffer[] {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: count }, (_, k) => {
    if (k % 2 === 0) return original.subarray(0, Math.floor(rand() * original.length)); // truncated
    const copy = Buffer.from(original); // bytes overwritten in the second half, where pixel data lives
    for (let j = 0; j < 8; j++) copy[Math.floor(copy.length * (0.5 + rand() * 0.5))] = Math.floor(rand() * 256);
    return copy;
  });
}

describe.skipIf(!ready)('damaged DICOM files', () => {
  it.each(FILES)('%s: truncated or overwritten copies fail cleanly, the intact file still decodes', async (name) => {
    const original = readFileSync(join(PYDICOM, name));
    const expected = Array.from((await decodeBuffer(original, name)).frames[0].data);
    const outcomes: Record<string, number> = {};
    for (const bytes of damagedCopies(original, 12)) {
      const outcome = await decodeBuffer(bytes, name).then(
        () => 'decoded',
        (e: unknown) => (isEngineError(e) ? e.code : `raw exception: ${String(e)}`),
      );
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    const allowed = ['decoded', 'validation', 'unsupported'];
    expect(Object.keys(outcomes).filter((k) => !allowed.includes(k))).toEqual([]);
    expect(outcomes.validation).toBeGreaterThan(0);
    expect(Array.from((await decodeBuffer(original, name)).frames[0].data)).toEqual(expected);
  });
});
