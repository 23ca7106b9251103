import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openExportFolder, partialFolderFor } from './export-folder.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'labeltune-export-folder-'));
  dirs.push(d);
  return d;
};

describe('an export folder', () => {
  it('appears only when the export is complete; a failed export leaves nothing that blocks the retry', () => {
    const out = join(tmp(), 'exports', 'run-1-onnx');
    const failed = openExportFolder(out);
    writeFileSync(join(failed.partial, 'model.onnx'), 'half a model');
    expect(existsSync(out)).toBe(false);
    failed.discard(); // what runExport does when a step throws
    expect(readdirSync(join(out, '..'))).toEqual([]);

    const retry = openExportFolder(out);
    writeFileSync(join(retry.partial, 'model.onnx'), 'a model');
    retry.commit();
    expect(readdirSync(join(out, '..'))).toEqual(['run-1-onnx']);
    expect(readFileSync(join(out, 'model.onnx'), 'utf8')).toBe('a model');
  });

  it('removes the temporary folder a killed export left, and refuses a target that holds files', () => {
    const out = join(tmp(), 'model');
    mkdirSync(partialFolderFor(out));
    writeFileSync(join(partialFolderFor(out), 'model.json'), '{"half":');
    const f = openExportFolder(out);
    expect(readdirSync(f.partial)).toEqual([]);
    writeFileSync(join(f.partial, 'model.json'), '{}');
    f.commit();
    expect(existsSync(partialFolderFor(out))).toBe(false);
    expect(() => openExportFolder(out)).toThrow(expect.objectContaining({ code: 'conflict', message: `${out} is not empty. Choose a new folder for the export, or delete the old export first.` }));
  });

  it('takes an empty folder the user made as the target', () => {
    const out = join(tmp(), 'empty');
    mkdirSync(out);
    const f = openExportFolder(out);
    writeFileSync(join(f.partial, 'model.safetensors'), 'x');
    f.commit();
    expect(readdirSync(out)).toEqual(['model.safetensors']);
  });

  it.skipIf(process.platform === 'win32')('makes the files private whatever the umask', () => {
    const umask = process.umask(0o022);
    try {
      const out = join(tmp(), 'private');
      const f = openExportFolder(out);
      mkdirSync(join(f.partial, 'group1'));
      writeFileSync(join(f.partial, 'group1', 'shard.bin'), 'x');
      f.commit();
      expect([out, join(out, 'group1'), join(out, 'group1', 'shard.bin')].map((p) => (statSync(p).mode & 0o777).toString(8))).toEqual(['700', '700', '600']);
    } finally {
      process.umask(umask);
    }
  });

  it.skipIf(process.platform !== 'linux')('fails at once, with the reason, on a folder that cannot exist', () => {
    expect(() => openExportFolder('/proc/nope/model')).toThrow(expect.objectContaining({ code: 'validation', message: expect.stringMatching(/^Cannot create the folder \/proc\/nope: .*special file system/) }));
  });
});
