import { type FileHandle, open } from 'node:fs/promises';
import { endianness } from 'node:os';
import { unsupported, validation } from '../../shared/contract/errors.ts';
import { bf16ToF32, f16ToF32, f32ToF16 } from './float16.ts';

/**
 * safetensors (https://github.com/huggingface/safetensors): u64 LE header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {k: string}}`, then the raw
 * little-endian data. Files can be 350 MB, so we read the header once and each tensor on demand
 * with a positioned read; the file is never loaded as a whole.
 */

/** Bytes per element of every dtype we can list; only the float ones convert to float32. */
export const DTYPE_SIZES = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, U8: 1, BOOL: 1 } as const;
export type SafetensorsDtype = keyof typeof DTYPE_SIZES;
export const FLOAT_DTYPES: ReadonlySet<string> = new Set(['F32', 'F16', 'BF16', 'F64']);

/** Headers beyond this are not weights files (the format's own reader uses the same bound). */
const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range inside the data area (after the header). */
  begin: number;
  end: number;
}

if (endianness() !== 'LE') {
  // Typed arrays use the host's byte order; every machine LabelTune ships for is little-endian.
  throw unsupported('LabelTune reads weights files only on little-endian machines.');
}

export class SafetensorsFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    /** Absolute file offset where the data area starts. */
    private readonly dataStart: number,
    readonly metadata: Readonly<Record<string, string>>,
    readonly tensors: ReadonlyMap<string, TensorInfo>,
  ) {}

  /** Open and validate a file; throws `validation` naming the file (and the tensor) when malformed. */
  static async open(path: string): Promise<SafetensorsFile> {
    const handle = await openForReading(path);
    try {
      const size = (await handle.stat()).size;
      const headerLength = await readHeaderLength(handle, path, size);
      const raw = await readExactly(handle, 8, headerLength, path);
      const header = parseHeaderJson(raw, path);
      const { metadata, tensors } = validateHeader(header, path, size - 8 - headerLength);
      return new SafetensorsFile(path, handle, 8 + headerLength, metadata, tensors);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /** Information about one tensor; `validation` error when the file has no such tensor. */
  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw validation(`${this.path}: there is no tensor "${name}" in this weights file.`);
    return info;
  }

  /** Read one tensor as float32 (F32, F16, BF16 and F64 convert; integer tensors do not). */
  async read(name: string): Promise<Float32Array> {
    const info = this.info(name);
    if (!FLOAT_DTYPES.has(info.dtype)) {
      throw validation(`${this.path}: tensor "${name}" has dtype ${info.dtype}; only F32, F16, BF16 and F64 tensors can be loaded as weights.`);
    }
    const bytes = await readExactly(this.handle, this.dataStart + info.begin, info.end - info.begin, this.path);
    return toFloat32(bytes, info.dtype);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

async function openForReading(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw validation(`${path}: the weights file does not exist. Check the path.`);
    throw validation(`${path}: the weights file cannot be opened (${code ?? String(e)}).`);
  }
}

async function readExactly(handle: FileHandle, position: number, length: number, path: string): Promise<Uint8Array> {
  // A fresh Uint8Array owns an aligned ArrayBuffer, so typed views over it need no copy.
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw validation(`${path}: the file ends early (truncated download?). Download or copy it again.`);
    done += bytesRead;
  }
  return buf;
}

async function readHeaderLength(handle: FileHandle, path: string, size: number): Promise<number> {
  if (size < 8) throw validation(`${path}: not a safetensors file (only ${size} bytes; the file is truncated or empty).`);
  const bytes = await readExactly(handle, 0, 8, path);
  const n = new DataView(bytes.buffer).getBigUint64(0, true);
  if (n < 2n || n >= BigInt(MAX_HEADER_BYTES) || n > BigInt(size - 8)) {
    throw validation(`${path}: not a safetensors file (header length ${n} is impossible for a ${size}-byte file; the file is damaged or of another format).`);
  }
  return Number(n);
}

