import { createRequire } from 'node:module';

/**
 * The compressed-syntax codecs from npm: CharLS (JPEG-LS), OpenJPEG (JPEG 2000) and libjpeg-turbo
 * (8-bit JPEG) as Emscripten/WebAssembly builds from Cornerstone, and a pure-JS JPEG lossless
 * decoder. The WASM modules are loaded once, on first use, so that PNG-only imports never pay
 * for them. These packages ship no types: the small surface we use is declared here.
 */

export interface CodecFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): CodecFrameInfo;
  /** CharLS only: 0 means the components come out one plane after another. */
  getInterleaveMode?(): number;
  delete(): void;
}

type WasmModule = Record<string, new () => WasmDecoder>;
type WasmFactory = (options?: object) => Promise<WasmModule>;

const require = createRequire(import.meta.url);

interface LosslessDecoderClass {
  new (): { decode(buffer: ArrayBuffer, offset: number, length: number, bytesPerSample: number): unknown };
}
const { Decoder: LosslessDecoder } = require('jpeg-lossless-decoder-js') as { Decoder: LosslessDecoderClass };
const modules = new Map<string, Promise<WasmModule>>();

function loadModule(specifier: string): Promise<WasmModule> {
  let module = modules.get(specifier);
  if (!module) {
    const factory = require(specifier) as WasmFactory;
    module = factory({ print: () => {}, printErr: () => {} });
    modules.set(specifier, module);
  }
  return module;
}

export interface CodecOutput {
  info: CodecFrameInfo;
  /** The decoded bytes: one byte per sample up to 8 bits, else little-endian 16-bit words. */
  bytes: Uint8Array;
  /** True when colour samples are planar (RR..GG..BB..) rather than interleaved. */
  planar: boolean;
}

async function decodeWithWasm(specifier: string, className: string, encoded: Uint8Array): Promise<CodecOutput> {
  const module = await loadModule(specifier);
  const decoder = new module[className]();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    // Copy out: the view points into WASM memory, which the next decode may reuse or grow.
    const bytes = new Uint8Array(decoder.getDecodedBuffer());
    const planar = info.componentCount > 1 && decoder.getInterleaveMode?.() === 0;
    decoder.delete();
    return { info: { ...info }, bytes, planar };
  } catch (e) {
    // An Emscripten module that aborted on bad input stays unusable: load a fresh one next time.
    modules.delete(specifier);
    throw e;
  }
}

export function decodeJpegLs(encoded: Uint8Array): Promise<CodecOutput> {
  return decodeWithWasm('@cornerstonejs/codec-charls/decodewasmjs', 'JpegLSDecoder', encoded);
}

export function decodeJpeg2000(encoded: Uint8Array): Promise<CodecOutput> {
  return decodeWithWasm('@cornerstonejs/codec-openjpeg/decodewasmjs', 'J2KDecoder', encoded);
}

export function decodeJpeg8(encoded: Uint8Array): Promise<CodecOutput> {
  return decodeWithWasm('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', 'JPEGDecoder', encoded);
}

/** JPEG lossless (process 14); returns samples of `bytesPerSample` width, interleaved. */
export function decodeJpegLossless(encoded: Uint8Array, bytesPerSample: 1 | 2): Uint8Array | Uint16Array {
  const decoder = new LosslessDecoder();
  const copy = new Uint8Array(encoded); // a real copy: Buffer#slice would share the file's memory
  const out = decoder.decode(copy.buffer, 0, copy.length, bytesPerSample);
  if (out instanceof Uint8Array || out instanceof Uint16Array) return out;
  if (out instanceof Int16Array) return new Uint16Array(out.buffer, out.byteOffset, out.length);
  throw new Error('the JPEG lossless decoder returned no pixels');
}

/** Reads the sample precision from a JPEG SOF marker (8 or 12 for DCT JPEG); null if none found. */
export function jpegPrecision(encoded: Uint8Array): number | null {
  let i = 2;
  while (i + 4 < encoded.length) {
    if (encoded[i] !== 0xff) return null;
    const marker = encoded[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return encoded[i + 4];
    i += 2 + ((encoded[i + 2] << 8) | encoded[i + 3]);
  }
  return null;
}
