import dicomParser, { type DataSet } from 'dicom-parser';
import { corruptFile } from '../errors.ts';
import { nativeFrameBytes, type PixelLayout } from './layout.ts';

/** Integer samples of one frame, interleaved (RGBRGB...), before modality/photometric processing. */
export type IntSamples = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/**
 * The compressed bytes of one frame of encapsulated pixel data. Single-frame files may spread
 * the frame over several fragments; multi-frame files use the Basic Offset Table, or one fragment
 * per frame, or (JPEG only) the position of each frame's start-of-image marker.
 */
export function encapsulatedFrame(ds: DataSet, layout: PixelLayout, index: number, file: string, isJpeg: boolean): Uint8Array {
  const element = ds.elements.x7fe00010;
  const fragments = element.fragments ?? [];
  if (fragments.length === 0) throw corruptFile(file, 'the compressed pixel data has no fragments');
  if (layout.frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, element, 0, fragments.length) as Uint8Array;
  // Writers get the offset table wrong often enough that each strategy falls back to the next.
  const strategies: (() => Uint8Array | null)[] = [
    () => ((element.basicOffsetTable ?? []).length > 0 ? dicomParser.readEncapsulatedImageFrame(ds, element, index) : null),
    () => (fragments.length === layout.frames ? dicomParser.readEncapsulatedPixelDataFromFragments(ds, element, index, 1) : null),
    () => (isJpeg ? dicomParser.readEncapsulatedImageFrame(ds, element, index, dicomParser.createJPEGBasicOffsetTable(ds, element)) : null),
  ];
  let reason = `${layout.frames} frames in ${fragments.length} fragments without a usable offset table`;
  for (const strategy of strategies) {
    try {
      const frame = strategy();
      if (frame) return frame;
    } catch (e) {
      reason = String(e).replace(/^dicomParser\.\w+: /, '').slice(0, 120);
    }
  }
  throw corruptFile(file, `frame ${index + 1} of the compressed pixel data cannot be located (${reason})`);
}

/** One frame of native (uncompressed) pixel data as integer samples, interleaved. */
export function nativeFrame(ds: DataSet, layout: PixelLayout, index: number, file: string, bigEndian: boolean): IntSamples {
  const element = ds.elements.x7fe00010;
  const bytes = ds.byteArray;
  if (layout.bitsAllocated === 1) return unpackBits(bytes, element.dataOffset, layout, index, file);
  const frameBytes = layout.photometric === 'YBR_FULL_422' ? (layout.rows * layout.columns * 2 * layout.bitsAllocated) / 8 : nativeFrameBytes(layout);
  const start = element.dataOffset + index * frameBytes;
  const available = Math.min(bytes.length, element.dataOffset + element.length) - start;
  if (available < frameBytes) {
    throw corruptFile(file, `the pixel data is truncated: frame ${index + 1} needs ${frameBytes} bytes, ${Math.max(available, 0)} are present`);
  }
  const samples = typedFromBytes(bytes.subarray(start, start + frameBytes), layout.bitsAllocated, layout.pixelRepresentation === 1, bigEndian);
  return layout.samplesPerPixel === 3 && layout.planarConfiguration === 1 ? interleavePlanes(samples) : samples;
}

/** Copies raw sample bytes into an aligned typed array of the allocated width (byte-swapping big endian). */
export function typedFromBytes(src: Uint8Array, bitsAllocated: number, signed: boolean, bigEndian: boolean): IntSamples {
  if (bitsAllocated === 8) return signed ? new Int8Array(new Uint8Array(src).buffer) : new Uint8Array(src);
  const copy = new Uint8Array(src);
  const width = bitsAllocated / 8;
  if (bigEndian) {
    for (let i = 0; i < copy.length; i += width) copy.subarray(i, i + width).reverse();
  }
  if (bitsAllocated === 16) return signed ? new Int16Array(copy.buffer) : new Uint16Array(copy.buffer);
  return signed ? new Int32Array(copy.buffer) : new Uint32Array(copy.buffer);
}

/** RR..GG..BB.. -> RGBRGB.. */
export function interleavePlanes<T extends IntSamples>(planar: T): T {
  const out = planar.slice() as T;
  const n = planar.length / 3;
  for (let i = 0; i < n; i++) {
    out[i * 3] = planar[i];
    out[i * 3 + 1] = planar[n + i];
    out[i * 3 + 2] = planar[2 * n + i];
  }
  return out;
}

/** 1-bit frames are packed LSB first and follow each other without byte alignment. */
function unpackBits(bytes: Uint8Array, dataOffset: number, layout: PixelLayout, index: number, file: string): Uint8Array {
  const count = layout.rows * layout.columns * layout.samplesPerPixel;
  const firstBit = index * count;
  if (dataOffset + Math.ceil((firstBit + count) / 8) > bytes.length) {
    throw corruptFile(file, `the pixel data is truncated: frame ${index + 1} is incomplete`);
  }
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const bit = firstBit + i;
    out[i] = (bytes[dataOffset + (bit >> 3)] >> (bit & 7)) & 1;
  }
  return out;
}
