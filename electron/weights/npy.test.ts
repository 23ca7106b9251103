import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy, readNpy, writeNpy } from './npy.ts';
import { fixturePath } from './testing/fixtures.ts';

const tmp = mkdtempSync(join(tmpdir(), 'labeltune-npy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A hand-made .npy with any header, version and data. */
function npy(header: string, data: Uint8Array, major = 1): Uint8Array {
  const lenSize = major === 1 ? 2 : 4;
  const head = new Uint8Array(8 + lenSize);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(head.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

describe('npy', () => {
  it('reads the fixtures with their shapes and values (checked against numpy)', async () => {
    const input = await readNpy(fixturePath('resnet18/input.npy'));
    expect(input.shape).toEqual([2, 3, 64, 64]);
    expect(input.dtype).toBe('<f4');
    expect(Array.from(input.data.slice(0, 3))).toEqual([0.3455841839313507, 0.8216181397438049, 0.3304370641708374]);
    expect(input.data.reduce((a, v) => a + v, 0)).toBeCloseTo(-227.44581089026178, 2);
    const logits = await readNpy(fixturePath('resnet18/logits.npy'));
    expect(logits.shape).toEqual([2, 5]);
    expect(logits.data[3]).toBe(5.779324054718018);
    expect((await readNpy(fixturePath('vit_tiny_patch16_224/input.npy'))).shape).toEqual([2, 3, 224, 224]);
    expect((await readNpy(fixturePath('vit_tiny_patch16_224/features.npy'))).shape).toEqual([2, 192]);
  });

  it('round-trips float32 arrays with numpy-compatible, 64-byte aligned headers', async () => {
    const data = Float32Array.from([1.5, -2, 3.25, 0, 1e-7, -1e7]);
    const path = join(tmp, 'a.npy');
    await writeNpy(path, [2, 3], data);
    const bytes = readFileSync(path);
    const headerLen = bytes.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(bytes.subarray(10, 10 + headerLen).toString('latin1')).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    const back = await readNpy(path);
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    expect(parseNpy(encodeNpy([4], data.slice(0, 4))).shape).toEqual([4]);
    expect(parseNpy(encodeNpy([], data.slice(0, 1))).shape).toEqual([]);
  });

  it('reads version 2 headers, float64 and int64', () => {
    const f8 = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }\n", new Uint8Array(Float64Array.from([0.5, -1, 2.75]).buffer), 2);
    expect(Array.from(parseNpy(f8).data)).toEqual([0.5, -1, 2.75]);
    const i8 = npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }\n", new Uint8Array(BigInt64Array.from([7n, -3n]).buffer));
    expect(Array.from(parseNpy(i8).data)).toEqual([7, -3]);
  });

  it('rejects fortran order, big-endian, other dtypes and truncation with actionable messages', () => {
    const eight = new Uint8Array(8);
    expect(() => parseNpy(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", eight), 'x.npy')).toThrow(/x\.npy: Fortran-order arrays are not supported; save with numpy\.save\(path, numpy\.ascontiguousarray/);
    expect(() => parseNpy(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", eight), 'x.npy')).toThrow(/dtype '>f4' is not supported; save as float32/);
    expect(() => parseNpy(npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", eight), 'x.npy')).toThrow(/dtype '<c8'/);
    expect(() => parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", eight), 'x.npy')).toThrow(/shape \(3\) of '<f4' needs 12 data bytes but the file has 8/);
    expect(() => parseNpy(Buffer.from('hello world!'), 'x.npy')).toThrow(/not a NumPy \.npy file/);
  });

  it('names a missing file', async () => {
    await expect(readNpy(join(tmp, 'missing.npy'))).rejects.toThrow(/missing\.npy: cannot read the \.npy file \(ENOENT\)/);
  });
});
