import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../../../shared/contract/errors.ts';
import type { DecodedImage } from '../../../../shared/domain/pixels.ts';
import { decodeFile } from '../index.ts';

/**
 * Real DICOM files shipped by Debian packages (.ci/run installs them): python3-pydicom's test
 * files and libgdcm3.0's example. Expected numbers were computed once with pydicom 2.3.1 + numpy:
 *   /usr/bin/python3 -c "import pydicom; from pydicom.pixel_data_handlers.util import apply_modality_lut as m;
 *     d = pydicom.dcmread(F); a = m(d.pixel_array, d); print(a.min(), a.max(), a.mean(), a[r, c])"
 * Compressed files pydicom cannot decode here were first made uncompressed with
 * `gdcmconv --raw` (JPEG 2000) or `dcmdjpeg` (JPEG), and our full pixel arrays were compared with
 * those: identical for every file below (max abs difference 0), except the 12-bit JPEG-lossy.dcm
 * (max difference 1 on 0.6% of samples: float versus integer IDCT).
 */
const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const GDCM_EXAMPLE = '/usr/share/doc/libgdcm3.0/examples/00191113.dcm';
const haveFile = (name: string) => existsSync(join(PYDICOM, name));
const missing = (name: string) => !haveFile(name);
const path = (name: string) => join(PYDICOM, name);

function stats(images: DecodedImage[]) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  for (const img of images) {
    for (const v of img.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      n++;
    }
  }
  return { min, max, mean: sum / n };
}

const at = (img: DecodedImage, row: number, col: number) =>
  Array.from(img.data.subarray((row * img.width + col) * img.channels, (row * img.width + col + 1) * img.channels));

async function decodeError(file: string) {
  const error = await decodeFile(file).then(() => null, (e: unknown) => e);
  if (!isEngineError(error)) throw new Error(`expected an EngineError, got ${String(error)}`);
  return error;
}

describe.skipIf(missing('MR_small.dcm'))('DICOM transfer syntaxes give identical pixels (python3-pydicom files)', () => {
  if (missing('MR_small.dcm')) console.warn('python3-pydicom test files missing: apt-get install python3-pydicom');

  it('MR_small.dcm (explicit VR LE, signed 16-bit) matches pydicom', async () => {
    const { info, frames } = await decodeFile(path('MR_small.dcm'));
    const img = frames[0];
    expect([img.width, img.height, img.channels, img.bitDepth, info.frames]).toEqual([64, 64, 1, 16, 1]);
    expect(img.data).toBeInstanceOf(Float32Array); // signed samples
    expect(stats(frames)).toEqual({ min: 127, max: 2145, mean: 518.88134765625 });
    expect(Array.from(img.data.subarray(0, 4))).toEqual([905, 1019, 1227, 1259]);
    expect([at(img, 31, 31), at(img, 63, 63)]).toEqual([[206], [862]]);
    expect(img.window).toEqual({ center: 600, width: 1600 });
    expect(info.metadata).toMatchObject({ TransferSyntaxUID: '1.2.840.10008.1.2.1', Rows: 64, Columns: 64, BitsStored: 16 });
  });

  const twins = [
    ['MR_small_implicit.dcm', '1.2.840.10008.1.2'],
    ['MR_small_bigendian.dcm', '1.2.840.10008.1.2.2'],
    ['MR_small_expb.dcm', '1.2.840.10008.1.2.2'],
    ['MR_small_padded.dcm', '1.2.840.10008.1.2.1'],
    ['MR_small_RLE.dcm', '1.2.840.10008.1.2.5'],
    ['MR_small_jpeg_ls_lossless.dcm', '1.2.840.10008.1.2.4.80'],
    ['MR_small_jp2klossless.dcm', '1.2.840.10008.1.2.4.90'],
  ];
  it.each(twins)('%s (%s) decodes to exactly the pixels of MR_small.dcm', async (name, syntax) => {
    if (missing(name)) return;
    const reference = (await decodeFile(path('MR_small.dcm'))).frames[0];
    const { info, frames } = await decodeFile(path(name));
    expect(info.metadata.TransferSyntaxUID).toBe(syntax);
    expect([frames[0].width, frames[0].height, frames[0].channels]).toEqual([64, 64, 1]);
    expect(Array.from(frames[0].data)).toEqual(Array.from(reference.data));
  });
});

