import { inflateRawSync } from 'node:zlib';
import { constants as bufferConstants } from 'node:buffer';
import dicomParser, { type DataSet } from 'dicom-parser';
import { isEngineError } from '../../../../shared/contract/errors.ts';
import { corruptFile } from '../errors.ts';
import { DEFLATED_LE, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE } from './transfer-syntax.ts';

export interface ParsedDicom {
  dataSet: DataSet;
  transferSyntax: string;
}

/**
 * Parses a DICOM file with dicom-parser: Part 10 files (preamble + 'DICM'), files whose meta group
 * starts without preamble, and bare data sets without any meta group (byte order and VR style
 * guessed from the first element). Deflated data sets are inflated with a size cap.
 */
export function parseDicomBuffer(buffer: Buffer, file: string, maxInflatedBytes: number): ParsedDicom {
  const { bytes, transferSyntax } = normalise(buffer);
  const inflater = (arr: Uint8Array, position: number): Uint8Array => inflateDataSet(arr, position, file, maxInflatedBytes);
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes, { TransferSyntaxUID: transferSyntax, inflater } as never);
  } catch (e) {
    const inner = typeof e === 'object' && e !== null && 'exception' in e ? (e as { exception: unknown }).exception : e;
    if (isEngineError(inner)) throw inner;
    throw corruptFile(file, `the DICOM data set cannot be parsed (${parserReason(e)})`);
  }
  const ts = dataSet.string('x00020010') ?? transferSyntax;
  if (!ts) throw corruptFile(file, 'the DICOM file meta information has no Transfer Syntax UID (0002,0010)');
  return { dataSet, transferSyntax: ts.replace(/\0/g, '').trim() };
}

/** Gives dicom-parser a Part 10 layout when it can, or the syntax to assume when there is no meta group. */
function normalise(buffer: Buffer): { bytes: Uint8Array; transferSyntax?: string } {
  if (buffer.length > 132 && buffer.toString('latin1', 128, 132) === 'DICM') return { bytes: buffer };
  const groupLe = buffer.readUInt16LE(0);
  if (groupLe === 0x0002) {
    // Meta group present but no preamble: add one so the meta group is read as usual.
    const withPreamble = Buffer.alloc(buffer.length + 132);
    withPreamble.write('DICM', 128, 'latin1');
    buffer.copy(withPreamble, 132);
    return { bytes: withPreamble };
  }
  if (buffer.readUInt16BE(0) === 0x0008 && groupLe !== 0x0008) return { bytes: buffer, transferSyntax: EXPLICIT_BE };
  const vr = buffer.toString('latin1', 4, 6);
  return { bytes: buffer, transferSyntax: /^[A-Z]{2}$/.test(vr) ? EXPLICIT_LE : IMPLICIT_LE };
}

function inflateDataSet(arr: Uint8Array, position: number, file: string, maxBytes: number): Uint8Array {
  let inflated: Buffer;
  try {
    const limit = Math.min(maxBytes, bufferConstants.MAX_LENGTH);
    inflated = inflateRawSync(arr.subarray(position), { maxOutputLength: limit });
  } catch (e) {
    const tooBig = e instanceof RangeError || (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw tooBig
      ? corruptFile(file, `the deflated DICOM data set inflates to more than ${maxBytes} bytes`)
      : corruptFile(file, `the deflated DICOM data set (${DEFLATED_LE}) cannot be inflated (${parserReason(e)})`);
  }
  const full = new Uint8Array(position + inflated.length);
  full.set(arr.subarray(0, position), 0);
  full.set(inflated, position);
  return Buffer.from(full.buffer, full.byteOffset, full.byteLength);
}

/** dicom-parser throws plain strings, sometimes with the partially parsed data set attached. */
function parserReason(e: unknown): string {
  const text = typeof e === 'string' ? e : e instanceof Error ? e.message : typeof e === 'object' && e && 'exception' in e ? String((e as { exception: unknown }).exception) : String(e);
  return text.replace(/^dicomParser\.\w+: /, '').slice(0, 160);
}
