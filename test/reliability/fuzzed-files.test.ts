import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImportIssue, ImportReport } from '../../shared/contract/datasets.ts';
import { encodeGrey16Png } from '../../electron/imaging/png16.ts';
import { pattern, ramp16, rawPng } from '../../electron/imaging/testing/fixtures.ts';
import { requireInCi } from '../../electron/engine/testing/require-in-ci.ts';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { mulberry32 as seededRandom } from '../../shared/random.ts';
import { recordFigures } from './figures.ts';

/**
 * A fixed-seed set of damaged PNG, JPEG and DICOM files (bit flips, truncation, overwritten headers)
 * imported through the engine next to the intact originals: the import completes, every file ends
 * either as image rows or as one issue naming it, and every original imports.
 */
const SEED = 20261206;
const MUTANTS = 120;
const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
// Uncompressed (explicit/implicit VR, big endian), RLE and JPEG baseline pixel data.
const DICOM_FILES = ['CT_small.dcm', 'MR_small.dcm', 'MR_small_implicit.dcm', 'MR_small_RLE.dcm', 'JPEG-lossy.dcm'];
const withDicom = requireInCi([DICOM_FILES.every((f) => existsSync(join(PYDICOM, f))), 'apt-get install python3-pydicom (its test files are the DICOM originals)']);

type Mutation = 'truncate' | 'bit-flips' | 'header';
const MUTATIONS: Mutation[] = ['truncate', 'bit-flips', 'header'];

/** Where a format's header lives: PNG signature + IHDR, JPEG SOI..SOF, DICOM preamble end + meta group. */
const HEADER: Record<string, [from: number, to: number]> = { png: [0, 33], jpg: [0, 200], dcm: [128, 400] };

function mutate(original: Buffer, kind: Mutation, ext: string, rand: () => number): Buffer {
  const at = (from: number, to: number) => from + Math.floor(rand() * (Math.min(to, original.length) - from));
  switch (kind) {
    case 'truncate':
      return Buffer.from(original.subarray(0, at(0, original.length - 1)));
    case 'bit-flips': {
      const copy = Buffer.from(original);
      const flips = 1 + Math.floor(rand() * 8);
      for (let k = 0; k < flips; k++) copy[at(0, copy.length)] ^= 1 << Math.floor(rand() * 8);
      return copy;
    }
    case 'header': {
      const copy = Buffer.from(original);
      const [from, to] = HEADER[ext];
      for (let k = 0; k < 6; k++) copy[at(from, to)] = Math.floor(rand() * 256);
      return copy;
    }
  }
}

async function originals(): Promise<Map<string, Buffer>> {
  const px = (w: number, h: number, ch: 1 | 3, seed: number) => Buffer.from(pattern(w, h, ch, seed));
  const files = new Map<string, Buffer>([
    ['grey.png', await rawPng(pattern(64, 48, 1, 1), 64, 48, 1)],
    ['rgb.png', await rawPng(pattern(48, 40, 3, 2), 48, 40, 3)],
    ['grey16.png', encodeGrey16Png(40, 30, ramp16(40, 30, 100, 60000))],
    ['photo.jpg', await sharp(px(80, 60, 3, 3), { raw: { width: 80, height: 60, channels: 3 } }).jpeg({ quality: 85 }).toBuffer()],
    ['progressive.jpg', await sharp(px(72, 56, 3, 4), { raw: { width: 72, height: 56, channels: 3 } }).jpeg({ progressive: true }).toBuffer()],
    ['grey.jpg', await sharp(px(64, 64, 1, 5), { raw: { width: 64, height: 64, channels: 1 } }).toColourspace('b-w').jpeg().toBuffer()],
  ]);
  if (withDicom) for (const f of DICOM_FILES) files.set(f, readFileSync(join(PYDICOM, f)));
  return files;
}

interface Mutant {
  file: string;
  kind: Mutation;
}

/** The originals and their damaged copies, every source through every mutation in turn. */
async function writeFuzzedFolder(dir: string): Promise<{ names: string[]; mutants: Mutant[] }> {
  const sources = await originals();
  for (const [name, bytes] of sources) writeFileSync(join(dir, name), bytes);
  const rand = seededRandom(SEED);
  const names = [...sources.keys()];
  const mutants: Mutant[] = [];
  for (let k = 0; k < MUTANTS; k++) {
    const source = names[k % names.length];
    const kind = MUTATIONS[Math.floor(k / names.length) % MUTATIONS.length];
    const file = `m${String(k).padStart(3, '0')}-${kind}-${source}`;
    writeFileSync(join(dir, file), mutate(sources.get(source)!, kind, source.split('.').pop()!, rand));
    mutants.push({ file, kind });
  }
  return { names, mutants };
}

