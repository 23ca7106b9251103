import { describe, expect, it, vi } from 'vitest';
import { EngineError } from '../../../../shared/contract/errors.ts';
import type { WeightsDownloadResult } from '../../../../shared/contract/weights.ts';
import type { JobState } from '../../../../shared/domain/job.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { SHA, finishedJob, weightsEntry } from '../testing/weights-fixtures.ts';
import { WeightsState } from './weights.svelte.ts';

const running = (id: string, done = 0, total: number | null = null): JobState => finishedJob(id, { status: 'running', done, total, finishedAt: null });

function setup(answers: ConstructorParameters<typeof FakeClient>[0] = {}) {
  const errors: unknown[] = [];
  const client = new FakeClient({
    'weights.list': () => [weightsEntry('resnet18'), weightsEntry('vit_tiny_patch16_224')],
    'weights.download': () => ({ jobId: 'j1' }),
    'job.get': ({ jobId }) => running(jobId),
    ...answers,
  });
  const state = new WeightsState(client, (e) => errors.push(e));
  return { client, state, errors, stop: state.start() };
}

describe('WeightsState', () => {
  it('downloads as a job: bytes from progress events, then the entry is cached with its sha256', async () => {
    const { client, state, stop } = setup();
    await state.load();
    await state.download('resnet18');
    expect(client.calls.find((c) => c.method === 'weights.download')?.args).toEqual({ arch: 'resnet18' });
    expect(state.downloads.resnet18).toEqual({ jobId: 'j1', done: 0, total: null });
    client.emit('job.progress', { jobId: 'j1', kind: 'weights.download', done: 5_000_000, total: 22_405_434, message: '' });
    client.emit('job.progress', { jobId: 'other', kind: 'import', done: 7, total: 9, message: '' });
    expect(state.downloads.resnet18).toEqual({ jobId: 'j1', done: 5_000_000, total: 22_405_434 });
    const result: WeightsDownloadResult = {
      ...weightsEntry('resnet18', { cached: true, sha256: SHA, size: 22_405_434, source: 'download', path: '/home/w/model.safetensors' }),
      alreadyCached: false,
      resumed: true,
    };
    client.emit('job.finished', finishedJob('j1', { result }));
    expect(state.downloads.resnet18).toBeUndefined();
    expect(state.entry('resnet18')).toEqual(weightsEntry('resnet18', { cached: true, sha256: SHA, size: 22_405_434, source: 'download', path: '/home/w/model.safetensors' }));
    expect(state.outcomes.resnet18).toEqual({ kind: 'ok', message: 'Downloaded resnet18 weights (22.4 MB, sha256 ab12cd34ef56…, resumed an interrupted download).', resumable: false });
    stop();
  });

  it('keeps a damaged download (sha256) as a non-resumable error, a broken connection as resumable', async () => {
    const { client, state, stop } = setup();
    await state.load();
    await state.download('resnet18');
    const damaged = 'The download of timm/resnet18.a1_in1k/model.safetensors is damaged: its sha256 is 1…, expected f… (from the catalog). The file was removed; download it again.';
    client.emit('job.finished', finishedJob('j1', { status: 'failed', error: { code: 'validation', message: damaged } }));
    expect(state.outcomes.resnet18).toEqual({ kind: 'error', message: damaged, resumable: false });
    expect(state.entry('resnet18')?.cached).toBe(false);

    await state.download('resnet18');
    expect(state.outcomes.resnet18).toBeUndefined();
    client.emit('job.finished', finishedJob('j1', { status: 'failed', error: { code: 'internal', message: 'kept breaking off' } }));
    expect(state.outcomes.resnet18).toEqual({ kind: 'error', message: 'kept breaking off', resumable: true });
    stop();
  });

  it('cancels through job.cancel; the cancelled job offers to resume', async () => {
    const { client, state, stop } = setup({ 'job.cancel': ({ jobId }) => running(jobId, 10, 100) });
    await state.load();
    await state.download('vit_tiny_patch16_224');
    await state.cancel('vit_tiny_patch16_224');
    expect(client.calls.find((c) => c.method === 'job.cancel')?.args).toEqual({ jobId: 'j1' });
    // Still running until the engine says it stopped.
    expect(state.downloads.vit_tiny_patch16_224?.jobId).toBe('j1');
    client.emit('job.finished', finishedJob('j1', { status: 'cancelled', error: { code: 'cancelled', message: 'cancelled' } }));
    expect(state.downloads.vit_tiny_patch16_224).toBeUndefined();
    expect(state.outcomes.vit_tiny_patch16_224).toEqual({ kind: 'warn', message: 'Download cancelled. Resume continues where it stopped.', resumable: true });
    stop();
  });

  it('follows a download that was already running when the view opened', async () => {
    const { state, stop } = setup({
      'weights.list': () => [weightsEntry('resnet18', { downloadJob: 'j7' })],
      'job.get': ({ jobId }) => running(jobId, 3_000_000, 22_405_434),
    });
    await vi.waitFor(() => expect(state.downloads.resnet18).toEqual({ jobId: 'j7', done: 3_000_000, total: 22_405_434 }));
    stop();
  });

  it('imports a file: the entry becomes present and the result says what was checked; errors stay next to the field', async () => {
    const { client, state, errors, stop } = setup({
      'weights.import': ({ arch, path }) => {
        if (path.endsWith('.txt')) throw new EngineError('validation', `${path} is not a safetensors file (header length 0).`);
        return { ...weightsEntry(arch, { cached: true, sha256: SHA, size: 11_063_968, source: 'import' }), matchesCatalog: null };
      },
    });
    await state.load();
    expect(await state.importFile('vit_tiny_patch16_224', '/media/usb/notes.txt')).toBe(false);
    expect(state.outcomes.vit_tiny_patch16_224).toEqual({ kind: 'error', message: '/media/usb/notes.txt is not a safetensors file (header length 0).', resumable: false });
    expect(await state.importFile('vit_tiny_patch16_224', '/media/usb/vit.safetensors')).toBe(true);
    expect(client.calls.filter((c) => c.method === 'weights.import').at(-1)?.args).toEqual({ arch: 'vit_tiny_patch16_224', path: '/media/usb/vit.safetensors' });
    expect(state.entry('vit_tiny_patch16_224')).toMatchObject({ cached: true, source: 'import', size: 11_063_968 });
    expect(state.outcomes.vit_tiny_patch16_224).toEqual({
      kind: 'ok',
      message: 'Imported /media/usb/vit.safetensors as vit_tiny_patch16_224 weights (11.1 MB, sha256 ab12cd34ef56… (the catalog pins none to compare)).',
      resumable: false,
    });
    expect(state.importing).toBeNull();
    expect(errors).toEqual([]);
    stop();
  });
});
