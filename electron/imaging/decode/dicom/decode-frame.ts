import type { DataSet } from 'dicom-parser';
import { isEngineError } from '../../../../shared/contract/errors.ts';
import { corruptFile, unsupportedFile } from '../errors.ts';
import { decodeJpeg2000, decodeJpeg8, decodeJpegLossless, decodeJpegLs, jpegPrecision, type CodecOutput } from './codecs.ts';
import { encapsulatedFrame, interleavePlanes, nativeFrame, typedFromBytes, type IntSamples } from './frames.ts';
import type { PixelLayout } from './layout.ts';
import { upsampleYbr422 } from './pixels.ts';
import { decodeGreyJpeg, JpegUnsupported } from './jpeg12.ts';
import { decodeRleFrame } from './rle.ts';
import { EXPLICIT_BE, transferSyntaxName, type PixelCodec } from './transfer-syntax.ts';

export interface FrameSamples {
  samples: IntSamples;
  /** True when the codec already produced RGB (JPEG and JPEG 2000 undo their own colour transform). */
  rgb: boolean;
  /** The layout to interpret the samples with (a codec may correct the signedness). */
  layout: PixelLayout;
}

export interface FrameSource {
  ds: DataSet;
  layout: PixelLayout;
  transferSyntax: string;
  codec: PixelCodec;
  file: string;
}

/** Decodes frame `index` to integer samples, whatever the transfer syntax. */
export async function decodeFrameSamples(src: FrameSource, index: number): Promise<FrameSamples> {
  const { ds, layout, file, codec } = src;
  if (codec === 'native') {
    const samples = nativeFrame(ds, layout, index, file, src.transferSyntax === EXPLICIT_BE);
    const ybr422 = layout.photometric === 'YBR_FULL_422';
    return { samples: ybr422 ? upsampleYbr422(samples, layout.rows * layout.columns) : samples, rgb: false, layout };
  }
  const encoded = encapsulatedFrame(ds, layout, index, file, codec === 'jpeg-baseline' || codec === 'jpeg-lossless');
  try {
    return await decodeCompressed(src, encoded);
  } catch (e) {
    if (isEngineError(e)) throw e;
    const name = transferSyntaxName(src.transferSyntax);
    throw corruptFile(file, `frame ${index + 1} of the ${name} pixel data cannot be decoded (${describe(e)})`);
  }
}

async function decodeCompressed(src: FrameSource, encoded: Uint8Array): Promise<FrameSamples> {
  const { layout, file } = src;
  switch (src.codec) {
    case 'rle':
      return { samples: decodeRleFrame(encoded, layout, file), rgb: false, layout };
    case 'jpeg-lossless': {
      const out = decodeJpegLossless(encoded, layout.bitsAllocated <= 8 ? 1 : 2);
      const samples = layout.pixelRepresentation === 1 && out instanceof Uint16Array ? new Int16Array(out.buffer, out.byteOffset, out.length) : out;
      return { samples: checkCount(samples, layout, file), rgb: false, layout };
    }
    case 'jpeg-baseline': {
      const precision = jpegPrecision(encoded);
      if (precision !== null && precision > 8) return decodeJpeg12(encoded, layout, file);
      return fromCodec(await decodeJpeg8(encoded), layout, file, true);
    }
    case 'jpeg-ls':
      return fromCodec(await decodeJpegLs(encoded), layout, file, false);
    case 'jpeg-2000': {
      // OpenJPEG undoes the ICT/RCT component transform itself; plain YBR_FULL is still YBR.
      const ybr = layout.photometric === 'YBR_FULL' || layout.photometric === 'YBR_FULL_422';
      return fromCodec(await decodeJpeg2000(encoded), layout, file, !ybr);
    }
    default:
      throw unsupportedFile(file, `pixel codec ${src.codec} is not available`);
  }
}

/** 12-bit JPEG Extended, grey only, through our own small decoder (libjpeg-turbo here is 8-bit). */
function decodeJpeg12(encoded: Uint8Array, layout: PixelLayout, file: string): FrameSamples {
  let decoded: ReturnType<typeof decodeGreyJpeg>;
  try {
    decoded = decodeGreyJpeg(encoded);
  } catch (e) {
    if (!(e instanceof JpegUnsupported)) throw e;
    throw unsupportedFile(file, `holds 12-bit JPEG Extended (1.2.840.10008.1.2.4.51) pixel data that LabelTune cannot decode: ${e.message}. Convert it (e.g. dcmdjpeg in.dcm out.dcm) and import the copy.`);
  }
  if (decoded.width !== layout.columns || decoded.height !== layout.rows || layout.samplesPerPixel !== 1) {
    throw corruptFile(file, `the JPEG frame is ${decoded.width}x${decoded.height} but the header says ${layout.columns}x${layout.rows}`);
  }
  const { samples } = decoded;
  return { samples: layout.pixelRepresentation === 1 ? new Int16Array(samples.buffer) : samples, rgb: false, layout };
}

function fromCodec(out: CodecOutput, layout: PixelLayout, file: string, rgb: boolean): FrameSamples {
  const { info } = out;
  if (info.width !== layout.columns || info.height !== layout.rows || info.componentCount !== layout.samplesPerPixel) {
    throw corruptFile(
      file,
      `the compressed frame is ${info.width}x${info.height}x${info.componentCount} but the header says ${layout.columns}x${layout.rows}x${layout.samplesPerPixel}`,
    );
  }
  // The code stream knows its own signedness better than a mislabelled Pixel Representation.
  const signed = info.isSigned ?? layout.pixelRepresentation === 1;
  const corrected: PixelLayout = { ...layout, pixelRepresentation: signed ? 1 : 0 };
  let samples = typedFromBytes(out.bytes, info.bitsPerSample <= 8 ? 8 : 16, signed, false);
  if (out.planar) samples = interleavePlanes(samples);
  return { samples: checkCount(samples, layout, file), rgb, layout: corrected };
}

function checkCount(samples: IntSamples, layout: PixelLayout, file: string): IntSamples {
  const expected = layout.rows * layout.columns * layout.samplesPerPixel;
  if (samples.length < expected) throw corruptFile(file, `the decoded frame has ${samples.length} samples where ${expected} are expected`);
  return samples.length === expected ? samples : samples.subarray(0, expected);
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message.slice(0, 160);
  return typeof e === 'number' ? `codec error ${e}` : String(e).slice(0, 160);
}