let t: TestEngine;
afterAll(async () => t?.dispose());

describe('reliability: fuzzed image files', () => {
  it(`imports ${MUTANTS} damaged files with 0 crashes: one issue with a message per rejected file, the originals import`, async () => {
    const started = Date.now();
    t = await createTestProject('Fuzzed files');
    const dir = join(t.tmp, 'fuzzed');
    mkdirSync(dir);
    const { names, mutants } = await writeFuzzedFolder(dir);

    const { jobId } = await t.client.invoke('import.start', { paths: [dir] });
    const job = await t.client.invoke('job.wait', { jobId });
    expect(job.status).toBe('completed'); // not failed: no file can take the import down
    const report: ImportReport = await t.client.invoke('import.report', { jobId });
    expect(report.files).toBe(names.length + MUTANTS);

    const db = t.engine.ctx.project().db;
    const imported = new Set((db.prepare('SELECT DISTINCT path FROM images').pluck().all() as string[]).map((p) => basename(p)));
    const issues = new Map<string, ImportIssue[]>();
    for (const i of report.issues) issues.set(basename(i.path), [...(issues.get(basename(i.path)) ?? []), i]);
    // Each file is accounted for exactly once: image rows, or a single issue; never both, never neither.
    const all = [...names, ...mutants.map((m) => m.file)];
    expect(all.filter((f) => imported.has(f) === issues.has(f))).toEqual([]);
    expect([...issues.values()].filter((list) => list.length !== 1)).toEqual([]);
    expect(imported.size + issues.size).toBe(all.length);
    expect(names.filter((n) => !imported.has(n))).toEqual([]);
    // Every issue says which file and what is wrong with it, in words (no raw stack).
    const allowed = new Set(['corrupt', 'empty', 'not-an-image', 'unsupported', 'too-large']);
    for (const i of report.issues) {
      expect(allowed.has(i.code), `${i.path}: ${i.code}`).toBe(true);
      expect(i.message).toContain(basename(i.path));
      expect(i.message, i.path).not.toMatch(/\n\s+at /);
      expect(i.message.length).toBeGreaterThan(basename(i.path).length + 20);
    }
    // A file cut short cannot be whole: every truncated copy is refused, none imported with missing rows.
    expect(mutants.filter((m) => m.kind === 'truncate' && imported.has(m.file)).map((m) => m.file)).toEqual([]);
    // What was imported, damaged or not, has its thumbnail (the browser can show it).
    const thumbs = new BetterSqlite3(join(t.projectDir, 'thumbnails', 'thumbnails.db'), { readonly: true });
    const cached = new Set(thumbs.prepare('SELECT hash FROM thumbnails').pluck().all() as string[]);
    thumbs.close();
    expect((db.prepare('SELECT hash FROM images').pluck().all() as string[]).filter((h) => !cached.has(h))).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((await t.client.invoke('project.info', {})).counts.images).toBe(db.prepare('SELECT count(*) FROM images').pluck().get());

    const byKind = (kind: Mutation, set: Set<string> | Map<string, unknown>) => mutants.filter((m) => m.kind === kind && set.has(m.file)).length;
    recordFigures(
      'fuzzed-files',
      {
        files: all.length,
        originals: names.length,
        mutants: MUTANTS,
        dicom: withDicom ? 'pydicom test files' : 'skipped',
        mutantsImported: Object.fromEntries(MUTATIONS.map((k) => [k, byKind(k, imported)])),
        mutantsRefused: Object.fromEntries(MUTATIONS.map((k) => [k, byKind(k, issues)])),
        issueCodes: report.issues.reduce<Record<string, number>>((acc, i) => ({ ...acc, [i.code]: (acc[i.code] ?? 0) + 1 }), {}),
        crashes: job.status === 'completed' ? 0 : 1,
        unaccounted: all.length - imported.size - issues.size,
      },
      Date.now() - started,
    );
  });
});
