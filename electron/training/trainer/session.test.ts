import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pruneCheckpoints } from './session.ts';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-prune-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pruneCheckpoints', () => {
  it('deletes a dropped checkpoint with the files named after it (cached ONNX conversions), and nothing else', () => {
    const names = ['epoch-1.safetensors', 'epoch-1.safetensors.0123456789abcdef.onnx', 'epoch-1.safetensors.0123456789abcdef.onnx.json', 'epoch-12.safetensors', 'epoch-12.safetensors.fedcba9876543210.onnx', 'notes.txt'];
    for (const n of names) writeFileSync(join(dir, n), 'x');
    pruneCheckpoints(dir, [join(dir, 'epoch-1.safetensors'), join(dir, 'notes.txt')]);
    expect(readdirSync(dir).sort()).toEqual(['epoch-12.safetensors', 'epoch-12.safetensors.fedcba9876543210.onnx', 'notes.txt']);
  });
});
