/** DICOM transfer syntaxes: which decoder handles each, and the names used in error messages. */

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';

export type PixelCodec = 'native' | 'rle' | 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg-2000';

interface SyntaxEntry {
  name: string;
  codec: PixelCodec | null;
}

const SYNTAXES: Record<string, SyntaxEntry> = {
  [IMPLICIT_LE]: { name: 'Implicit VR Little Endian', codec: 'native' },
  [EXPLICIT_LE]: { name: 'Explicit VR Little Endian', codec: 'native' },
  [DEFLATED_LE]: { name: 'Deflated Explicit VR Little Endian', codec: 'native' },
  [EXPLICIT_BE]: { name: 'Explicit VR Big Endian', codec: 'native' },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', codec: 'rle' },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (Process 1)', codec: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (Process 2 & 4)', codec: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless, Non-Hierarchical (Process 14)', codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless, First-Order Prediction (Process 14, SV1)', codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', codec: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Near-Lossless', codec: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 (Lossless Only)', codec: 'jpeg-2000' },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', codec: 'jpeg-2000' },
  // OpenJPEG 2.5 decodes High-Throughput JPEG 2000 code-blocks as well.
  '1.2.840.10008.1.2.4.201': { name: 'High-Throughput JPEG 2000 (Lossless Only)', codec: 'jpeg-2000' },
  '1.2.840.10008.1.2.4.202': { name: 'High-Throughput JPEG 2000 with RPCL (Lossless Only)', codec: 'jpeg-2000' },
  '1.2.840.10008.1.2.4.203': { name: 'High-Throughput JPEG 2000', codec: 'jpeg-2000' },
  '1.2.840.10008.1.2.4.53': { name: 'JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8, retired)', codec: null },
  '1.2.840.10008.1.2.4.55': { name: 'JPEG Full Progression, Non-Hierarchical (Process 10 & 12, retired)', codec: null },
  '1.2.840.10008.1.2.4.92': { name: 'JPEG 2000 Part 2 Multi-component (Lossless Only)', codec: null },
  '1.2.840.10008.1.2.4.93': { name: 'JPEG 2000 Part 2 Multi-component', codec: null },
  '1.2.840.10008.1.2.4.94': { name: 'JPIP Referenced', codec: null },
  '1.2.840.10008.1.2.4.95': { name: 'JPIP Referenced Deflate', codec: null },
  '1.2.840.10008.1.2.4.100': { name: 'MPEG2 Main Profile / Main Level', codec: null },
  '1.2.840.10008.1.2.4.101': { name: 'MPEG2 Main Profile / High Level', codec: null },
  '1.2.840.10008.1.2.4.102': { name: 'MPEG-4 AVC/H.264 High Profile', codec: null },
  '1.2.840.10008.1.2.4.103': { name: 'MPEG-4 AVC/H.264 BD-compatible High Profile', codec: null },
  '1.2.840.10008.1.2.4.104': { name: 'MPEG-4 AVC/H.264 High Profile for 2D Video', codec: null },
  '1.2.840.10008.1.2.4.105': { name: 'MPEG-4 AVC/H.264 High Profile for 3D Video', codec: null },
  '1.2.840.10008.1.2.4.106': { name: 'MPEG-4 AVC/H.264 Stereo High Profile', codec: null },
  '1.2.840.10008.1.2.4.107': { name: 'HEVC/H.265 Main Profile', codec: null },
  '1.2.840.10008.1.2.4.108': { name: 'HEVC/H.265 Main 10 Profile', codec: null },
  '1.2.840.10008.1.2.4.110': { name: 'JPEG XL Lossless', codec: null },
  '1.2.840.10008.1.2.4.111': { name: 'JPEG XL JPEG Recompression', codec: null },
  '1.2.840.10008.1.2.4.112': { name: 'JPEG XL', codec: null },
  '1.2.840.10008.1.2.6.1': { name: 'RFC 2557 MIME encapsulation', codec: null },
};

/** The human name of a transfer syntax UID ("unknown transfer syntax" for private or retired ones). */
export function transferSyntaxName(uid: string): string {
  return SYNTAXES[uid]?.name ?? 'unknown transfer syntax';
}

/** The decoder for a transfer syntax, or null when LabelTune cannot decode it. */
export function codecFor(uid: string): PixelCodec | null {
  return SYNTAXES[uid]?.codec ?? null;
}
