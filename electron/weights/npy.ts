import { readFile, writeFile } from 'node:fs/promises';
import { validation } from '../../shared/contract/errors.ts';

/**
 * NumPy .npy files (format versions 1, 2 and 3): the CLI's `forward` reads inputs and writes
 * outputs as .npy so that users can compare with PyTorch in two lines of Python. Arrays are small
 * (a batch of images), so a file is read whole. Values always come back as float32.
 */

export interface NpyArray {
  shape: number[];
  /** The dtype as stored (e.g. `<f4`); `data` is float32 whatever it was. */
  dtype: string;
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Element size of the dtypes we read (little-endian floats and ints; bytes have no order). */
const SUPPORTED: Record<string, number> = { '<f4': 4, '<f8': 8, '<i4': 4, '<i8': 8, '|u1': 1, '|i1': 1 };

/** Read a .npy file as float32; `validation` errors name the file. */
export async function readNpy(path: string): Promise<NpyArray> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw validation(`${path}: cannot read the .npy file (${(e as NodeJS.ErrnoException).code ?? String(e)}). Check the path.`);
  }
  return parseNpy(bytes, path);
}

/** Parse .npy bytes; `source` names the file in error messages. */
export function parseNpy(bytes: Uint8Array, source = 'the .npy file'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw validation(`${source}: not a NumPy .npy file (no \\x93NUMPY magic). Save arrays with numpy.save.`);
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw validation(`${source}: .npy format version ${major} is not supported (1, 2 or 3 are).`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenSize = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenSize + headerLen;
  if (dataStart > bytes.length) throw validation(`${source}: the .npy header runs past the end of the file (truncated).`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenSize, dataStart));
  const { dtype, fortran, shape } = parseHeader(header, source);
  if (fortran) throw validation(`${source}: Fortran-order arrays are not supported; save with numpy.save(path, numpy.ascontiguousarray(a)).`);
  const size = SUPPORTED[dtype];
  if (!size) throw validation(`${source}: dtype '${dtype}' is not supported; save as float32 (a.astype(numpy.float32)).`);
  const count = shape.reduce((a, d) => a * d, 1);
  if (bytes.length - dataStart !== count * size) {
    throw validation(`${source}: shape (${shape.join(', ')}) of '${dtype}' needs ${count * size} data bytes but the file has ${bytes.length - dataStart} (truncated or damaged).`);
  }
  // Copy into a fresh buffer: the data may sit at an offset no typed array can view (and
  // Buffer#slice would only make a view, so go through Uint8Array's copying slice).
  const raw = Uint8Array.prototype.slice.call(bytes, dataStart).buffer;
  return { shape, dtype, data: toFloat32(raw, dtype) };
}

function parseHeader(header: string, source: string): { dtype: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) throw validation(`${source}: the .npy header is malformed (${header.trim().slice(0, 80)}).`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (!dims.every((d) => /^\d+L?$/.test(d))) throw validation(`${source}: the .npy shape (${shape[1]}) is malformed.`);
  return { dtype: descr[1], fortran: fortran[1] === 'True', shape: dims.map((d) => parseInt(d, 10)) };
}

function toFloat32(raw: ArrayBuffer, dtype: string): Float32Array {
  switch (dtype) {
    case '<f4':
      return new Float32Array(raw);
    case '<f8':
      return Float32Array.from(new Float64Array(raw));
    case '<i4':
      return Float32Array.from(new Int32Array(raw));
    case '<i8':
      return Float32Array.from(new BigInt64Array(raw), (v) => Number(v));
    case '|u1':
      return Float32Array.from(new Uint8Array(raw));
    default:
      return Float32Array.from(new Int8Array(raw));
  }
}

/** Encode a float32 array as a version-1 .npy ('<f4', C order), header padded to 64 bytes like numpy. */
export function encodeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  const count = shape.reduce((a, d) => a * d, 1);
  if (count !== data.length) throw validation(`Cannot write .npy: shape (${shape.join(', ')}) holds ${count} values but ${data.length} were given.`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Write a float32 .npy file. */
export async function writeNpy(path: string, shape: readonly number[], data: Float32Array): Promise<void> {
  await writeFile(path, encodeNpy(shape, data));
}
