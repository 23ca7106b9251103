import { isBackendRung } from '../../../../shared/contract/system.ts';
import type { ForwardResult } from '../../../../shared/contract/model-host.ts';
import { onHost } from '../../host/host-job.ts';
import { type Command, UsageError, numberOption } from '../command.ts';

const REQUIRED = ['arch', 'weights', 'input', 'logits'] as const;

/**
 * Runs a model on a .npy batch, so users can check imported weights against PyTorch. There is no
 * engine handler for it: the CLI sends it to a model host of its own.
 */
export const forwardCommand: Command = {
  name: 'forward',
  usage: 'forward --arch <timm name> --weights <file.safetensors> --input <x.npy> --logits <out.npy> [--features <out.npy>] [--backend <rung>] [--batch-size N]',
  summary: 'Run a model in eval mode on a float32 NCHW .npy batch ([N, 3, H, W]; square for ViTs) and write logits (and pre-logits features) as .npy.',
  options: {
    arch: { type: 'string' },
    weights: { type: 'string' },
    input: { type: 'string' },
    logits: { type: 'string' },
    features: { type: 'string' },
    backend: { type: 'string' },
    'batch-size': { type: 'string' },
  },
  maxPositionals: 0,
  async run({ values, json, out, err }) {
    const missing = REQUIRED.filter((k) => typeof values[k] !== 'string');
    if (missing.length) throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(', ')}`);
    const backend = values.backend;
    if (backend !== undefined && !isBackendRung(backend)) throw new UsageError(`--backend ${String(backend)} is not a backend (see "labeltune doctor")`);
    const batchSize = numberOption(values, 'batch-size');
    if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) throw new UsageError('--batch-size expects a whole number ≥ 1');
    // The model runs in a model host: TensorFlow never loads in the CLI's own process.
    const args = { arch: values.arch as string, weights: values.weights as string, input: values.input as string, logits: values.logits as string, features: values.features as string | undefined, batchSize, backend };
    const result = await onHost('forward', args, { what: 'forward pass' });
    if (json) err(`backend: ${result.backend}`);
    if (!json) out(formatForward(result));
    return result;
  },
};

export function formatForward(r: ForwardResult): string {
  return [
    `${r.arch} on ${r.backend}: ${r.images} image(s) at ${r.height}×${r.width} px in ${r.seconds.toFixed(2)} s`,
    `  logits    [${r.logits.shape.join(', ')}] -> ${r.logits.path}`,
    ...(r.features ? [`  features  [${r.features.shape.join(', ')}] -> ${r.features.path}`] : []),
    ...(r.load.adapted.length ? [`  adapted   ${r.load.adapted.join(', ')} (resampled to this input size)`] : []),
  ].join('\n');
}
