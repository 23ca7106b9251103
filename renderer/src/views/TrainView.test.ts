import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DoctorReport } from '../../../shared/contract/system.ts';
import type { RunOptions } from '../../../shared/contract/runs.ts';
import type { RunConfig, RunDetail, RunInfo, RunMetricRow, RunPlan } from '../../../shared/domain/run.ts';
import { Navigation } from '../lib/state/navigation.svelte.ts';
import { EngineError } from '../../../shared/contract/errors.ts';
import { FakeClient, projectInfo } from '../lib/testing/fake-client.ts';
import { SHA, finishedJob, weightsEntry } from '../lib/testing/weights-fixtures.ts';
import { charts } from '../lib/testing/fake-uplot.ts';
import TrainView from './TrainView.svelte';

// jsdom has no canvas: the fake records what the charts are given instead of drawing it.
vi.mock('uplot', () => import('../lib/testing/fake-uplot.ts'));

afterEach(cleanup);

let planCount = 0;
function plan(o: RunOptions): RunPlan {
  planCount++;
  const strategy = o.strategy === 'auto' || !o.strategy ? 'top' : o.strategy;
  return {
    strategy, reason: `${strategy}: 24 training images are few, so only the head trains.`, trainableParams: 1026, totalParams: 11_177_538,
    trainableShare: 1026 / 11_177_538, trainableGroups: ['head'], lr: 0.001, lrNote: 'Adam default for a fresh head', learningRates: { head: 0.001 },
    trainImages: 24, valImages: 8, classCounts: { normal: 12, opacity: 12 },
    estimate: { seconds: 40, rung: 'wasm', source: 'gflops', text: 'about 40 s on wasm (a rough estimate from the model\'s GFLOPs)', memory: { peakMb: 700, budgetMb: 3500, text: 'about 0.7 GB at batch 16 of the 3.5 GB wasm can use' } },
    config: { epochs: o.epochs ?? 10, imageSize: o.imageSize ?? 224, batchSize: 8, seed: 1234 } as RunPlan['config'],
    planId: `plan-${planCount}`,
  };
}

const doctor = { chosen: 'wasm', override: null, rungs: [{ rung: 'tfjs-node', ok: false, reason: '@tensorflow/tfjs-node is not installed.' }], warnings: [] } as unknown as DoctorReport;

