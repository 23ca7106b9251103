import { corruptFile } from '../errors.ts';
import type { IntSamples } from './frames.ts';
import type { PixelLayout } from './layout.ts';

/**
 * DICOM RLE Lossless (PS3.5 annex G): a 64-byte header with up to 15 segment offsets, one
 * PackBits-compressed segment per byte plane, most significant byte first, sample by sample
 * (so colour frames come out planar and are interleaved here).
 */
export function decodeRleFrame(encoded: Uint8Array, layout: PixelLayout, file: string): IntSamples {
  const bytesPerSample = Math.ceil(layout.bitsAllocated / 8);
  const expected = bytesPerSample * layout.samplesPerPixel;
  if (encoded.length < 64) throw corruptFile(file, 'the RLE frame header is truncated');
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const segments = view.getUint32(0, true);
  if (segments !== expected) {
    throw corruptFile(file, `the RLE frame has ${segments} segments where ${expected} are expected`);
  }
  const pixels = layout.rows * layout.columns;
  const offsets = Array.from({ length: segments }, (_, i) => view.getUint32(4 + i * 4, true));
  const width = layout.bitsAllocated === 8 ? 1 : layout.bitsAllocated === 16 ? 2 : 4;
  const out = new Uint8Array(pixels * layout.samplesPerPixel * width);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const end = s + 1 < segments ? offsets[s + 1] : encoded.length;
    unpackBitsSegment(encoded, offsets[s], end, plane, file);
    const sample = Math.floor(s / bytesPerSample);
    // Segment 0 of a sample is its most significant byte; output is little-endian words.
    const byteInWord = bytesPerSample - 1 - (s % bytesPerSample);
    for (let p = 0; p < pixels; p++) out[(p * layout.samplesPerPixel + sample) * width + byteInWord] = plane[p];
  }
  return toTyped(out, width, layout.pixelRepresentation === 1);
}

function unpackBitsSegment(src: Uint8Array, start: number, end: number, plane: Uint8Array, file: string): void {
  if (start < 64 || start > end || end > src.length) throw corruptFile(file, 'an RLE segment offset points outside the frame');
  let i = start;
  let o = 0;
  while (i < end && o < plane.length) {
    const n = (src[i++] << 24) >> 24;
    if (n >= 0) {
      const count = Math.min(n + 1, plane.length - o, end - i);
      plane.set(src.subarray(i, i + count), o);
      i += n + 1;
      o += count;
    } else if (n !== -128) {
      const count = Math.min(1 - n, plane.length - o);
      plane.fill(src[i++], o, o + count);
      o += count;
    }
  }
  if (o < plane.length) throw corruptFile(file, `an RLE segment decodes to ${o} of ${plane.length} bytes`);
}

function toTyped(bytes: Uint8Array, width: number, signed: boolean): IntSamples {
  if (width === 1) return signed ? new Int8Array(bytes.buffer) : bytes;
  if (width === 2) return signed ? new Int16Array(bytes.buffer) : new Uint16Array(bytes.buffer);
  return signed ? new Int32Array(bytes.buffer) : new Uint32Array(bytes.buffer);
}
