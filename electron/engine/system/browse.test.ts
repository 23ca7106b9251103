import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../../shared/contract/errors.ts';
import { createTestEngine, type TestEngine } from '../testing/test-engine.ts';

describe('system.browse', () => {
  let t: TestEngine;
  let root: string;
  beforeEach(() => {
    t = createTestEngine();
    root = join(t.tmp, 'xrays');
    const files: Record<string, string> = {
      'normal/a.png': 'aa', 'normal/b.PNG': 'bbb', 'normal/notes.txt': 'n', 'normal/.DS_Store': 'x',
      'opacity/c.jpg': 'c', 'opacity/sub/d.png': 'd', 'empty/.keep': '',
      '.cache/e.png': 'e', 'scan0001': '1234', 'img.dcm': 'dicom', '.hidden.png': 'h', 'readme.md': '#',
    };
    for (const [rel, body] of Object.entries(files)) {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), body);
    }
    symlinkSync(join(root, 'normal'), join(root, 'link-to-normal'));
    symlinkSync(join(t.tmp, 'nowhere'), join(root, 'broken'));
  });
  afterEach(async () => {
    chmodSync(t.tmp, 0o755);
    await t.dispose();
  });

  it('lists a folder exactly: sub-folders with their direct images and folders, image files by name, the rest counted', async () => {
    const r = await t.client.invoke('system.browse', { dir: root });
    expect(r.dir).toBe(root);
    expect(r.parent).toBe(t.tmp);
    expect(r.home).toBe(homedir());
    expect(r.folders).toEqual([
      { name: 'empty', path: join(root, 'empty'), images: 0, folders: 0 },
      // A link to a folder is that folder, as in a file manager.
      { name: 'link-to-normal', path: join(root, 'link-to-normal'), images: 2, folders: 0 },
      { name: 'normal', path: join(root, 'normal'), images: 2, folders: 0 },
      { name: 'opacity', path: join(root, 'opacity'), images: 1, folders: 1 },
    ]);
    // DICOM often has no extension: a file without one is offered; import reads the content.
    expect(r.images).toEqual([
      { name: 'img.dcm', path: join(root, 'img.dcm'), size: 5 },
      { name: 'scan0001', path: join(root, 'scan0001'), size: 4 },
    ]);
    // readme.md and the broken link are no images; .cache and .hidden.png are hidden.
    expect(r.otherFiles).toBe(1);
    expect(r.hidden).toBe(2);
  });

  it('shows dot files and folders only when asked, and counts them inside folders then too', async () => {
    const r = await t.client.invoke('system.browse', { dir: root, hidden: true });
    expect(r.folders.map((f) => [f.name, f.images, f.folders])).toEqual([
      ['.cache', 1, 0], ['empty', 0, 0], ['link-to-normal', 2, 0], ['normal', 2, 0], ['opacity', 1, 1],
    ]);
    expect(r.images.map((f) => f.name)).toEqual(['.hidden.png', 'img.dcm', 'scan0001']);
    expect(r.hidden).toBe(0);
    // A dot file without an extension (.DS_Store) is shown as a file, not offered as an image.
    const normal = await t.client.invoke('system.browse', { dir: join(root, 'normal'), hidden: true });
    expect(normal.images.map((f) => f.name)).toEqual(['a.png', 'b.PNG']);
    expect(normal.otherFiles).toBe(2);
  });

  it('starts at the home folder, understands ~ and .., and stops at the root', async () => {
    expect((await t.client.invoke('system.browse', {})).dir).toBe(homedir());
    expect((await t.client.invoke('system.browse', { dir: '~' })).dir).toBe(homedir());
    expect((await t.client.invoke('system.browse', { dir: `${root}/normal/..` })).dir).toBe(root);
    const top = await t.client.invoke('system.browse', { dir: '/' });
    expect(top.parent).toBeNull();
    expect(top.dir).toBe('/');
  });

  it('names the path in every error and says what to do', async () => {
    const failure = async (dir: string) => {
      try {
        await t.client.invoke('system.browse', { dir });
      } catch (e) {
        return { code: (e as EngineError).code, message: (e as Error).message };
      }
      throw new Error(`browsing ${dir} did not fail`);
    };
    expect(await failure(join(root, 'missing'))).toEqual({ code: 'not-found', message: `${join(root, 'missing')} does not exist on the engine's machine; check the path.` });
    expect(await failure(join(root, 'img.dcm'))).toEqual({
      code: 'validation', message: `${join(root, 'img.dcm')} is a file, not a folder: choose the folder that holds it, or add the file itself.`,
    });
    expect(await failure('data/xrays')).toMatchObject({ code: 'validation', message: expect.stringContaining('"data/xrays" is not a full path') });
    // root reads every folder whatever its mode: the permission check is the OS's, not ours.
    if (process.getuid?.() !== 0) {
      chmodSync(root, 0o000);
      expect(await failure(root)).toEqual({ code: 'unsupported', message: `${root} cannot be read: the engine's user has no permission to list it.` });
    }
  });
});
