import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ImportReport } from '../../../shared/contract/datasets.ts';
import type { JobState } from '../../../shared/domain/job.ts';
import { FakeClient, projectInfo } from '../lib/testing/fake-client.ts';
import ImportView from './ImportView.svelte';

afterEach(cleanup);

const REPORT: ImportReport = {
  files: 4, imported: 3, skipped: 0,
  duplicates: { exact: [], near: [], nearTotal: 0, nearThreshold: 6 },
  labels: { main: { normal: 2, fracture: 1 }, aux: {}, classesCreated: ['normal', 'fracture'] },
  issues: [{ path: '/data/hands/broken.png', code: 'corrupt', message: 'broken.png: the PNG data ends early; export it again.' }],
  cancelled: false, elapsedMs: 1200,
};
const job = (status: JobState['status']): JobState => ({
  id: 'j1', kind: 'import', status, done: 4, total: 4, message: '', startedAt: '', finishedAt: null, result: null, error: null,
});

describe('ImportView', () => {
  it('starts an import with the typed paths and toggles, shows progress, cancels, then the report', async () => {
    const client = new FakeClient({
      'import.start': () => ({ jobId: 'j1' }),
      'job.get': () => job('running'),
      'job.cancel': () => job('running'),
      'import.report': () => REPORT,
    });
    render(ImportView, { client, info: projectInfo(), onError: vi.fn() });
    await fireEvent.input(screen.getByLabelText(/Files and folders/), { target: { value: ' /data/hands \n\n/data/more ' } });
    await fireEvent.click(screen.getByLabelText(/Copy the files/));
    await fireEvent.click(screen.getByRole('button', { name: 'Start import' }));
    await vi.waitFor(() => expect(client.calls.map((c) => c.method)).toEqual(['import.start', 'job.get']));
    expect(client.calls[0].args).toEqual({ paths: ['/data/hands', '/data/more'], csv: undefined, classFolders: true, copy: true, session: expect.stringMatching(/^s-/) });

    client.emit('job.progress', { jobId: 'j1', kind: 'import', done: 2, total: 4, message: 'hand_01.png' });
    await vi.waitFor(() => expect(screen.getByTestId('import-progress').textContent).toContain('2 / 4'));
    expect((screen.getByLabelText('Import progress') as HTMLProgressElement).value).toBe(0.5);
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel import' }));
    expect(client.calls.at(-1)).toEqual({ method: 'job.cancel', args: { jobId: 'j1' } });

    client.emit('job.finished', job('completed'));
    const report = await screen.findByTestId('import-report');
    expect(screen.getByTestId('report-imported').textContent).toBe('3');
    expect(screen.getAllByTestId('import-issue').map((r) => r.textContent)).toEqual([
      '/data/hands/broken.pngcorruptbroken.png: the PNG data ends early; export it again.',
    ]);
    expect(report.textContent).toContain('normal 2, fracture 1');
    expect(screen.queryByTestId('import-progress')).toBeNull();
  });
});

describe('ImportView drop', () => {
  it('adds dropped files by their path in the desktop app, and explains why not in a browser', async () => {
    const onError = vi.fn();
    render(ImportView, { client: new FakeClient({}), info: projectInfo(), onError });
    const form = screen.getByRole('button', { name: 'Start import' }).closest('form')!;
    const files = [new File(['x'], 'a.png'), new File(['y'], 'b.dcm')];
    await fireEvent.drop(form, { dataTransfer: { files } });
    // Not an error: the drop target says what to do instead.
    expect(onError).not.toHaveBeenCalled();
    expect(screen.getByTestId('drop-hint').textContent).toContain(`use "Browse the server's folders…" or paste the folder's path`);
    expect((screen.getByLabelText(/Files and folders/) as HTMLTextAreaElement).value).toBe('');
    vi.stubGlobal('labeltune', { pathForFile: (f: File) => `/scans/${f.name}` });
    window.labeltune = (globalThis as unknown as { labeltune: Window['labeltune'] }).labeltune;
    await fireEvent.drop(form, { dataTransfer: { files } });
    expect((screen.getByLabelText(/Files and folders/) as HTMLTextAreaElement).value).toBe('/scans/a.png\n/scans/b.dcm');
    delete window.labeltune;
    vi.unstubAllGlobals();
  });
});

