import { afterEach, describe, expect, it } from 'vitest';
import type { JobProgressEvent } from '../../../shared/contract/jobs.ts';
import { createTestEngine, type TestEngine } from '../testing/test-engine.ts';

let t: TestEngine;
afterEach(() => t?.dispose());

describe('job phases', () => {
  it('sends the first report of every phase, so "all images read" is never shown as the end of the job', async () => {
    t = createTestEngine();
    const progress: JobProgressEvent[] = [];
    t.client.on('job.progress', (p) => progress.push(p));
    const jobId = t.engine.ctx.jobs.start('train', {}, async (job) => {
      job.progress(160, 160, 'Reading images 160/160', 'Reading images');
      // Within the throttle window: still sent, because the phase changed.
      job.progress(0, 40, 'Epoch 1/2 · step 0/20', 'Training');
      job.progress(1, 40, 'Epoch 1/2 · step 1/20', 'Training');
      return null;
    });
    const end = await t.client.invoke('job.wait', { jobId });
    expect(end.phase).toBe('Training');
    expect(progress.map((p) => [p.phase, p.done, p.total])).toEqual([
      ['Reading images', 160, 160],
      ['Training', 0, 40],
    ]);
  });
});
