import type { DecodeOptions, DecodeResult } from '../types.ts';
import { unsupportedFile } from '../errors.ts';

export async function decodeDicom(_buffer: Buffer, file: string, _opts: DecodeOptions): Promise<DecodeResult> {
  throw unsupportedFile(file, 'DICOM decoding is not available yet.');
}
