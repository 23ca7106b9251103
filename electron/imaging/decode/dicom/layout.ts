import type { DataSet } from 'dicom-parser';
import { corruptFile, unsupportedFile } from '../errors.ts';

/** The Image Pixel module: how the samples of a frame are laid out. */
export interface PixelLayout {
  rows: number;
  columns: number;
  samplesPerPixel: 1 | 3;
  bitsAllocated: number;
  bitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  photometric: string;
  /** 0 interleaved (RGBRGB...), 1 by plane (RR..GG..BB..). */
  planarConfiguration: 0 | 1;
  frames: number;
}

const COLOUR_PHOTOMETRICS = ['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT'];

export function readPixelLayout(ds: DataSet, file: string): PixelLayout {
  if (!ds.elements.x7fe00010) {
    const kind = ds.elements.x7fe00008 || ds.elements.x7fe00009 ? 'floating-point pixel data' : 'no pixel data (it is not an image, e.g. a report or a structure set)';
    throw unsupportedFile(file, `the DICOM file contains ${kind}; only image objects can be imported.`);
  }
  const rows = ds.uint16('x00280010') ?? 0;
  const columns = ds.uint16('x00280011') ?? 0;
  if (!rows || !columns) throw corruptFile(file, 'the DICOM file has pixel data but no Rows (0028,0010) / Columns (0028,0011)');
  const samples = ds.uint16('x00280002') ?? 1;
  const photometric = (ds.string('x00280004') ?? (samples === 3 ? 'RGB' : 'MONOCHROME2')).toUpperCase();
  const bitsAllocated = ds.uint16('x00280100') ?? 0;
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  if (![1, 8, 16, 32].includes(bitsAllocated) || bitsStored < 1 || bitsStored > bitsAllocated) {
    throw unsupportedFile(file, `has Bits Allocated ${bitsAllocated} / Bits Stored ${bitsStored}; only 1, 8, 16 and 32-bit DICOM images are supported.`);
  }
  checkPhotometric(file, photometric, samples);
  return {
    rows,
    columns,
    samplesPerPixel: samples as 1 | 3,
    bitsAllocated,
    bitsStored,
    pixelRepresentation: ds.uint16('x00280103') === 1 ? 1 : 0,
    photometric,
    planarConfiguration: ds.uint16('x00280006') === 1 ? 1 : 0,
    frames: Math.max(1, readFrameCount(ds)),
  };
}

function readFrameCount(ds: DataSet): number {
  const n = ds.intString('x00280008');
  return n !== undefined && Number.isFinite(n) ? n : 1;
}

function checkPhotometric(file: string, photometric: string, samples: number): void {
  if (samples === 1 && (photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2')) return;
  if (samples === 3 && COLOUR_PHOTOMETRICS.includes(photometric)) return;
  if (samples === 1 && photometric === 'PALETTE COLOR') return;
  throw unsupportedFile(file, `has Photometric Interpretation ${photometric} with ${samples} samples per pixel; only MONOCHROME1/2, PALETTE COLOR, RGB and YBR colour images are supported.`);
}

/** Bytes of one native (uncompressed) frame; 1-bit frames are packed and may end mid-byte. */
export function nativeFrameBytes(layout: PixelLayout): number {
  const bits = layout.rows * layout.columns * layout.samplesPerPixel * layout.bitsAllocated;
  return Math.ceil(bits / 8);
}
