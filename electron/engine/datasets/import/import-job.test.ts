import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportReport, StartImportArgs } from '../../../../shared/contract/datasets.ts';
import { type TestEngine, createTestEngine, createTestProject } from '../../testing/test-engine.ts';
import { MIXED_BAD, MIXED_GOOD, pattern, rawPng, writeMixedFolder } from '../../../imaging/testing/fixtures.ts';

let t: TestEngine;
afterEach(async () => t?.dispose());

let lastMessage = '';
async function runImport(args: StartImportArgs): Promise<ImportReport> {
  const { jobId } = await t.client.invoke('import.start', args);
  const job = await t.client.invoke('job.wait', { jobId });
  expect(job.status).toBe('completed');
  lastMessage = job.message;
  return t.client.invoke('import.report', { jobId });
}

const db = () => t.engine.ctx.project().db;
const rows = () =>
  db().prepare('SELECT id, path, format, width, height, channels, bit_depth, group_id, duplicate_of, hash, window_center, window_width FROM images ORDER BY id').all() as {
    id: number;
    path: string;
    format: string;
    width: number;
    height: number;
    channels: number;
    bit_depth: number;
    group_id: string | null;
    duplicate_of: number | null;
    hash: string;
    window_center: number | null;
    window_width: number | null;
  }[];
const labelsByFile = () =>
  Object.fromEntries(
    db()
      .prepare(`SELECT i.path, c.name FROM labels l JOIN images i ON i.id = l.image_id JOIN classes c ON c.id = l.class_id JOIN tasks t ON t.id = l.task_id WHERE t.role = 'main'`)
      .all()
      .map((r) => {
        const { path, name } = r as { path: string; name: string };
        return [path.split('/').slice(-2).join('/'), name];
      }),
  );

describe('import of a folder with every kind of file', () => {
  it('imports the images, reports each bad file and the duplicate, and skips everything on a re-run', async () => {
    t = await createTestProject();
    const dir = join(t.tmp, 'mixed');
    await writeMixedFolder(dir);
    const report = await runImport({ paths: [dir] });

    expect(report.files).toBe(MIXED_GOOD.length + 4); // the pipe is not a file
    expect(report.imported).toBe(MIXED_GOOD.length);
    expect(report.skipped).toBe(0);
    const issues = Object.fromEntries(report.issues.map((i) => [i.path.split('/').pop(), i.code]));
    expect(issues).toEqual(MIXED_BAD);
    for (const i of report.issues) expect(i.message).toContain(i.path.split('/').pop());
    expect(report.issues.find((i) => i.code === 'too-large')?.message).toMatch(/60000x60000.*above the limit/);

    const byName = Object.fromEntries(rows().map((r) => [r.path.split('/').pop(), r]));
    expect(Object.keys(byName).sort()).toEqual([...MIXED_GOOD].sort());
    expect(byName['png16.png']).toMatchObject({ format: 'png', width: 300, height: 200, channels: 1, bit_depth: 16 });
    expect(byName['png16.png'].window_center! - byName['png16.png'].window_width! / 2).toBeCloseTo(1000, 0);
    expect(byName['png8-rgb.png']).toMatchObject({ channels: 3, bit_depth: 8, window_center: null });
    expect(byName['png8-grey.png']).toMatchObject({ channels: 1, bit_depth: 8 });
    expect(byName['photo.jpg']).toMatchObject({ format: 'jpeg', width: 120, height: 90 });
    expect(byName['scan.tiff']).toMatchObject({ format: 'tiff', width: 50, height: 70, bit_depth: 8 });
    expect(byName['scan16.tiff']).toMatchObject({ format: 'tiff', width: 60, height: 40, bit_depth: 16 });
    expect(byName['scan16.tiff'].window_center! - byName['scan16.tiff'].window_width! / 2).toBeCloseTo(20000, 0);
    expect(byName['ünïcödé 画像.png']).toMatchObject({ width: 40, height: 40 });

    // The re-encoded copy has other bytes but the same pixels: a duplicate row, reported, not dropped.
    // Whichever of the two got the lower id is the original.
    const [original, copy] = [byName['png8-grey.png'], byName['png8-grey-copy.png']].sort((a, b) => a.id - b.id);
    expect(copy.hash).toBe(original.hash);
    expect(copy.duplicate_of).toBe(original.id);
    expect(original.duplicate_of).toBeNull();
    expect(report.duplicates.exact).toEqual([{ path: copy.path, frame: 0, imageId: copy.id, duplicateOf: { imageId: original.id, path: original.path } }]);
    // The job ends on what the import came to, which the app shows when it finishes.
    const bad = Object.keys(MIXED_BAD).length;
    expect(lastMessage).toBe(`${MIXED_GOOD.length} images imported, 1 exact duplicate, ${bad} files with issues, listed in the import report`);

    const again = await runImport({ paths: [dir] });
    expect(again).toMatchObject({ imported: 0, skipped: MIXED_GOOD.length, duplicates: { exact: [] } });
    expect(lastMessage).toBe(`0 images imported, ${MIXED_GOOD.length} already in the project, ${bad} files with issues, listed in the import report`);
    expect(again.issues.map((i) => i.code).sort()).toEqual(Object.values(MIXED_BAD).sort());
    expect(rows()).toHaveLength(MIXED_GOOD.length);
  });

  it('reports a near-duplicate pair with its distance', async () => {
    t = await createTestProject();
    const dir = join(t.tmp, 'near');
    mkdirSync(dir);
    const px = pattern(96, 96, 1, 2);
    const brighter = px.map((v) => Math.min(255, v + 3));
    writeFileSync(join(dir, 'a.png'), await rawPng(px, 96, 96, 1));
    writeFileSync(join(dir, 'b.png'), await rawPng(brighter, 96, 96, 1));
    writeFileSync(join(dir, 'c.png'), await rawPng(pattern(96, 96, 1, 7), 96, 96, 1));
    const report = await runImport({ paths: [dir] });
    expect(report.imported).toBe(3);
    expect(report.duplicates.exact).toEqual([]);
    expect(report.duplicates.nearTotal).toBe(1);
    const [pair] = report.duplicates.near;
    expect([pair.path, pair.otherPath].map((p) => p.split('/').pop()).sort()).toEqual(['a.png', 'b.png']);
    expect(pair.distance).toBeLessThanOrEqual(report.duplicates.nearThreshold);
  });
});

