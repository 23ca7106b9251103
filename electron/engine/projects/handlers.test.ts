import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../../shared/contract/errors.ts';
import { createTestEngine, type TestEngine } from '../testing/test-engine.ts';
import { loadMigrations } from '../db/migrations.ts';
import { PROJECT_FOLDERS } from './project.ts';

let t: TestEngine;
afterEach(() => t?.dispose());

async function expectError(p: Promise<unknown>, code: string, message: RegExp) {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(EngineError);
  expect((e as EngineError).code).toBe(code);
  expect((e as EngineError).message).toMatch(message);
}

describe('project handlers', () => {
  it('creates a project directory with its database and cache folders', async () => {
    t = createTestEngine();
    const info = await t.client.invoke('project.create', { dir: t.projectDir, name: 'Chest X-rays' });
    expect(info).toMatchObject({ dir: t.projectDir, name: 'Chest X-rays', schemaVersion: loadMigrations().length });
    expect(info.counts).toEqual({ images: 0, labelled: 0, excluded: 0, classes: 0, runs: 0 });
    expect(existsSync(join(t.projectDir, 'project.db'))).toBe(true);
    for (const f of PROJECT_FOLDERS) expect(existsSync(join(t.projectDir, f))).toBe(true);
  });

  it('defaults the name to the folder name and reopens with the same info', async () => {
    t = createTestEngine();
    const created = await t.client.invoke('project.create', { dir: t.projectDir });
    expect(created.name).toBe('project');
    await t.client.invoke('project.close', {});
    const opened = await t.client.invoke('project.open', { dir: t.projectDir });
    expect(opened).toEqual(created);
  });

  it('renames, and the recent list follows, newest first', async () => {
    t = createTestEngine();
    await t.client.invoke('project.create', { dir: join(t.tmp, 'a') });
    await t.client.invoke('project.create', { dir: join(t.tmp, 'b') });
    const renamed = await t.client.invoke('project.rename', { name: '  Lot 7 defects ' });
    expect(renamed.name).toBe('Lot 7 defects');
    const recent = await t.client.invoke('project.recent', {});
    expect(recent.map((r) => [r.dir, r.name])).toEqual([
      [join(t.tmp, 'b'), 'Lot 7 defects'],
      [join(t.tmp, 'a'), 'a'],
    ]);
  });

  it('refuses project names over 200 characters on create and rename', async () => {
    t = createTestEngine();
    const long = 'p'.repeat(100_000);
    await expectError(t.client.invoke('project.create', { dir: t.projectDir, name: long }), 'validation', /^Name must be at most 200 characters; shorten it\.$/);
    expect(existsSync(t.projectDir)).toBe(false);
    await t.client.invoke('project.create', { dir: t.projectDir, name: 'Short' });
    await expectError(t.client.invoke('project.rename', { name: long }), 'validation', /^Name must be at most 200 characters; shorten it\.$/);
    expect((await t.client.invoke('project.info', {})).name).toBe('Short');
  });

  it('refuses relative folders, expands ~/ and fails fast on /proc/nope, with messages naming the fix', async () => {
    t = createTestEngine();
    await expectError(t.client.invoke('project.create', { dir: 'data/proj' }), 'validation', /^"data\/proj" is a relative path; here it would have meant .+data\/proj \(the engine's working folder\)\. Write the full path/);
    await expectError(t.client.invoke('project.open', { dir: 'proj' }), 'validation', /is a relative path/);
    const started = Date.now();
    await expectError(t.client.invoke('project.create', { dir: '/proc/nope' }), 'validation', /^Cannot create the folder \/proc\/nope: \/proc does not accept new folders/);
    expect(Date.now() - started).toBeLessThan(2000);
    const home = process.env.HOME;
    process.env.HOME = join(t.tmp, 'user');
    try {
      const info = await t.client.invoke('project.create', { dir: '~/projects/chest' });
      expect(info.dir).toBe(join(t.tmp, 'user', 'projects', 'chest'));
      expect(existsSync(join(t.tmp, 'user', 'projects', 'chest', 'project.db'))).toBe(true);
    } finally {
      process.env.HOME = home;
    }
  });

  it('emits project.changed on open, rename and close', async () => {
    t = createTestEngine();
    const seen: (string | null)[] = [];
    t.client.on('project.changed', (p) => seen.push(p?.name ?? null));
    await t.client.invoke('project.create', { dir: t.projectDir, name: 'One' });
    await t.client.invoke('project.rename', { name: 'Two' });
    await t.client.invoke('project.close', {});
    expect(seen).toEqual(['One', 'Two', null]);
  });

  it('explains what to do when there is no project or the folder is wrong', async () => {
    t = createTestEngine();
    await expectError(t.client.invoke('project.info', {}), 'not-found', /No project is open/);
    await expectError(t.client.invoke('project.open', { dir: join(t.tmp, 'missing') }), 'not-found', /does not exist/);
    mkdirSync(join(t.tmp, 'plain'));
    await expectError(t.client.invoke('project.open', { dir: join(t.tmp, 'plain') }), 'not-found', /not a LabelTune project.*labeltune init/);
    writeFileSync(join(t.tmp, 'plain', 'notes.txt'), 'x');
    await expectError(t.client.invoke('project.create', { dir: join(t.tmp, 'plain') }), 'conflict', /not empty/);
    await t.client.invoke('project.create', { dir: t.projectDir });
    await expectError(t.client.invoke('project.create', { dir: t.projectDir }), 'conflict', /already holds a LabelTune project/);
  });

  it('validates arguments at the boundary', async () => {
    t = createTestEngine();
    await expectError(t.client.invoke('project.create', { dir: '' }), 'validation', /^Project folder must not be empty\.$/);
    await expectError(t.client.invoke('project.create', { dir: 42 } as never), 'validation', /^Project folder must be text \(you entered 42\)\.$/);
    await expectError(t.client.invoke('project.info', { extra: 1 } as never), 'validation', /^"extra" is not a setting this action accepts: remove it\.$/);
    await expectError(t.client.invoke('no.such' as never, {} as never), 'unsupported', /no method "no.such"/);
  });
});