describe('TrainView', () => {
  it('shows the plan for the chosen options, re-plans when they change, and starts the run with them', async () => {
    const client = new FakeClient({
      'runs.plan': plan,
      'runs.list': () => [],
      'weights.list': () => [],
      'system.doctor': () => doctor,
      'runs.start': () => ({ runId: 3, jobId: 'j3' }),
    });
    render(TrainView, { client, info: projectInfo(), onError: (e) => { throw e; } });

    await vi.waitFor(() => expect(screen.getByTestId('plan-strategy').textContent).toBe('top'));
    expect(screen.getByTestId('plan-reason').textContent).toContain('24 training images are few');
    expect(screen.getByTestId('plan-trainable').textContent).toContain('1,026 of 11,177,538 parameters (0.01%)');
    expect(screen.getByTestId('backend-badge').textContent).toContain('Training runs on the CPU (wasm)');

    await fireEvent.click(screen.getByLabelText(/^gradual:/));
    await fireEvent.input(screen.getByLabelText('Epochs'), { target: { value: '2' } });
    await fireEvent.input(screen.getByLabelText('Image size (px)'), { target: { value: '32' } });
    await vi.waitFor(() => expect(screen.getByTestId('plan-strategy').textContent).toBe('gradual'));
    const plans = client.calls.filter((c) => c.method === 'runs.plan');
    expect(plans.at(-1)?.args).toEqual({ backbone: 'resnet18', strategy: 'gradual', epochs: 2, imageSize: 32, augment: true, horizontalFlip: false });

    await fireEvent.click(screen.getByRole('button', { name: 'Fine-tune' }));
    await vi.waitFor(() => expect(screen.getByTestId('run-monitor')).toBeTruthy());
    // The run trains the plan shown, the last one the engine answered, by its id.
    expect(client.calls.find((c) => c.method === 'runs.start')?.args).toEqual({ planId: `plan-${planCount}` });

    client.emit('run.progress', {
      runId: 3, jobId: 'j3', phase: 'training', epoch: 1, epochs: 2, step: 3, steps: 6, loss: 0.69,
      learningRates: { head: 0.001 }, alpha: null, imagesPerSec: 41.5, etaSeconds: 20, metrics: null, backend: 'cpu',
    });
    await vi.waitFor(() => expect(screen.getByTestId('run-epoch').textContent).toBe('1 / 2'));
    expect(screen.getByText('41.5')).toBeTruthy();
    expect(screen.getByTestId('backend-badge').textContent).toContain('(cpu)');
    // The loss chart got the step's loss at x = 0.5 epochs.
    await vi.waitFor(() => expect(charts.some((c) => JSON.stringify(c.data) === JSON.stringify([[0.5], [0.69], [null], [null]]))).toBe(true));
    expect((screen.getByRole('button', { name: 'Fine-tune' }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('TrainView: pretrained weights', () => {
  const SCRATCH = `No pretrained weights: every layer trains from random initialisation. Expect far lower accuracy than fine-tuning; download or import the backbone's pretrained weights to fix that.`;
  // Like the engine: auto without weights trains from scratch and says so; with them, fine-tunes.
  const weightsPlan = (o: RunOptions): RunPlan => {
    const p = plan(o);
    const pretrained = o.pretrained === true;
    return { ...p, strategy: pretrained ? 'top' : 'full', reason: pretrained ? 'top: few images, pretrained body.' : SCRATCH, config: { ...p.config, pretrained } };
  };

  function setup(entries = [weightsEntry('resnet18'), weightsEntry('resnet50', { cached: true, sha256: SHA, size: 102_000_000, source: 'download' })]) {
    let list = entries;
    const client = new FakeClient({
      'runs.plan': weightsPlan,
      'runs.list': () => [],
      'weights.list': () => list,
      'system.doctor': () => doctor,
      'weights.download': () => ({ jobId: 'w1' }),
      'job.get': ({ jobId }) => finishedJob(jobId, { status: 'running', finishedAt: null }),
      'weights.import': ({ arch, path }) => {
        if (!path.endsWith('.safetensors')) throw new EngineError('validation', `${path} does not look like ${arch} weights (it has no "conv1.weight" tensor). Choose the architecture the file was saved from.`);
        list = list.map((e) => (e.arch === arch ? { ...e, cached: true, sha256: SHA, size: 22_405_434, source: 'import' } : e));
        return { ...list.find((e) => e.arch === arch)!, matchesCatalog: null };
      },
    });
    render(TrainView, { client, info: projectInfo(), onError: (e) => { throw e; } });
    return client;
  }
  const lastPlanArgs = (client: FakeClient) => client.calls.filter((c) => c.method === 'runs.plan').at(-1)?.args as RunOptions;
  const pretrainedBox = () => screen.getByLabelText(/Start from pretrained weights/) as HTMLInputElement;

  it('without weights: warns with the engine\'s from-scratch sentence, downloads with bytes and percent, then plans pretrained', async () => {
    const client = setup();
    await vi.waitFor(() => expect(screen.getByTestId('weights-warning').textContent).toBe(SCRATCH));
    expect(pretrainedBox().checked).toBe(false);
    expect(pretrainedBox().disabled).toBe(true);
    await vi.waitFor(() => expect(lastPlanArgs(client)).toBeDefined());
    expect(lastPlanArgs(client).pretrained).toBeUndefined();

    await fireEvent.click(screen.getByRole('button', { name: 'Download weights' }));
    await vi.waitFor(() => expect(screen.getByTestId('weights-progress')).toBeTruthy());
    client.emit('job.progress', { jobId: 'w1', kind: 'weights.download', done: 11_202_717, total: 22_405_434, message: 'Downloading' });
    await vi.waitFor(() => expect(screen.getByTestId('weights-bytes').textContent).toBe('11.2 MB of 22.4 MB (50%)'));
    const result = { ...weightsEntry('resnet18', { cached: true, sha256: SHA, size: 22_405_434, source: 'download' }), alreadyCached: false, resumed: false };
    client.emit('job.finished', finishedJob('w1', { result }));

    await vi.waitFor(() => expect(screen.getByTestId('weights-present').textContent).toContain('22.4 MB · downloaded · sha256 ab12cd34ef56… recorded'));
    expect(screen.queryByTestId('weights-warning')).toBeNull();
    expect(screen.getByTestId('weights-outcome').textContent).toBe('Downloaded resnet18 weights (22.4 MB, sha256 ab12cd34ef56…).');
    expect(pretrainedBox().checked).toBe(true);
    await vi.waitFor(() => expect(lastPlanArgs(client).pretrained).toBe(true));
    await vi.waitFor(() => expect(screen.getByTestId('plan-reason').textContent).toBe('top: few images, pretrained body.'));
  });

  it('selects pretrained by default for a backbone whose weights are present, and offers no download for it', async () => {
    const client = setup();
    await vi.waitFor(() => expect(screen.getByTestId('weights-warning')).toBeTruthy());
    await fireEvent.click(screen.getByRole('radio', { name: /resnet50/ }));
    await vi.waitFor(() => expect(pretrainedBox().checked).toBe(true));
    expect(screen.getByTestId('weights-present').textContent).toContain('102.0 MB · downloaded');
    expect(screen.queryByRole('button', { name: 'Download weights' })).toBeNull();
    await vi.waitFor(() => expect(lastPlanArgs(client)).toMatchObject({ backbone: 'resnet50', pretrained: true }));
  });

  it('imports a file by path: shows the engine\'s error next to the field, then the result, and the weights are present', async () => {
    const client = setup();
    await vi.waitFor(() => expect(screen.getByRole('button', { name: 'Import file…' })).toBeTruthy());
    await fireEvent.click(screen.getByRole('button', { name: 'Import file…' }));
    const field = screen.getByLabelText(/Weights file for resnet18/);
    await fireEvent.input(field, { target: { value: '/media/usb/resnet18.bin' } });
    // Enter imports; it must not submit the Train form.
    await fireEvent.keyDown(field, { key: 'Enter' });
    await vi.waitFor(() => expect(screen.getByTestId('weights-outcome').textContent).toBe('/media/usb/resnet18.bin does not look like resnet18 weights (it has no "conv1.weight" tensor). Choose the architecture the file was saved from.'));
    expect(client.calls.some((c) => c.method === 'runs.start')).toBe(false);

    await fireEvent.input(field, { target: { value: '/media/usb/resnet18.safetensors' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await vi.waitFor(() => expect(screen.getByTestId('weights-outcome').textContent).toBe('Imported /media/usb/resnet18.safetensors as resnet18 weights (22.4 MB, sha256 ab12cd34ef56… (the catalog pins none to compare)).'));
    expect(client.calls.filter((c) => c.method === 'weights.import').map((c) => c.args)).toEqual([
      { arch: 'resnet18', path: '/media/usb/resnet18.bin' },
      { arch: 'resnet18', path: '/media/usb/resnet18.safetensors' },
    ]);
    expect(screen.getByTestId('weights-present').textContent).toContain('imported');
    expect(screen.queryByLabelText(/Weights file for resnet18/)).toBeNull();
    await vi.waitFor(() => expect(pretrainedBox().checked).toBe(true));
  });
});

describe('TrainView: Train elsewhere…', () => {
  it('writes the planned run as a job folder at a typed path, shows the commands, and imports the finished folder as a run', async () => {
    const runs: RunInfo[] = [];
    const client = new FakeClient({
      'runs.plan': plan,
      'runs.list': () => [...runs],
      'weights.list': () => [],
      'system.doctor': () => doctor,
      'runs.exportJob': () => ({ jobId: 'export-1' }),
      'runs.importJob': () => {
        runs.push({ id: 7, status: 'completed', backend: 'pytorch' } as RunInfo);
        return { jobId: 'import-1' };
      },
      'job.wait': ({ jobId }) =>
        jobId === 'export-1'
          ? finishedJob(jobId, { kind: 'job-export', result: { dir: '/srv/jobs/chest', files: ['train.py'], trainImages: 24, valImages: 8, commands: ['cd /srv/jobs/chest', 'torchrun --standalone --nproc_per_node 4 train.py'] } })
          : finishedJob(jobId, { kind: 'job-import', result: { runId: 7 } }),
    });
    render(TrainView, { client, info: projectInfo(), onError: (e) => { throw e; } });
    await vi.waitFor(() => expect(screen.getByTestId('plan-strategy').textContent).toBe('top'));

    const write = screen.getByRole('button', { name: 'Write the job folder' }) as HTMLButtonElement;
    expect(write.disabled).toBe(true); // no folder yet; browser mode has no dialog, so the path is typed
    expect(screen.queryByRole('button', { name: 'Browse…' })).toBeNull();
    await fireEvent.input(screen.getByLabelText('Job folder (new or empty)'), { target: { value: '/srv/jobs/chest' } });
    await fireEvent.click(write);
    await vi.waitFor(() => expect(screen.getByTestId('job-commands').textContent).toContain('torchrun --standalone --nproc_per_node 4 train.py'));
    expect(screen.getByTestId('job-written').textContent).toContain('24 train and 8 validation images');
    const lastPlan = client.calls.filter((c) => c.method === 'runs.plan').at(-1)?.args;
    expect(client.calls.find((c) => c.method === 'runs.exportJob')?.args).toEqual({ options: lastPlan, dir: '/srv/jobs/chest', copy: false });

    // The folder just written is offered for import.
    expect((screen.getByLabelText('Finished job folder') as HTMLInputElement).value).toBe('/srv/jobs/chest');
    const listsBefore = client.calls.filter((c) => c.method === 'runs.list').length;
    await fireEvent.click(screen.getByRole('button', { name: 'Import the finished job' }));
    await vi.waitFor(() => expect(screen.getByTestId('job-imported').textContent).toContain('Imported as run 7'));
    expect(client.calls.find((c) => c.method === 'runs.importJob')?.args).toEqual({ dir: '/srv/jobs/chest' });
    await vi.waitFor(() => expect(client.calls.filter((c) => c.method === 'runs.list').length).toBeGreaterThan(listsBefore));
  });

  it('a failed import reports the engine\'s message and shows no run', async () => {
    const errors: unknown[] = [];
    const client = new FakeClient({
      'runs.plan': plan,
      'runs.list': () => [],
      'weights.list': () => [],
      'system.doctor': () => doctor,
      'runs.importJob': () => ({ jobId: 'import-2' }),
      'job.wait': ({ jobId }) => finishedJob(jobId, { status: 'failed', error: { code: 'validation', message: '/srv/jobs/x/output/result.json is missing' } }),
    });
    render(TrainView, { client, info: projectInfo(), onError: (e) => errors.push(e) });
    await fireEvent.input(screen.getByLabelText('Finished job folder'), { target: { value: '/srv/jobs/x' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Import the finished job' }));
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect((errors[0] as Error).message).toContain('result.json is missing');
    expect(screen.queryByTestId('job-imported')).toBeNull();
  });
});

describe('TrainView after a reload', () => {
  const config = {
    backbone: 'resnet50', pretrained: false, strategy: 'gradual', epochs: 6, imageSize: 64, lr: 0.003, lrSearch: null, batchSize: 16,
    augment: false, horizontalFlip: true, aux: null,
  } as unknown as RunConfig;
  const row = (epoch: number, trainLoss: number, valLoss: number): RunMetricRow => ({
    epoch, trainLoss, valLoss, valAccuracy: 0.6, valAuc: 0.7, alpha: null, imagesPerSec: 30, learningRates: { head: 0.003 }, extra: {}, at: '',
  });
  const step = (x: number, loss: number) => ({ x, loss, learningRates: { head: 0.003 }, alpha: null });
  const info = (over: Partial<RunInfo>) => ({ id: 5, name: 'r', status: 'running', backbone: 'resnet50', strategy: 'gradual', config, backend: 'cpu', summary: null, error: null, jobId: 'j5', ...over }) as RunInfo;

  function reload(runs: RunInfo[], hash: string) {
    const urls: string[] = [];
    const nav = new Navigation({ location: { hash, pathname: '/', search: '' }, history: { replaceState: (_d, _u, url) => void urls.push(url) } });
    const client = new FakeClient({
      'runs.plan': plan,
      'runs.list': () => runs,
      'runs.get': ({ runId }) => ({ ...runs.find((r) => r.id === runId)!, metrics: [row(1, 0.75, 0.85)], checkpoints: [], steps: [step(0.5, 0.9), step(1, 0.8), step(1.5, 0.7)] }) as RunDetail,
      'weights.list': () => [],
      'system.doctor': () => doctor,
    });
    charts.length = 0;
    render(TrainView, { client, info: projectInfo(), onError: (e) => { throw e; }, nav });
    return { client, urls };
  }
  const lossChart = () => charts.map((c) => c.data).find((d) => d.length === 4 && (d[1] as unknown[]).length === 3);

  it('follows the run under way: its settings in the form, its stored epochs and steps in the loss chart', async () => {
    // The app has written the open project into the hash; the run followed joins it.
    const { client, urls } = reload([info({ status: 'running' })], `#project=${encodeURIComponent('/data/chest-xray')}`);
    await vi.waitFor(() => expect(screen.getByTestId('run-status').textContent).toBe('running'));
    expect(screen.getByRole('heading', { name: /Run #5/ })).toBeTruthy();
    await vi.waitFor(() => expect((screen.getByLabelText('Epochs') as HTMLInputElement).value).toBe('6'));
    expect((screen.getByLabelText('Image size (px)') as HTMLInputElement).value).toBe('64');
    expect((screen.getByLabelText(/^gradual:/) as HTMLInputElement).checked).toBe(true);
    await vi.waitFor(() => expect(client.calls.filter((c) => c.method === 'runs.plan').at(-1)?.args).toEqual({
      backbone: 'resnet50', strategy: 'gradual', epochs: 6, imageSize: 64, lr: 0.003, batchSize: 16, augment: false, horizontalFlip: true,
    }));
    await vi.waitFor(() => expect(lossChart()).toEqual([[0.5, 1, 1.5], [0.9, 0.8, 0.7], [null, 0.75, null], [null, 0.85, null]]));
    expect(urls.at(-1)).toBe(`/#project=${encodeURIComponent('/data/chest-xray')}&run=5`);
    // No progress event yet: the badge names the backend the run reported, not the one the doctor would pick (wasm).
    await vi.waitFor(() => expect(screen.getByTestId('backend-badge').textContent).toContain('cpu'));
  });

  it('follows the finished run the window showed before the reload, and only in its own project', async () => {
    const done = info({ id: 3, status: 'completed', jobId: null });
    reload([done], `#project=${encodeURIComponent('/data/chest-xray')}&view=train&run=3`);
    await vi.waitFor(() => expect(screen.getByTestId('run-status').textContent).toBe('completed'));
    expect(screen.getByRole('heading', { name: /Run #3/ })).toBeTruthy();
    await vi.waitFor(() => expect((screen.getByLabelText('Epochs') as HTMLInputElement).value).toBe('6'));
    await vi.waitFor(() => expect(lossChart()?.[0]).toEqual([0.5, 1, 1.5]));
    cleanup();

    const other = reload([done], `#project=${encodeURIComponent('/data/other')}&view=train&run=3`);
    await vi.waitFor(() => expect(other.client.calls.some((c) => c.method === 'runs.plan')).toBe(true));
    expect(screen.queryByTestId('run-monitor')).toBeNull();
    expect((screen.getByLabelText('Epochs') as HTMLInputElement).value).toBe('10');
    expect(other.client.calls.some((c) => c.method === 'runs.get')).toBe(false);
  });
});
