import { afterEach, describe, expect, it } from 'vitest';
import type { EngineError } from '../../shared/contract/errors.ts';
import { readable } from './argument-errors.ts';
import { type TestEngine, createTestEngine } from './testing/test-engine.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

/** What the user reads when a real handler rejects `args`, plus the error's details. */
async function rejection(method: string, args: unknown): Promise<EngineError> {
  t ??= createTestEngine();
  const e = (await t.client.invoke(method as never, args as never).then(
    () => null,
    (err: unknown) => err,
  )) as EngineError | null;
  if (e === null) throw new Error(`${method} accepted ${JSON.stringify(args)}`);
  expect(e.code).toBe('validation');
  return e;
}

describe('argument errors read as sentences about the field the user knows', () => {
  it.each([
    ['runs.plan', { backbone: 'resnet18', epochs: 0 }, 'Epochs must be at least 1 (you entered 0).'],
    ['runs.plan', { backbone: 'resnet18', epochs: 20_000 }, 'Epochs must be at most 10000 (you entered 20000).'],
    ['runs.plan', { backbone: 'resnet18', imageSize: 224.5 }, 'Image size must be a whole number between 16 and 1024 (you entered 224.5).'],
    ['runs.plan', { backbone: 'resnet18', imageSize: 'big' }, 'Image size must be a whole number between 16 and 1024 (you entered "big").'],
    ['runs.plan', { backbone: 'resnet18', lr: 0 }, 'Learning rate must be greater than 0 (you entered 0).'],
    ['runs.plan', { backbone: 'resnet18', batchSize: 8, labelSmoothing: 0.9 }, 'Label smoothing must be at most 0.5 (you entered 0.9).'],
    ['runs.plan', { backbone: 'resnet18', resize: 'zoom' }, 'Resize must be one of "crop", "pad" (you entered "zoom").'],
    ['runs.plan', { backbone: ' ' }, 'Backbone must not be empty.'],
    ['runs.plan', {}, 'Backbone is required.'],
    ['runs.plan', { backbone: 'resnet18', augment: 'yes' }, 'Augment must be true or false (you entered "yes").'],
    ['runs.plan', { backbone: 'resnet18', weights: 'w.safetensors', pretrained: true }, 'Give either weights (a file) or pretrained, not both.'],
    ['project.create', { dir: 42 }, 'Project folder must be text (you entered 42).'],
    ['project.create', { dir: '' }, 'Project folder must not be empty.'],
    ['project.info', { extra: 1 }, '"extra" is not a setting this action accepts: remove it.'],
  ])('%s %j', async (method, args, expected) => {
    const e = await rejection(method, args);
    expect(e.message).toBe(expected);
    // The method belongs in the details (and the log), not in what the user reads.
    expect(e.message).not.toContain(method);
    expect(e.details).toMatchObject({ method });
  });

  it('says every problem, one sentence each', async () => {
    const e = await rejection('runs.plan', { backbone: 'resnet18', epochs: 0, batchSize: -2 });
    expect(e.message).toBe('Epochs must be at least 1 (you entered 0). Batch size must be at least 1 (you entered -2).');
  });

  it('names unknown fields readably', () => {
    expect(readable('unfreezeShare')).toBe('Unfreeze share');
    expect(readable('group_id')).toBe('Group id');
  });
});
