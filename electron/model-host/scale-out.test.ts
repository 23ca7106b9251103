import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../shared/domain/run.ts';
import { jobExport, jobImport } from './scale-out.ts';

// The round trip through train.py (weights, schedule, conversion back) is test/contract/scale-out/.
describe('jobExport and jobImport refuse before writing anything', () => {
  const dirs: string[] = [];
  const scratch = () => {
    const d = mkdtempSync(join(tmpdir(), 'labeltune-job-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const config = (c: Partial<RunConfig>) => ({ backbone: 'resnet18', strategy: 'top', aux: null, classes: ['a', 'b'], imageSize: 32, seed: 1, ...c }) as RunConfig;

  it.each([
    [{ backbone: 'test-tiny-resnet' }, /test-tiny-resnet cannot be sent as a job yet/],
  ] as [Partial<RunConfig>, RegExp][])('refuses %j with a message, leaving the folder empty', async (c, message) => {
    const dir = scratch();
    await expect(jobExport({ config: config(c), dir })).rejects.toMatchObject({ code: 'validation', message: expect.stringMatching(message) });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names the missing checkpoint of an unfinished job and writes no checkpoint', async () => {
    const dir = scratch();
    const outDir = join(dir, 'out');
    const loop = { epoch: 1, bestLoss: 1, bestEpoch: 0, badEpochs: 0 };
    const args = { config: config({}), best: join(dir, 'best.safetensors'), last: join(dir, 'last.safetensors'), bestEpoch: 1, lastEpoch: 1, loop, outDir };
    await expect(jobImport(args)).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('best.safetensors is missing') });
    expect(existsSync(outDir)).toBe(false);
  });
});
