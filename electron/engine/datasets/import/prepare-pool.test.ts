import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGrey16Png } from '../../../imaging/png16.ts';
import { encodeTiff } from '../../../imaging/decode/test-images.ts';
import { pattern, ramp16, rawPng } from '../../../imaging/testing/fixtures.ts';
import type { JobContext } from '../../jobs/job-manager.ts';
import { Project } from '../../projects/project.ts';
import { type DecodeOutcome, type DecodeTask, runDecodeTask } from './decode-task.ts';
import { emptyReport, runImport } from './import-job.ts';
import { PreparePool, liveWorkerCount } from './prepare-pool.ts';

let root: string;
let files: string[];
const task = (sourcePath: string): DecodeTask => ({ sourcePath, imagesDir: join(root, 'images'), copy: false });
const double = (name: string) => new URL(`./testing/${name}`, import.meta.url);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'labeltune-pool-'));
  const src = join(root, 'src');
  mkdirSync(src);
  const rgb = Buffer.from(pattern(300, 200, 3, 2));
  const written: [string, Buffer][] = [
    ['grey16.png', encodeGrey16Png(300, 200, ramp16(300, 200, 1000, 40000))],
    ['grey8.png', await rawPng(pattern(64, 64, 1, 1), 64, 64, 1)],
    ['photo.jpg', await sharp(rgb, { raw: { width: 300, height: 200, channels: 3 } }).jpeg({ quality: 90 }).toBuffer()],
    ['scan16.tiff', encodeTiff(ramp16(60, 40, 20000, 30000), 60, 40, 1)],
    ['broken.png', (await rawPng(pattern(64, 64, 1, 3), 64, 64, 1)).subarray(0, 80)],
  ];
  files = written.map(([name, bytes]) => {
    writeFileSync(join(src, name), bytes);
    return join(src, name);
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const runAll = (run: (t: DecodeTask) => Promise<DecodeOutcome>) => Promise.all(files.map((f) => run(task(f))));

describe('PreparePool', () => {
  it('gives the same hashes, metadata and issues in a worker as on the engine thread', async () => {
    const here = await runAll(runDecodeTask);
    const pool = new PreparePool({ workers: 1, local: 0 });
    try {
      const there = await runAll((t) => pool.run(t));
      // An issue's message quotes libvips, whose error text is shared by its threads and can read
      // "Unknown error" when files fail at the same time: the code and path must agree, not the words.
      const comparable = (outcomes: DecodeOutcome[]) => outcomes.map((o) => (o.kind === 'issue' ? { kind: o.kind, path: o.issue.path, code: o.issue.code } : o));
      expect(comparable(there)).toEqual(comparable(here));
    } finally {
      await pool.close();
    }
    expect(pool.workerCount).toBe(0);
    const kinds = here.map((o) => (o.kind === 'decoded' ? o.frames[0].bitDepth : o.issue.code));
    expect(kinds).toEqual([16, 8, 8, 16, 'corrupt']);
    const grey16 = here[0] as Extract<DecodeOutcome, { kind: 'decoded' }>;
    expect(grey16.frames[0]).toMatchObject({ width: 300, height: 200, channels: 1, window: { center: 20500.5, width: 39001 } });
    expect(grey16.fileHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('turns a worker that dies into an issue for that one file, and goes on with a fresh worker', async () => {
    mkdirSync(join(root, 'crash-src'));
    const crash = join(root, 'crash-src', 'crash.png');
    writeFileSync(crash, await rawPng(pattern(16, 16, 1, 9), 16, 16, 1));
    const pool = new PreparePool({ workers: 1, local: 0, entry: double('crashing-worker.mjs') });
    try {
      const outcomes = await Promise.all([files[0], crash, files[1], files[2]].map((f) => pool.run(task(f))));
      expect(outcomes.map((o) => o.kind)).toEqual(['decoded', 'issue', 'decoded', 'decoded']);
      const issue = outcomes[1] as Extract<DecodeOutcome, { kind: 'issue' }>;
      expect(issue.issue).toMatchObject({ path: crash, code: 'internal', message: expect.stringContaining('crash.png stopped') });
      expect(issue.issue.message).toContain('exit code 7');
      expect(pool.workerCount).toBe(1);
    } finally {
      await pool.close();
    }
    expect(pool.workerCount).toBe(0);
  });

  it('holds two files per worker, and a death with two in hand names only the file that kills it again alone', async () => {
    mkdirSync(join(root, 'crash-two'));
    const crashes = ['crash-a.png', 'crash-b.png'].map((name) => join(root, 'crash-two', name));
    for (const c of crashes) writeFileSync(c, await rawPng(pattern(16, 16, 1, 9), 16, 16, 1));
    const pool = new PreparePool({ workers: 1, local: 0, entry: double('crashing-worker.mjs') });
    try {
      // The worker takes crash-a with grey16.png beside it, dies, and both run again alone.
      const order = [crashes[0], files[0], crashes[1], files[1], files[2]];
      const outcomes = await Promise.all(order.map((f) => pool.run(task(f))));
      expect(outcomes.map((o) => (o.kind === 'issue' ? `${o.issue.code} ${o.issue.path.split('/').pop()}` : o.kind))).toEqual([
        'internal crash-a.png',
        'decoded',
        'internal crash-b.png',
        'decoded',
        'decoded',
      ]);
      expect(pool.workerCount).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('decodes on the engine thread when the worker cannot load or its entry is missing', async () => {
    for (const entry of [double('broken-worker.mjs'), double('no-such-worker.mjs')]) {
      const pool = new PreparePool({ workers: 2, local: 0, entry });
      const outcomes = await Promise.all(files.slice(0, 3).map((f) => pool.run(task(f))));
      expect(outcomes.map((o) => o.kind)).toEqual(['decoded', 'decoded', 'decoded']);
      expect(pool.workerCount).toBe(0);
      await pool.close();
    }
  });

  it('resolves files still queued as issues when closed, and takes none after', async () => {
    const pool = new PreparePool({ workers: 1, local: 0 });
    const pending = pool.run(task(files[0]));
    await pool.close();
    expect(await pending).toMatchObject({ kind: 'issue', issue: { code: 'internal', message: expect.stringContaining('stopped first') } });
    expect(await pool.run(task(files[1]))).toMatchObject({ kind: 'issue' });
    expect(pool.workerCount).toBe(0);
  });
});

describe('an import through the pool', () => {
  it('stores the same rows as an import on the engine thread alone', async () => {
    const job: JobContext = { jobId: 'pool-test', signal: new AbortController().signal, progress: () => {}, throwIfCancelled: () => {} };
    const imported = async (name: string, workers: number, localDecodes: number) => {
      const project = Project.create(join(root, name), name);
      try {
        const report = await runImport(project, { paths: [join(root, 'src')] }, job, emptyReport(6), { workers, localDecodes });
        const rows = project.db.prepare('SELECT * FROM images ORDER BY path').all() as Record<string, unknown>[];
        return { report: { ...report, elapsedMs: 0 }, rows: rows.map(({ imported_at: _, ...row }) => row) };
      } finally {
        project.close();
      }
    };
    const here = await imported('project-here', 0, 2);
    const workers = await imported('project-workers', 1, 0);
    expect(workers).toEqual(here);
    expect(here.rows.map((r) => [String(r.path).split('/').pop(), r.format, r.width, r.bit_depth])).toEqual([
      ['grey16.png', 'png', 300, 16],
      ['grey8.png', 'png', 64, 8],
      ['photo.jpg', 'jpeg', 300, 8],
      ['scan16.tiff', 'tiff', 60, 16],
    ]);
    expect(here.report.issues.map((i) => [i.path.split('/').pop(), i.code])).toEqual([['broken.png', 'corrupt']]);
  });
});

describe('a cancelled import', () => {
  it('stops its workers: none is left running once the job has ended', async () => {
    const many = join(root, 'many');
    mkdirSync(many);
    for (let k = 0; k < 80; k++) writeFileSync(join(many, `${k}.png`), await rawPng(pattern(48, 48, 1, k), 48, 48, 1));
    const abort = new AbortController();
    let seen = 0;
    const job: JobContext = { jobId: 'cancel', signal: abort.signal, progress: () => ++seen === 10 && abort.abort(), throwIfCancelled: () => {} };
    const project = Project.create(join(root, 'project-cancel'), 'cancel');
    const report = emptyReport(6);
    try {
      await expect(runImport(project, { paths: [many] }, job, report, { workers: 1 })).rejects.toMatchObject({ code: 'cancelled' });
    } finally {
      project.close();
    }
    expect(report.cancelled).toBe(true);
    expect(report.imported).toBeGreaterThanOrEqual(10);
    expect(report.imported).toBeLessThan(80);
    expect(liveWorkerCount()).toBe(0);
  });
});