describe('DICOM pixel processing on real files', () => {
  it.skipIf(missing('CT_small.dcm'))('CT_small.dcm: rescale intercept -1024 gives Hounsfield units, metadata is kept', async () => {
    const { info, frames } = await decodeFile(path('CT_small.dcm'));
    expect(frames[0].data).toBeInstanceOf(Float32Array);
    expect(stats(frames)).toEqual({ min: -896, max: 1167, mean: -119.0738525390625 });
    expect([Array.from(frames[0].data.subarray(0, 4)), at(frames[0], 64, 64)]).toEqual([[-849, -844, -858, -881], [904]]);
    expect(info).toMatchObject({ format: 'dicom', modality: 'CT', groupId: '1CT1' });
    expect(info.metadata).toMatchObject({
      PatientID: '1CT1',
      Modality: 'CT',
      PixelSpacing: [0.661468, 0.661468],
      StudyInstanceUID: '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322',
      Manufacturer: 'GE MEDICAL SYSTEMS',
      RescaleIntercept: -1024,
    });
    expect(JSON.parse(JSON.stringify(info.metadata))).toEqual(info.metadata); // JSON-safe
  });

  it.skipIf(missing('image_dfl.dcm'))('image_dfl.dcm: deflated explicit VR LE', async () => {
    const { info, frames } = await decodeFile(path('image_dfl.dcm'));
    expect(info.metadata.TransferSyntaxUID).toBe('1.2.840.10008.1.2.1.99');
    expect(frames[0].data).toBeInstanceOf(Uint8Array);
    expect(stats(frames)).toEqual({ min: 0, max: 255, mean: 127.115966796875 });
    expect([at(frames[0], 0, 0), Array.from(frames[0].data.subarray(256 * 512, 256 * 512 + 4))]).toEqual([[213], [138, 138, 138, 138]]);
  });

  it.skipIf(missing('SC_ybr_full_422_uncompressed.dcm'))('YBR_FULL_422 uncompressed is upsampled and converted to RGB', async () => {
    const img = (await decodeFile(path('SC_ybr_full_422_uncompressed.dcm'))).frames[0];
    expect([img.channels, img.data.constructor]).toEqual([3, Uint8Array]);
    const bands = [5, 15, 25, 35, 45, 55, 65, 75, 85, 95].map((r) => at(img, r, 50));
    expect(bands).toEqual([[254, 0, 0], [255, 127, 127], [0, 255, 5], [129, 255, 129], [0, 0, 254], [128, 127, 255], [0, 0, 0], [64, 64, 64], [192, 192, 192], [255, 255, 255]]);
  });

  it.skipIf(missing('SC_rgb_rle_16bit_2frame.dcm'))('RLE 16-bit RGB, 2 frames: both decoded', async () => {
    const { info, frames } = await decodeFile(path('SC_rgb_rle_16bit_2frame.dcm'));
    expect([info.frames, frames.length, frames[0].data.constructor, frames[0].bitDepth]).toEqual([2, 2, Uint16Array, 16]);
    expect([at(frames[0], 5, 50), at(frames[1], 5, 50)]).toEqual([[65535, 0, 0], [0, 65535, 65535]]);
    expect([at(frames[0], 95, 50), at(frames[1], 95, 50)]).toEqual([[65535, 65535, 65535], [0, 0, 0]]);
    expect(stats(frames).mean).toBe(32767.5);
  });

  it.skipIf(missing('ExplVR_BigEnd.dcm'))('explicit big endian RGB', async () => {
    const { frames } = await decodeFile(path('ExplVR_BigEnd.dcm'));
    expect([frames[0].width, frames[0].height, frames[0].channels]).toEqual([80, 60, 3]);
    expect(stats(frames).mean).toBeCloseTo(171.5775, 10);
  });

  it.skipIf(missing('liver_1frame.dcm'))('1-bit segmentation frames unpack to 0/1', async () => {
    const img = (await decodeFile(path('liver_1frame.dcm'))).frames[0];
    expect([img.bitDepth, Array.from(img.data).reduce((s, v) => s + v, 0), at(img, 256, 200)]).toEqual([1, 36233, [1]]);
  });

  it.skipIf(missing('rtdose.dcm'))('rtdose.dcm: all 15 frames of 32-bit data', async () => {
    const { info, frames } = await decodeFile(path('rtdose.dcm'));
    expect([info.frames, frames.length]).toEqual([15, 15]);
    expect([stats([frames[0]]).mean, stats([frames[14]]).mean]).toEqual([1013780, 1013910]);
    const second = await decodeFile(path('rtdose.dcm'), { frame: 14 });
    expect([second.frames.length, Array.from(second.frames[0].data)]).toEqual([1, Array.from(frames[14].data)]);
  });
});

