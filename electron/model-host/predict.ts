import { cancelled } from '../../shared/contract/errors.ts';
import type { HostArgs, HostResult } from '../../shared/contract/model-host.ts';
import { forwardFile } from '../training/backbones/forward-file.ts';
import { selectBackend } from '../training/backends/ladder.ts';
import { predictWithExport } from './export-predict.ts';
import { predictImages } from './inference.ts';
import { RunInference } from './run-inference.ts';
import type { ServiceContext } from './service.ts';

/** A run's checkpoint on the engine's images (onnxruntime by default), in batches, stopping between batches when cancelled. */
export async function predict(args: HostArgs<'predict'>, ctx: ServiceContext<'predict'>): Promise<HostResult<'predict'>> {
  const m = new RunInference(args.model);
  const verb = args.verb ?? 'Predicting';
  try {
    const probs = await predictImages(m, args.images, {
      batchSize: args.batchSize,
      onProgress: (done, total) => ctx.emit({ type: 'work', done, total, message: `${verb} ${done} of ${total} images` }),
      checkCancelled: () => {
        if (ctx.signal.aborted) throw cancelled();
      },
    });
    // No image, no batch: nothing ran, and nothing was chosen.
    const runtime = m.runtime ?? { runtime: 'onnxruntime', threads: null, reason: 'no images to run', fallback: null, conversion: null, maxAbsDiff: null };
    return { probs, runtime };
  } finally {
    await m.dispose();
  }
}

/** A TF.js export on image files (`labeltune predict`). */
export function predictExport(args: HostArgs<'predictExport'>, ctx: ServiceContext<'predictExport'>): Promise<HostResult<'predictExport'>> {
  return predictWithExport(args.dir, args.paths, (done, total) => ctx.emit({ type: 'work', done, total, message: `${done}/${total} images` }));
}

/** A backbone with imported weights on a .npy batch (`labeltune forward`). */
export async function forward(args: HostArgs<'forward'>): Promise<HostResult<'forward'>> {
  const { backend, ...file } = args;
  await selectBackend({ prefer: backend as never, log: () => {} });
  return forwardFile(file);
}
