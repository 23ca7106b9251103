import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../shared/contract/errors.ts';
import { bf16ToF32, f16ToF32, f32ToF16 } from './float16.ts';
import { SafetensorsFile, writeSafetensors } from './safetensors.ts';
import { fixturePath } from './testing/fixtures.ts';

const tmp = mkdtempSync(join(tmpdir(), 'labeltune-st-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Build a raw file from a header object and a data area, to craft malformed inputs. */
function rawFile(name: string, header: unknown, data = new Uint8Array(0), lengthOverride?: bigint): string {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(lengthOverride ?? BigInt(json.length));
  const path = join(tmp, name);
  writeFileSync(path, Buffer.concat([prefix, json, data]));
  return path;
}

async function openError(path: string): Promise<EngineError> {
  const e = await SafetensorsFile.open(path).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EngineError);
  expect((e as EngineError).code).toBe('validation');
  expect((e as EngineError).message).toContain(path);
  return e as EngineError;
}

describe('float16 conversion', () => {
  it('decodes every special half pattern exactly', () => {
    const bits = new Uint16Array([0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0xc000]);
    const f = f16ToF32(bits);
    expect(Array.from(f.slice(0, 9))).toEqual([0, -0, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 1, 65504, Infinity, -Infinity]);
    expect(Object.is(f[1], -0)).toBe(true);
    expect(Number.isNaN(f[9])).toBe(true);
    expect(f[10]).toBe(-2);
  });

  it('decodes bfloat16 including float32 subnormals, inf and nan', () => {
    const f = bf16ToF32(new Uint16Array([0x3f80, 0xc040, 0x0001, 0x7f80, 0x7fc0]));
    expect(f[0]).toBe(1);
    expect(f[1]).toBe(-3);
    expect(f[2]).toBe(Math.fround(2 ** -133)); // 0x00010000 as float32
    expect(f[3]).toBe(Infinity);
    expect(Number.isNaN(f[4])).toBe(true);
  });

  it('rounds float32 to half exactly as numpy does (ties to even, overflow to inf, subnormals)', () => {
    const v = [0, -0, 1, 65504, 65519, 65520, 1e-8, 2 ** -25, 2.9805303114471826e-8, 2 ** -24, 3e-5, 6.1e-5, 0.1, -0.3333, 1e5, -1e5, 2.5e-7, 1.00048828125, 1.00146484375];
    // python3 -c "import numpy as np; print(list(np.array(v,np.float32).astype(np.float16).view(np.uint16)))"
    const numpy = [0, 32768, 15360, 31743, 31743, 31744, 0, 0, 1, 1, 503, 1023, 11878, 46421, 31744, 64512, 4, 15360, 15362];
    expect(Array.from(f32ToF16(new Float32Array(v)))).toEqual(numpy);
  });
});

describe('SafetensorsFile', () => {
  it('round-trips F32 and F16 tensors with metadata', async () => {
    const path = join(tmp, 'roundtrip.safetensors');
    const a = new Float32Array([1.5, -2.25, 3.1415927, 0, 1e-3, 7]);
    const b = new Float32Array([0.1, -65504, 2 ** -24]);
    await writeSafetensors(path, [
      { name: 'a.weight', dtype: 'F32', shape: [2, 3], data: a },
      { name: 'b', dtype: 'F16', shape: [3], data: b },
      { name: 'empty', dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    ], { format: 'pt', arch: 'test' });
    const header = readFileSync(path).readBigUInt64LE(0);
    expect(Number(header) % 8).toBe(0);
    const f = await SafetensorsFile.open(path);
    try {
      expect(f.metadata).toEqual({ format: 'pt', arch: 'test' });
      expect([...f.tensors.keys()]).toEqual(['a.weight', 'b', 'empty']);
      expect(f.info('a.weight')).toMatchObject({ dtype: 'F32', shape: [2, 3], begin: 0, end: 24 });
      expect(Array.from(await f.read('a.weight'))).toEqual(Array.from(a));
      // F16: 0.1 rounds to 0.0999755859375; the others are exact halves.
      expect(Array.from(await f.read('b'))).toEqual([0.0999755859375, -65504, 2 ** -24]);
      expect((await f.read('empty')).length).toBe(0);
      await expect(f.read('nope')).rejects.toThrow(/no tensor "nope"/);
    } finally {
      await f.close();
    }
  });

  it('refuses to write duplicate names or a data length that does not match the shape', async () => {
    const path = join(tmp, 'dup.safetensors');
    const t = { name: 'w', dtype: 'F32' as const, shape: [2], data: new Float32Array(2) };
    await expect(writeSafetensors(path, [t, t])).rejects.toThrow(/tensor name "w" is empty, reserved or used twice/);
    await expect(writeSafetensors(path, [{ ...t, shape: [3] }])).rejects.toThrow(/Tensor "w": shape \[3\] holds 3 values but 2 were given/);
  });

  it('reads the resnet18 fixture: 102 tensors, F16 params and F32 running stats equal to numpy', async () => {
    const f = await SafetensorsFile.open(fixturePath('resnet18/model.safetensors'));
    try {
      expect(f.tensors.size).toBe(102);
      expect(f.metadata).toEqual({ format: 'pt', arch: 'resnet18', num_classes: '5' });
      expect(f.info('conv1.weight')).toMatchObject({ dtype: 'F16', shape: [64, 3, 7, 7] });
      const conv = await f.read('conv1.weight');
      expect(Array.from(conv.slice(0, 3))).toEqual([-0.01556396484375, 0.0211181640625, -0.01357269287109375]);
      expect(sum(conv)).toBeCloseTo(1.0610411167144775, 5);
      const rv = await f.read('bn1.running_var');
      expect(f.info('bn1.running_var').dtype).toBe('F32');
      expect(Array.from(rv.slice(0, 3))).toEqual([1.2618341445922852, 1.2804337739944458, 0.7641002535820007]);
      expect(sum(rv)).toBeCloseTo(65.91845792531967, 4);
      expect(Array.from(await f.read('fc.bias')).slice(0, 3)).toEqual([0.06903076171875, 0.04388427734375, 0.059814453125]);
    } finally {
      await f.close();
    }
  });

  it('reads the vit_tiny fixture: 152 tensors, fused qkv [576, 192]', async () => {
    const f = await SafetensorsFile.open(fixturePath('vit_tiny_patch16_224/model.safetensors'));
    try {
      expect(f.tensors.size).toBe(152);
      expect(f.info('blocks.0.attn.qkv.weight').shape).toEqual([576, 192]);
      const qkv = await f.read('blocks.0.attn.qkv.weight');
      expect(Array.from(qkv.slice(0, 3))).toEqual([0.06793212890625, 0.040435791015625, 0.0310821533203125]);
      expect(sum(qkv)).toBeCloseTo(2.025802731513977, 4);
      expect(Array.from(await f.read('cls_token')).slice(0, 3)).toEqual([-0.032989501953125, 0.038604736328125, -0.0002092123031616211]);
    } finally {
      await f.close();
    }
  });
});

describe('malformed safetensors', () => {
  const good = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };

  it('rejects a truncated file', async () => {
    const full = readFileSync(fixturePath('resnet18/model.safetensors'));
    const path = join(tmp, 'truncated.safetensors');
    writeFileSync(path, full.subarray(0, 100_000));
    expect((await openError(path)).message).toMatch(/tensor ".*" has data_offsets .* outside the data area .*truncated/);
    const tiny = join(tmp, 'tiny.safetensors');
    writeFileSync(tiny, Buffer.from([1, 2, 3]));
    expect((await openError(tiny)).message).toMatch(/only 3 bytes/);
  });

  it('rejects an absurd header length', async () => {
    const e = await openError(rawFile('absurd.safetensors', good, new Uint8Array(8), 2n ** 40n));
    expect(e.message).toMatch(/header length 1099511627776 is impossible/);
    expect((await openError(rawFile('zero.safetensors', good, new Uint8Array(8), 0n))).message).toMatch(/header length 0/);
  });

  it('rejects a header that is not JSON', async () => {
    const e = await openError(rawFile('badjson.safetensors', '{"w": {"dtype": "F32",', new Uint8Array(8)));
    expect(e.message).toMatch(/header is not valid JSON/);
    expect((await openError(rawFile('array.safetensors', '[1,2]'))).message).toMatch(/must be a JSON object/);
  });

  it('rejects offsets out of range and overlapping tensors, naming the tensor', async () => {
    const out = { w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } };
    expect((await openError(rawFile('out.safetensors', out, new Uint8Array(8)))).message).toMatch(/tensor "w" has data_offsets \[0, 16\] outside the data area of 8 bytes/);
    const overlap = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } };
    expect((await openError(rawFile('overlap.safetensors', overlap, new Uint8Array(12)))).message).toMatch(/tensors "a" and "b" overlap/);
    const reversed = { w: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } };
    expect((await openError(rawFile('rev.safetensors', reversed, new Uint8Array(8)))).message).toMatch(/tensor "w" has data_offsets \[8, 0\]/);
  });

  it('rejects an unknown dtype and a shape/length mismatch', async () => {
    const dtype = { w: { dtype: 'F8_E4M3', shape: [8], data_offsets: [0, 8] } };
    expect((await openError(rawFile('dtype.safetensors', dtype, new Uint8Array(8)))).message).toMatch(/tensor "w" has unsupported dtype "F8_E4M3"/);
    const mismatch = { w: { dtype: 'F16', shape: [3], data_offsets: [0, 8] } };
    expect((await openError(rawFile('len.safetensors', mismatch, new Uint8Array(8)))).message).toMatch(/tensor "w": shape \[3\] of F16 needs 6 bytes but data_offsets span 8/);
    const shape = { w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } };
    expect((await openError(rawFile('shape.safetensors', shape, new Uint8Array(8)))).message).toMatch(/tensor "w" has an invalid shape \[-2\]/);
    const meta = { __metadata__: { n: 5 }, ...good };
    expect((await openError(rawFile('meta.safetensors', meta, new Uint8Array(8)))).message).toMatch(/metadata "n" must be a string/);
  });

  it('lists integer tensors but refuses to convert them', async () => {
    const f = await SafetensorsFile.open(rawFile('int.safetensors', { n: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)));
    try {
      expect(f.info('n').dtype).toBe('I64');
      await expect(f.read('n')).rejects.toThrow(/tensor "n" has dtype I64; only F32, F16, BF16 and F64/);
    } finally {
      await f.close();
    }
  });

  it('names a missing file', async () => {
    expect((await openError(join(tmp, 'missing.safetensors'))).message).toMatch(/does not exist/);
  });
});

function sum(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}
