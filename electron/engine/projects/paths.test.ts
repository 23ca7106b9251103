import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { absolutePath, expandHome, makeFolders } from './paths.ts';

const HOME = '/home/ada';

describe('absolutePath', () => {
  it('expands ~ and ~/… to the home folder', () => {
    expect(expandHome('~', HOME)).toBe(HOME);
    expect(absolutePath('~/projects/chest', { home: HOME })).toBe('/home/ada/projects/chest');
    expect(absolutePath('  ~/x/../y ', { home: HOME })).toBe('/home/ada/y');
  });

  it('refuses ~name instead of guessing whose home that is', () => {
    expect(() => absolutePath('~bob/x', { home: HOME })).toThrow('"~bob/x": ~name paths are not supported; write the full path, e.g. /home/ada/bob/x.');
  });

  it('refuses a relative path from the UI or API, showing where it would have landed', () => {
    expect(() => absolutePath('data/proj', { home: HOME })).toThrow(
      `"data/proj" is a relative path; here it would have meant ${resolve('data/proj')} (the engine's working folder). ` +
        'Write the full path, e.g. /home/ada/data/proj or ~/data/proj.',
    );
  });

  it('resolves a relative path against the folder the CLI names', () => {
    expect(absolutePath('data/proj', { relativeTo: '/srv/work', home: HOME })).toBe('/srv/work/data/proj');
    expect(absolutePath('/abs/./p', { home: HOME })).toBe('/abs/p');
  });
});

describe('makeFolders', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'labeltune-paths-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('creates missing parents one level at a time and accepts an existing folder', () => {
    const deep = join(tmp, 'a', 'b', 'c');
    makeFolders(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    makeFolders(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
  });

  it('fails at once on /proc (where recursive mkdirSync loops forever), naming the folder and the fix', () => {
    const started = Date.now();
    expect(() => makeFolders('/proc/nope/project')).toThrow(
      /^Cannot create the folder \/proc\/nope: \/proc does not accept new folders \(a special file system such as \/proc, or a missing drive\)\. Choose a folder in your home folder instead/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('says when a file stands where a folder should be', () => {
    writeFileSync(join(tmp, 'notes.txt'), 'x');
    expect(() => makeFolders(join(tmp, 'notes.txt', 'p'))).toThrow(`Cannot create the folder ${join(tmp, 'notes.txt', 'p')}: ${join(tmp, 'notes.txt')} is a file, not a folder. Choose another location.`);
    expect(() => makeFolders(join(tmp, 'notes.txt'))).toThrow(`${join(tmp, 'notes.txt')} is a file, not a folder; choose a new folder for the project.`);
  });
});
