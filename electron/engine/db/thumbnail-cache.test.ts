import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Project } from '../projects/project.ts';

const root = mkdtempSync(join(tmpdir(), 'labeltune-thumb-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const jpeg = (n: number) => Uint8Array.from([0xff, 0xd8, 0xff, n, n, n]);

describe('the thumbnail cache', () => {
  it('lives in thumbnails/thumbnails.db, keeps the first thumbnail of a hash, and survives reopening', () => {
    const dir = join(root, 'p1');
    const project = Project.create(dir, 'cache');
    project.thumbnails.putMany([
      { hash: 'a', jpeg: jpeg(1) },
      { hash: 'b', jpeg: jpeg(2) },
    ]);
    // The same content hash again (an exact duplicate imported later) keeps the stored bytes.
    project.thumbnails.putMany([{ hash: 'a', jpeg: jpeg(9) }]);
    project.close();
    expect(existsSync(join(dir, 'thumbnails', 'thumbnails.db'))).toBe(true);
    const again = Project.open(dir);
    expect([...(again.thumbnails.get('a') ?? [])]).toEqual([...jpeg(1)]);
    expect([...(again.thumbnails.get('b') ?? [])]).toEqual([...jpeg(2)]);
    expect(again.thumbnails.get('c')).toBeUndefined();
    expect(again.db.prepare('SELECT count(*) FROM thumbs.thumbnails').pluck().get()).toBe(2);
    again.close();
  });

  it('moves a damaged cache aside instead of refusing to open the project', () => {
    const dir = join(root, 'p2');
    Project.create(dir, 'damaged').close();
    const file = join(dir, 'thumbnails', 'thumbnails.db');
    for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
    writeFileSync(file, Buffer.alloc(8192, 0x5a)); // not an SQLite file
    const project = Project.open(dir);
    expect(project.info().name).toBe('damaged');
    project.thumbnails.putMany([{ hash: 'x', jpeg: jpeg(3) }]);
    expect([...(project.thumbnails.get('x') ?? [])]).toEqual([...jpeg(3)]);
    project.close();
    const names = readdirSync(join(dir, 'thumbnails'));
    expect(names.filter((n) => n.startsWith('thumbnails.db.broken-'))).toHaveLength(1);
  });

  it('starts afresh from a cache of another layout version', () => {
    const dir = join(root, 'p3');
    const project = Project.create(dir, 'layout');
    project.thumbnails.putMany([{ hash: 'old', jpeg: jpeg(4) }]);
    project.db.pragma('thumbs.user_version = 99');
    project.close();
    const again = Project.open(dir);
    expect(again.thumbnails.get('old')).toBeUndefined();
    expect(again.db.pragma('thumbs.user_version', { simple: true })).toBe(1);
    again.close();
  });
});
