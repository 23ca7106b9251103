import type { DecodedImage, ImageFileInfo } from '../../../../shared/domain/pixels.ts';
import { validation } from '../../../../shared/contract/errors.ts';
import { checkPixelLimit, maxTotalPixelsFor, unsupportedFile } from '../errors.ts';
import type { DecodeOptions, DecodeResult } from '../types.ts';
import { decodeFrameSamples, type FrameSource } from './decode-frame.ts';
import { readPixelLayout } from './layout.ts';
import { readDicomMetadata, readModality } from './metadata.ts';
import { paletteImage, readPalette } from './palette.ts';
import { parseDicomBuffer } from './parse.ts';
import { toDecodedImage } from './pixels.ts';
import { codecFor, transferSyntaxName } from './transfer-syntax.ts';

/**
 * Decodes a DICOM file. Multi-frame files yield every frame (one DecodedImage each) unless
 * opts.frame picks one; the pixel limit applies per frame and to all decoded frames together,
 * and is checked from the header before any frame is decompressed.
 */
export async function decodeDicom(buffer: Buffer, file: string, opts: DecodeOptions): Promise<DecodeResult> {
  // A deflated data set may not inflate to more than the largest image we would accept (32-bit samples).
  const { dataSet, transferSyntax } = parseDicomBuffer(buffer, file, maxTotalPixelsFor(opts.maxPixels) * 4 + 64 * 1024 * 1024);
  const layout = readPixelLayout(dataSet, file);
  const codec = codecFor(transferSyntax);
  if (!codec) {
    throw unsupportedFile(
      file,
      `uses the DICOM transfer syntax "${transferSyntaxName(transferSyntax)}" (${transferSyntax}), which LabelTune cannot decode. ` +
        'Convert it to an uncompressed syntax (e.g. gdcmconv --raw in.dcm out.dcm) and import the copy.',
    );
  }
  const indices = frameIndices(layout.frames, opts.frame, file);
  checkPixelLimit(file, layout.columns, layout.rows, indices.length, opts.maxPixels);
  const modality = readModality(dataSet);
  const palette = layout.photometric === 'PALETTE COLOR' ? readPalette(dataSet, file) : null;
  const source: FrameSource = { ds: dataSet, layout, transferSyntax, codec, file };
  const frames: DecodedImage[] = [];
  for (const index of indices) {
    const decoded = await decodeFrameSamples(source, index);
    frames.push(palette ? paletteImage(decoded.samples, layout, palette) : toDecodedImage(decoded.samples, decoded.layout, modality, decoded.rgb));
  }
  const metadata = readDicomMetadata(dataSet, transferSyntax);
  const info: ImageFileInfo = {
    format: 'dicom',
    frames: layout.frames,
    modality: typeof metadata.Modality === 'string' ? metadata.Modality : null,
    groupId: typeof metadata.PatientID === 'string' ? metadata.PatientID : null,
    metadata,
  };
  return { info, frames };
}

function frameIndices(count: number, frame: number | undefined, file: string): number[] {
  if (frame === undefined) return Array.from({ length: count }, (_, i) => i);
  if (!Number.isInteger(frame) || frame < 0 || frame >= count) {
    throw validation(`${file}: has ${count} frame(s); frame ${frame} does not exist.`, { file });
  }
  return [frame];
}