function parseHeaderJson(raw: Uint8Array, path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (e) {
    throw validation(`${path}: the safetensors header is not valid JSON (${(e as Error).message}). The file is damaged.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw validation(`${path}: the safetensors header must be a JSON object. The file is damaged.`);
  }
  return parsed as Record<string, unknown>;
}

function validateHeader(header: Record<string, unknown>, path: string, dataLength: number) {
  const metadata = validateMetadata(header.__metadata__, path);
  const tensors = new Map<string, TensorInfo>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    tensors.set(name, validateTensor(name, entry, path, dataLength));
  }
  checkOverlaps([...tensors.values()], path);
  return { metadata, tensors };
}

function validateMetadata(raw: unknown, path: string): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw validation(`${path}: "__metadata__" must be an object of strings. The file is damaged.`);
  }
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw validation(`${path}: metadata "${k}" must be a string, got ${JSON.stringify(v)}.`);
  }
  return raw as Record<string, string>;
}

function validateTensor(name: string, entry: unknown, path: string, dataLength: number): TensorInfo {
  const where = `${path}: tensor "${name}"`;
  const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
  if (typeof e !== 'object' || e === null) throw validation(`${where} has no dtype/shape/data_offsets entry.`);
  if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_SIZES)) {
    throw validation(`${where} has unsupported dtype ${JSON.stringify(e.dtype)} (expected one of ${Object.keys(DTYPE_SIZES).join(', ')}).`);
  }
  const dtype = e.dtype as SafetensorsDtype;
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw validation(`${where} has an invalid shape ${JSON.stringify(e.shape)} (expected a list of non-negative integers).`);
  }
  const offsets = e.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw validation(`${where} has invalid data_offsets ${JSON.stringify(offsets)} (expected [begin, end]).`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLength) {
    throw validation(`${where} has data_offsets [${begin}, ${end}] outside the data area of ${dataLength} bytes (the file is truncated or damaged).`);
  }
  const shape = e.shape as number[];
  const expected = shape.reduce((a, d) => a * d, 1) * DTYPE_SIZES[dtype];
  if (end - begin !== expected) {
    throw validation(`${where}: shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes but data_offsets span ${end - begin}.`);
  }
  return { name, dtype, shape, begin, end };
}

function checkOverlaps(tensors: TensorInfo[], path: string): void {
  const sorted = tensors.filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) {
      throw validation(`${path}: tensors "${sorted[i - 1].name}" and "${sorted[i].name}" overlap in the data area. The file is damaged.`);
    }
  }
}

function toFloat32(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const buf = bytes.buffer as ArrayBuffer;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buf);
    case 'F16':
      return f16ToF32(new Uint16Array(buf));
    case 'BF16':
      return bf16ToF32(new Uint16Array(buf));
    case 'F64':
      return Float32Array.from(new Float64Array(buf));
    default:
      throw new Error(`unreachable dtype ${dtype}`);
  }
}

/** One tensor to write: float32 values stored as F32 or rounded to F16. */
export interface TensorToWrite {
  name: string;
  dtype: 'F32' | 'F16';
  shape: number[];
  data: Float32Array;
}

/**
 * Write a safetensors file tensor by tensor (never one big buffer). The header is padded with
 * spaces to a multiple of 8 bytes, as the reference writer does, so data stays aligned.
 */
export async function writeSafetensors(path: string, tensors: TensorToWrite[], metadata?: Record<string, string>): Promise<void> {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of tensors) {
    if (!t.name || t.name === '__metadata__' || Object.hasOwn(header, t.name)) {
      throw validation(`Cannot write ${path}: tensor name "${t.name}" is empty, reserved or used twice.`);
    }
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (count !== t.data.length) {
      throw validation(`Tensor "${t.name}": shape [${t.shape.join(', ')}] holds ${count} values but ${t.data.length} were given.`);
    }
    const bytes = count * DTYPE_SIZES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));
  const handle = await open(path, 'w');
  try {
    await handle.write(prefix);
    await handle.write(headerBytes);
    for (const t of tensors) {
      const data = t.dtype === 'F16' ? f32ToF16(t.data) : t.data;
      await handle.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  } finally {
    await handle.close();
  }
}