const DICOM = {
  ct: '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm',
  xa: '/usr/share/doc/libgdcm3.0/examples/00191113.dcm',
};

// Debian's python3-pydicom and libgdcm3.0 ship these files; .ci/run installs both.
describe.skipIf(!existsSync(DICOM.ct) || !existsSync(DICOM.xa))('import of DICOM files', () => {
  it('takes group, modality and window from the tags and imports every frame of a multi-frame file', async () => {
    t = await createTestProject();
    const report = await runImport({ paths: [DICOM.ct, DICOM.xa] });
    expect(report).toMatchObject({ files: 2, imported: 5, issues: [] });
    const all = rows();
    const ct = all.find((r) => r.path === DICOM.ct)!;
    expect(ct).toMatchObject({ format: 'dicom', width: 128, height: 128, group_id: '1CT1', window_center: 136, window_width: 2064 });
    const meta = JSON.parse(db().prepare('SELECT metadata FROM images WHERE id = ?').pluck().get(ct.id) as string);
    expect(meta).toMatchObject({ PatientID: '1CT1', Modality: 'CT', frames: 1 });
    const frames = db().prepare('SELECT frame, modality, width FROM images WHERE path = ? ORDER BY frame').all(DICOM.xa);
    expect(frames).toEqual([0, 1, 2, 3].map((frame) => ({ frame, modality: 'XA', width: 512 })));
    const thumb = await t.engine.ctx.assets.resolve(`thumb/${ct.id}`);
    expect([...thumb.body.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]); // JPEG
  });
});

