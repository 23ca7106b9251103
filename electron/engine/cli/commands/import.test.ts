import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pattern, rawPng } from '../../../imaging/testing/fixtures.ts';
import { type TestEngine, createTestEngine } from '../../testing/test-engine.ts';
import { runCli } from '../../testing/cli.ts';
import { emptyReport } from '../../datasets/import/import-job.ts';
import { formatImportReport } from './import.ts';

let t: TestEngine;
const previousHome = process.env.LABELTUNE_HOME;
beforeAll(() => {
  t = createTestEngine();
  process.env.LABELTUNE_HOME = join(t.tmp, 'cli-home');
});
afterAll(async () => {
  process.env.LABELTUNE_HOME = previousHome;
  await t.dispose();
});

const run = runCli;

describe('labeltune import', () => {
  it('imports class folders and prints the report as JSON, then a human summary on a re-run', async () => {
    const project = join(t.tmp, 'p1');
    expect((await run('init', project)).code).toBe(0);
    const dir = join(t.tmp, 'in');
    for (const [k, cls] of ['ok', 'ok', 'scratch'].entries()) {
      mkdirSync(join(dir, cls), { recursive: true });
      writeFileSync(join(dir, cls, `${k}.png`), await rawPng(pattern(24, 24, 1, k), 24, 24, 1));
    }
    writeFileSync(join(dir, 'ok', 'broken.png'), 'not really a png');
    const first = await run('import', project, dir, '--class-folders', '--json');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.out);
    expect(report).toMatchObject({ files: 4, imported: 3, skipped: 0, labels: { main: { ok: 2, scratch: 1 } } });
    expect(report.issues).toEqual([{ path: join(dir, 'ok', 'broken.png'), code: 'not-an-image', message: expect.stringContaining('broken.png') }]);

    const second = await run('import', project, dir);
    expect(second.code).toBe(0);
    expect(second.out).toContain('Imported   0 image(s)');
    expect(second.out).toContain('Skipped    3 already in the project');
    expect(second.out).toMatch(/not-an-image +broken\.png/);
  });

  it('ends its summary with the time taken and the rate', () => {
    const report = { ...emptyReport(6), files: 400, imported: 400, elapsedMs: 3100 };
    expect(formatImportReport(report).split('\n')).toContain('Time       3.1 s, 129 files/s');
    expect(formatImportReport({ ...report, elapsedMs: 125_000 }).split('\n')).toContain('Time       2 min 05 s, 3 files/s');
  });

  it('exits 2 without anything to import and 1 for a folder that is not a project', async () => {
    expect((await run('import', join(t.tmp, 'p1'))).code).toBe(2);
    const missing = await run('import', join(t.tmp, 'nowhere'), t.tmp, '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out).error.code).toBe('not-found');
  });
});

describe('labeltune demo', () => {
  it('applies a CSV through --csv-columns, and refuses a malformed mapping', async () => {
    const project = join(t.tmp, 'p-csv');
    expect((await run('init', project)).code).toBe(0);
    const dir = join(t.tmp, 'csv-in');
    mkdirSync(dir, { recursive: true });
    await sharp(Buffer.alloc(8 * 8, 90), { raw: { width: 8, height: 8, channels: 1 } }).png().toFile(join(dir, 's1.png'));
    writeFileSync(join(dir, 'export.csv'), 'Accession,Finding,Scan\nA1,effusion,s1.png\n');
    const r = await run('import', project, '--csv', join(dir, 'export.csv'), '--csv-columns', 'path=Scan,label=Finding', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ imported: 1, labels: { main: { effusion: 1 } } });
    expect((await run('import', project, '--csv', join(dir, 'export.csv'), '--csv-columns', 'file:Scan')).code).toBe(2);
  });

  it('creates a labelled sample project', async () => {
    const { code, out } = await run('demo', join(t.tmp, 'demo'), '--images', '12', '--seed', '2', '--json');
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.project.counts).toMatchObject({ images: 12, labelled: 12 });
    expect(doc.report).toMatchObject({ files: 12, imported: 12, issues: [] });
    expect((await run('demo', join(t.tmp, 'demo2'), '--images', 'many')).code).toBe(2);
  });
});
