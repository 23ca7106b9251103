import * as tf from '@tensorflow/tfjs';
import { validation } from '../../../shared/contract/errors.ts';
import type { RunConfig } from '../../../shared/domain/run.ts';
import type { Backbone, ForwardOptions } from '../backbones/types.ts';
import { CHECKPOINT_FORMAT } from '../finetune/checkpoint.ts';
import type { Extension } from '../finetune/extensions.ts';
import { mergeLora } from '../finetune/lora.ts';
import { createStrategy } from '../finetune/strategies.ts';
import { SafetensorsFile } from '../../weights/safetensors.ts';
import { buildBackbone, strategyOptions } from './model.ts';

/** A fine-tuned model ready for inference or export. */
export interface TrainedModel {
  backbone: Backbone;
  /**
   * Adapters stay separate: a bottleneck with a non-linearity cannot be folded into the
   * backbone's weights, so exporters write `adapters.*` tensors and run `forwardOptions`.
   * LoRA is merged exactly into the qkv weights and leaves nothing here.
   */
  adapters: Extension | null;
  forwardOptions: ForwardOptions;
}

/** Load a run's checkpoint into a fresh backbone and merge LoRA, for inference and export. */
export async function loadTrainedModel(file: string, config: RunConfig): Promise<TrainedModel> {
  const backbone = await buildBackbone({ ...config, weights: null });
  const strategy = createStrategy(config.strategy, backbone, strategyOptions(config));
  const ext = strategy.extension;
  const f = await SafetensorsFile.open(file);
  try {
    if (!f.metadata.labeltune?.includes(CHECKPOINT_FORMAT)) throw validation(`${file} is not a LabelTune training checkpoint.`);
    const targets: [string, tf.Variable][] = [
      ...[...backbone.variables].map(([n, v]) => [`model.${n}`, v] as [string, tf.Variable]),
      ...[...(ext?.variables ?? [])].map(([n, v]) => [`ext.${n}`, v] as [string, tf.Variable]),
    ];
    for (const [name, v] of targets) {
      const t = tf.tensor(await f.read(name), v.shape);
      v.assign(t);
      t.dispose();
    }
  } finally {
    await f.close();
  }
  if (ext?.kind === 'lora') {
    mergeLora(backbone, ext as Parameters<typeof mergeLora>[1]);
    ext.dispose();
    return { backbone, adapters: null, forwardOptions: {} };
  }
  return { backbone, adapters: ext, forwardOptions: ext ? { ...ext.hooks } : {} };
}
