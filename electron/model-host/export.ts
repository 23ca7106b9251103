import { cancelled } from '../../shared/contract/errors.ts';
import type { HostArgs, HostResult } from '../../shared/contract/model-host.ts';
import { selectBackend } from '../training/backends/ladder.ts';
import { adapterWeights } from '../training/export/adapters.ts';
import { withHostWeights } from '../training/export/host-weights.ts';
import { describePreprocessing } from '../training/preprocess/preprocess.ts';
import { preprocessFor } from '../training/trainer/model.ts';
import { loadTrainedModel } from '../training/trainer/trained-model.ts';
import { WRITERS, parityCheck } from './export-formats.ts';
import { heldOutImages } from './held-out.ts';
import type { ServiceContext } from './service.ts';

/**
 * Write a run's checkpoint in one format (LoRA merged; adapters written as ops) and check the
 * written model against the in-app one on held-out images. The engine owns the folder, the model
 * card and the record.
 */
export async function exportModel(args: HostArgs<'export'>, ctx: ServiceContext<'export'>): Promise<HostResult<'export'>> {
  const { config, checkpoint } = args.model;
  const backend = await selectBackend({ prefer: (config.backend ?? undefined) as never, log: () => {} });
  const trained = await loadTrainedModel(checkpoint, config);
  try {
    const pre = preprocessFor(config);
    if (ctx.signal.aborted) throw cancelled();
    ctx.emit({ type: 'work', done: 1, total: 5, message: `Writing ${args.format}` });
    const adapters = trained.adapters ? await adapterWeights(trained.adapters) : undefined;
    const written = await withHostWeights(trained.backbone, () => WRITERS[args.format](trained.backbone, args.dir, args.meta, adapters));
    ctx.emit({ type: 'work', done: 2, total: 5, message: 'Checking parity on held-out images' });
    const held = await heldOutImages(args.heldOut, pre, args.heldOutLimit);
    const parity = await parityCheck(trained.backbone, held, written, trained.forwardOptions);
    return { files: written.files, runtime: written.runtime, loading: written.loading, parity, backend: backend.backend, preprocessing: describePreprocessing(pre) };
  } finally {
    trained.backbone.dispose();
    trained.adapters?.dispose();
  }
}