describe('compressed DICOM through the npm codecs', () => {
  it.skipIf(!existsSync(GDCM_EXAMPLE))('libgdcm3.0 00191113.dcm: JPEG lossless, 4 frames, equals dcmdjpeg output', async () => {
    const { info, frames } = await decodeFile(GDCM_EXAMPLE);
    expect([info.frames, frames.length, info.metadata.TransferSyntaxUID, info.modality]).toEqual([4, 4, '1.2.840.10008.1.2.4.70', 'XA']);
    expect(frames.map((f) => Number(stats([f]).mean.toFixed(6)))).toEqual([34.224758, 35.866047, 35.442299, 35.058098]);
    expect(frames.map((f) => at(f, 256, 256)[0])).toEqual([195, 198, 195, 196]);
  });

  it.skipIf(missing('JPEG2000.dcm'))('JPEG2000.dcm (lossy J2K, signed) equals gdcmconv --raw', async () => {
    const img = (await decodeFile(path('JPEG2000.dcm'))).frames[0];
    expect([img.width, img.height]).toEqual([256, 1024]);
    expect(stats([img])).toEqual({ min: -30, max: 245, mean: 13.458160400390625 });
    expect([at(img, 512, 128), at(img, 100, 100)]).toEqual([[7], [1]]);
  });

  it.skipIf(missing('693_J2KI.dcm'))('693_J2KI.dcm: J2K 14-bit with rescale and window', async () => {
    const img = (await decodeFile(path('693_J2KI.dcm'))).frames[0];
    expect(stats([img])).toEqual({ min: -3995, max: 1812, mean: -1032.3228454589844 });
    expect([at(img, 256, 256), at(img, 0, 0), img.window]).toEqual([[32], [-3040], { center: 40, width: 100 }]);
  });

  it.skipIf(missing('SC_rgb_jpeg_dcmtk.dcm'))('JPEG baseline YBR_FULL comes out as the RGB colour bands', async () => {
    const img = (await decodeFile(path('SC_rgb_jpeg_dcmtk.dcm'))).frames[0];
    expect(stats([img]).mean).toBeCloseTo(127.73333333333333, 10);
    expect([at(img, 5, 50), at(img, 45, 50), at(img, 95, 50)]).toEqual([[254, 0, 0], [0, 0, 254], [255, 255, 255]]);
  });

  it.skipIf(missing('GDCMJ2K_TextGBR.dcm'))('J2K colour with YBR_RCT comes out as RGB', async () => {
    const img = (await decodeFile(path('GDCMJ2K_TextGBR.dcm'))).frames[0];
    expect([img.channels, at(img, 200, 200)]).toEqual([3, [128, 128, 128]]);
    expect(stats([img]).mean).toBeCloseTo(124.43588125, 8);
  });
  it.skipIf(missing('JPEG-lossy.dcm'))('JPEG-lossy.dcm: 12-bit JPEG Extended through our own decoder, within 1 of dcmdjpeg', async () => {
    // dcmdjpeg (IJG integer IDCT) gives mean 14.369991302490234, max 264; ours is a float IDCT.
    const { info, frames } = await decodeFile(path('JPEG-lossy.dcm'));
    const img = frames[0];
    expect([info.metadata.TransferSyntaxUID, img.width, img.height, img.bitDepth, img.data.constructor]).toEqual(['1.2.840.10008.1.2.4.51', 256, 1024, 12, Uint16Array]);
    const s = stats([img]);
    expect([s.min, s.max]).toEqual([0, 264]);
    expect(Math.abs(s.mean - 14.369991302490234)).toBeLessThan(0.002);
    const probes = [at(img, 420, 140)[0], at(img, 500, 128)[0], at(img, 0, 0)[0], at(img, 1000, 200)[0]];
    [244, 10, 1, 1].forEach((want, k) => expect(Math.abs(probes[k] - want)).toBeLessThanOrEqual(1));
  });
});

describe('DICOM files that must be refused, with the right code', () => {
  it.skipIf(missing('MR_truncated.dcm'))('truncated pixel data -> validation', async () => {
    const e = await decodeError(path('MR_truncated.dcm'));
    expect([e.code, e.message]).toEqual(['validation', expect.stringMatching(/^MR_truncated\.dcm: .*re-export or copy it again/)]);
  });

  it.skipIf(missing('rtplan.dcm'))('a DICOM object without pixels -> unsupported', async () => {
    const e = await decodeError(path('rtplan.dcm'));
    expect([e.code, e.message]).toEqual(['unsupported', expect.stringMatching(/^rtplan\.dcm: the DICOM file contains no pixel data/)]);
  });
});