describe('labels from the import', () => {
  it('takes classes from class folders', async () => {
    t = await createTestProject();
    const dir = join(t.tmp, 'classes');
    for (const [k, cls] of ['cat', 'cat', 'dog', 'bird'].entries()) {
      mkdirSync(join(dir, cls), { recursive: true });
      writeFileSync(join(dir, cls, `${k}.png`), await rawPng(pattern(32, 32, 1, k + 10), 32, 32, 1));
    }
    writeFileSync(join(dir, 'loose.png'), await rawPng(pattern(32, 32, 1, 20), 32, 32, 1));
    const report = await runImport({ paths: [dir], classFolders: true });
    expect(report.imported).toBe(5);
    expect(report.labels.main).toEqual({ bird: 1, cat: 2, dog: 1 });
    expect(report.labels.classesCreated.sort()).toEqual(['bird', 'cat', 'dog']);
    expect(labelsByFile()).toEqual({ 'cat/0.png': 'cat', 'cat/1.png': 'cat', 'dog/2.png': 'dog', 'bird/3.png': 'bird' });
    const events = db().prepare(`SELECT count(*) FROM label_events WHERE source = 'import' AND batch_id LIKE 'import:%'`).pluck().get();
    expect(events).toBe(4);
  });

  it('applies a CSV: labels, groups, aux labels, unknown files, empty labels, files imported before', async () => {
    t = await createTestProject();
    const dir = join(t.tmp, 'csv');
    mkdirSync(join(dir, 'img'), { recursive: true });
    for (let k = 0; k < 4; k++) writeFileSync(join(dir, 'img', `${k}.png`), await rawPng(pattern(32, 32, 1, k + 30), 32, 32, 1));
    // Image 3 is imported first, without labels: the CSV must still label it.
    await runImport({ paths: [join(dir, 'img', '3.png')] });
    writeFileSync(
      join(dir, 'labels.csv'),
      ['path,label,group,aux_label', 'img/0.png,normal,P1,ap', 'img/1.png,effusion,P1,pa', 'img/2.png,,P2,', 'img/3.png,effusion,P3,', 'img/missing.png,normal,P4,'].join('\n'),
    );
    const report = await runImport({ paths: [], csv: join(dir, 'labels.csv') });
    expect(report).toMatchObject({ files: 4, imported: 3, skipped: 1 });
    expect(report.labels.main).toEqual({ normal: 1, effusion: 2 });
    expect(report.labels.aux).toEqual({ ap: 1, pa: 1 });
    expect(report.issues.map((i) => [i.path.split('/').pop(), i.code])).toEqual([
      ['2.png', 'label'],
      ['missing.png', 'not-found'],
    ]);
    expect(report.issues[1].message).toContain('line 6');
    expect(labelsByFile()).toEqual({ 'img/0.png': 'normal', 'img/1.png': 'effusion', 'img/3.png': 'effusion' });
    const groups = Object.fromEntries(rows().map((r) => [r.path.split('/').pop(), r.group_id]));
    expect(groups).toEqual({ '0.png': 'P1', '1.png': 'P1', '2.png': 'P2', '3.png': 'P3' });
  });

  it('labels the existing class when a CSV spells it with other case or spaces, and reads a semicolon CSV', async () => {
    t = await createTestProject();
    await t.client.invoke('labels.addClass', { name: 'normal' });
    const dir = join(t.tmp, 'csv-case');
    mkdirSync(dir, { recursive: true });
    for (let k = 0; k < 3; k++) writeFileSync(join(dir, `${k}.png`), await rawPng(pattern(32, 32, 1, k + 50), 32, 32, 1));
    writeFileSync(join(dir, 'labels.csv'), ['path;label', '0.png;Normal', '1.png;NORMAL ', '2.png;Pleural  effusion'].join('\r\n'));
    const report = await runImport({ paths: [], csv: join(dir, 'labels.csv') });
    expect(report.labels.main).toEqual({ normal: 2, 'Pleural  effusion': 1 });
    const classes = (await t.client.invoke('labels.tasks', {}))[0].classes.map((c) => [c.name, c.count]);
    expect(classes).toEqual([
      ['normal', 2],
      ['Pleural  effusion', 1],
    ]);
  });
});