describe('ImportView folder pickers', () => {
  it("browser mode: browses the server's folders and imports what was chosen", async () => {
    const client = new FakeClient({
      'system.browse': () => ({
        dir: '/srv/xrays', parent: '/srv', home: '/root', otherFiles: 0, hidden: 0, images: [],
        folders: [{ name: 'normal', path: '/srv/xrays/normal', images: 3, folders: 0 }],
      }),
      'import.start': () => ({ jobId: 'j2' }),
      'job.get': () => job('running'),
    });
    render(ImportView, { client, info: projectInfo(), onError: vi.fn(), shell: null });
    expect(screen.getByLabelText(/Files and folders/).previousElementSibling?.textContent).toContain('on the server');
    expect(screen.queryByRole('button', { name: 'Add folder…' })).toBeNull();
    await fireEvent.input(screen.getByLabelText(/Files and folders/), { target: { value: '/srv/other' } });
    await fireEvent.click(screen.getByRole('button', { name: "Browse the server's folders…" }));
    await fireEvent.click(await screen.findByLabelText('Select folder normal'));
    await fireEvent.click(screen.getByRole('button', { name: 'Add 1 selected' }));
    expect(screen.queryByTestId('path-browser')).toBeNull();
    expect((screen.getByLabelText(/Files and folders/) as HTMLTextAreaElement).value).toBe('/srv/other\n/srv/xrays/normal');
    await fireEvent.click(screen.getByRole('button', { name: 'Start import' }));
    await vi.waitFor(() => expect(client.calls.find((c) => c.method === 'import.start')?.args).toMatchObject({ paths: ['/srv/other', '/srv/xrays/normal'] }));
  });

  it('desktop: adds the folder the system dialog picked, once', async () => {
    const shell = { invoke: vi.fn(async () => ({ dir: '/Users/ana/scans' })), on: vi.fn(() => () => {}) };
    render(ImportView, { client: new FakeClient({}), info: projectInfo(), onError: vi.fn(), shell: shell as never });
    expect(screen.queryByRole('button', { name: "Browse the server's folders…" })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Add folder…' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Add folder…' }));
    await vi.waitFor(() => expect(shell.invoke).toHaveBeenCalledTimes(2));
    expect(shell.invoke).toHaveBeenCalledWith('dialog.openFolder', { title: 'Import a folder' });
    await vi.waitFor(() => expect((screen.getByLabelText(/Files and folders/) as HTMLTextAreaElement).value).toBe('/Users/ana/scans'));
  });
});

describe('ImportView CSV column mapping', () => {
  it('reads the CSV header, lets the user map columns, and sends the mapping with the import', async () => {
    const client = new FakeClient({
      'import.inspectCsv': () => ({ columns: ['Accession', 'Finding', 'Scan'], detected: {}, preview: [['A1', 'effusion', 's1.dcm']] }),
      'import.start': () => ({ jobId: 'j9' }),
      'job.get': () => ({ id: 'j9', kind: 'import', status: 'running', done: 0, total: null, message: '', startedAt: '', finishedAt: null, result: null, error: null }),
    });
    render(ImportView, { client, info: projectInfo(), onError: vi.fn() });
    await fireEvent.input(screen.getByLabelText(/Label CSV/), { target: { value: '/data/export.csv' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Map columns…' }));
    await screen.findByTestId('csv-mapping');
    await fireEvent.change(screen.getByTestId('csv-path'), { target: { value: 'Scan' } });
    await fireEvent.change(screen.getByTestId('csv-label'), { target: { value: 'Finding' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Start import' }));
    await vi.waitFor(() => expect(client.calls.some((c) => c.method === 'import.start')).toBe(true));
    expect(client.calls.find((c) => c.method === 'import.start')?.args).toEqual({
      paths: [], csv: '/data/export.csv', csvColumns: { path: 'Scan', label: 'Finding' }, classFolders: true, copy: false, session: expect.stringMatching(/^s-/),
    });
  });
});
