import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineClient } from '../../../../shared/contract/index.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestEngine, createTestEngine } from '../../testing/test-engine.ts';
import { createDemoProject } from './create-demo-project.ts';

const engines: TestEngine[] = [];
afterEach(async () => Promise.all(engines.splice(0).map((e) => e.dispose())));

async function demo(seed: number) {
  const t = createTestEngine();
  engines.push(t);
  const result = await createDemoProject(join(t.tmp, 'demo'), { client: t.client, images: 40, seed, size: 96 });
  const rows = t.engine.ctx
    .project()
    .db.prepare(
      `SELECT i.hash, i.group_id, i.duplicate_of, i.copied, i.bit_depth, c.name AS label FROM images i
       LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN classes c ON c.id = l.class_id ORDER BY i.hash`,
    )
    .all() as { hash: string; group_id: string; duplicate_of: number | null; copied: number; bit_depth: number; label: string }[];
  return { ...result, rows };
}

describe('createDemoProject', () => {
  it('imports the synthetic X-rays with labels, patient groups and the duplicate, the same for the same seed', async () => {
    const a = await demo(3);
    const b = await demo(3);
    const c = await demo(4);
    expect(a.report).toMatchObject({ files: 40, imported: 40, skipped: 0, issues: [] });
    expect(a.report.duplicates.exact).toHaveLength(1);
    expect(a.report.labels.classesCreated.sort()).toEqual(['effusion', 'normal', 'opacity']);
    const expected: Record<string, number> = {};
    for (const i of a.dataset.images) expected[i.label] = (expected[i.label] ?? 0) + 1;
    expect(a.report.labels.main).toEqual(expected);
    expect(a.project.counts).toMatchObject({ images: 40, labelled: 40, classes: 3 });

    expect(a.rows.every((r) => r.copied === 1 && r.bit_depth === 16 && /^P\d{4}$/.test(r.group_id))).toBe(true);
    expect(new Set(a.rows.map((r) => r.group_id)).size).toBe(new Set(a.dataset.images.map((i) => i.patient)).size);
    expect(a.rows.filter((r) => r.duplicate_of !== null)).toHaveLength(1);
    // Deterministic: the same seed gives the same pixels (content hashes), another seed does not.
    expect(b.rows).toEqual(a.rows);
    expect(a.rows.map((r) => r.hash)).toEqual(b.rows.map((r) => r.hash));
    expect(c.rows.map((r) => r.hash).filter((h) => a.rows.some((r) => r.hash === h))).toEqual([]);
  });
});

describe('a demo whose import fails', () => {
  /** The engine's client, with every job reported failed. */
  const failingImports = (client: EngineClient): EngineClient =>
    new Proxy(client, {
      get: (target, key) =>
        key === 'invoke'
          ? async (method: string, args: unknown) => {
              const result = await (target.invoke as (m: string, a: unknown) => Promise<unknown>)(method, args);
              return method === 'job.wait' ? { ...(result as object), status: 'failed', error: { code: 'internal', message: 'disk full' } } : result;
            }
          : Reflect.get(target, key),
    });

  it('leaves no half project: the folder it made is removed, an empty folder given is emptied again', async () => {
    const t = createTestEngine();
    engines.push(t);
    const client = failingImports(t.client);
    const made = join(t.tmp, 'new-demo');
    await expect(createDemoProject(made, { client, images: 12, seed: 1, size: 32 })).rejects.toThrow(
      'Importing the sample images failed: disk full. The half-made project was removed.',
    );
    expect(existsSync(made)).toBe(false);
    expect(t.engine.ctx.hasProject).toBe(false);

    const given = join(t.tmp, 'empty');
    mkdirSync(given);
    await expect(createDemoProject(given, { client, images: 12, seed: 1, size: 32 })).rejects.toThrow(/disk full/);
    expect(readdirSync(given)).toEqual([]);
  });
});