describe('files that change after their import', () => {
  it('skips a touched file with the same bytes and reports one whose content changed', async () => {
    t = await createTestProject();
    const dir = join(t.tmp, 'changing');
    mkdirSync(dir);
    const a = join(dir, 'a.png');
    const b = join(dir, 'b.png');
    writeFileSync(a, await rawPng(pattern(16, 16, 1, 1), 16, 16, 1));
    writeFileSync(b, await rawPng(pattern(16, 16, 1, 2), 16, 16, 1));
    expect((await runImport({ paths: [dir] })).imported).toBe(2);
    utimesSync(a, new Date(), new Date(Date.now() + 5000));
    writeFileSync(b, await rawPng(pattern(16, 16, 1, 3), 16, 16, 1));
    const again = await runImport({ paths: [dir] });
    expect(again).toMatchObject({ imported: 0, skipped: 1 });
    expect(again.issues).toEqual([{ path: b, code: 'changed', message: expect.stringContaining('content has changed') }]);
    expect(rows()).toHaveLength(2);
  });
});

describe('copy mode and cancel', () => {
  it('copies files into the project under their sha256 and skips them when imported again', async () => {
    t = await createTestProject();
    const dir = join(t.tmp, 'src');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.png'), await rawPng(pattern(32, 32, 1, 40), 32, 32, 1));
    const first = await runImport({ paths: [dir], copy: true });
    expect(first.imported).toBe(1);
    const [row] = rows();
    expect(row.path).toMatch(new RegExp(`^${t.engine.ctx.project().folder('images')}/[0-9a-f]{64}\\.png$`));
    const meta = JSON.parse(db().prepare('SELECT metadata FROM images').pluck().get() as string);
    expect(meta.file.source).toBe(join(dir, 'a.png'));
    expect(await runImport({ paths: [dir], copy: true })).toMatchObject({ imported: 0, skipped: 1 });
  });

  it('keeps what was imported when cancelled, and a re-run completes the rest', async () => {
    t = await createTestProject();
    const dir = join(t.tmp, 'many');
    mkdirSync(dir);
    for (let k = 0; k < 200; k++) writeFileSync(join(dir, `${String(k).padStart(3, '0')}.png`), await rawPng(pattern(48, 48, 1, k + 50), 48, 48, 1));
    const { jobId } = await t.client.invoke('import.start', { paths: [dir] });
    await new Promise<void>((resolve) => {
      const off = t.client.on('job.progress', (p) => {
        if (p.jobId === jobId && p.done >= 5) off(), resolve();
      });
    });
    await t.client.invoke('job.cancel', { jobId });
    const job = await t.client.invoke('job.wait', { jobId });
    expect(job.status).toBe('cancelled');
    const partial = await t.client.invoke('import.report', { jobId });
    const kept = rows().length;
    expect(partial.cancelled).toBe(true);
    expect(partial.imported).toBe(kept);
    expect(kept).toBeGreaterThanOrEqual(5);
    expect(kept).toBeLessThan(200);
    const rest = await runImport({ paths: [dir] });
    expect(rest).toMatchObject({ imported: 200 - kept, skipped: kept });
    expect(rows()).toHaveLength(200);
    expect(new Set(rows().map((r) => r.hash)).size).toBe(200);
  });
});

describe('import.start and import.report at the boundary', () => {
  it('refuses bad arguments at once and keeps reports with the project', async () => {
    t = await createTestProject();
    await expect(t.client.invoke('import.start', { paths: [] })).rejects.toMatchObject({ code: 'validation' });
    await expect(t.client.invoke('import.start', { paths: [], csv: join(t.tmp, 'nope.csv') })).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringContaining('nope.csv'),
    });
    await expect(t.client.invoke('import.report', { jobId: 'no-such-job' })).rejects.toMatchObject({ code: 'not-found' });
    const dir = join(t.tmp, 'one');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.png'), await rawPng(pattern(16, 16, 1, 1), 16, 16, 1));
    const { jobId } = await t.client.invoke('import.start', { paths: [dir] });
    await t.client.invoke('job.wait', { jobId });
    // After closing and reopening, the report comes from the jobs table.
    await t.client.invoke('project.close', {});
    const reopened = createTestEngine();
    try {
      await reopened.client.invoke('project.open', { dir: t.projectDir });
      expect(await reopened.client.invoke('import.report', { jobId })).toMatchObject({ files: 1, imported: 1, cancelled: false });
    } finally {
      await reopened.dispose();
    }
    await expect(t.client.invoke('import.start', { paths: [dir] })).rejects.toMatchObject({ code: 'not-found' });
  });
});
