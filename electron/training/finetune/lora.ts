import * as tf from '@tensorflow/tfjs';
import { unsupported } from '../../../shared/contract/errors.ts';
import type { ParamShapes } from '../backbones/layout.ts';
import type { Backbone } from '../backbones/types.ts';
import { type Extension, denseLast, namedVariable } from './extensions.ts';
import { Rng } from './rng.ts';

export interface LoraOptions {
  rank?: number;
  alpha?: number;
  seed?: number;
}

const TARGETS = ['q', 'v'] as const;

/** Blocks of a ViT (`blocks.0` ... `blocks.N-1`), read from its groups. */
function vitBlocks(backbone: Pick<ParamShapes, 'groups'>): number[] {
  return backbone.groups.flatMap((g) => {
    const m = /^blocks\.(\d+)$/.exec(g);
    return m ? [Number(m[1])] : [];
  });
}

function checkLora(backbone: ParamShapes): void {
  if (backbone.family !== 'vit') {
    throw unsupported(`LoRA adapts attention layers and ${backbone.arch} has none. Choose a ViT backbone, or the adapter, gradual, top or full strategy.`);
  }
}

/** What createLora would add: A [d, r] and B [r, d] for q and v of every block. */
export function loraParamCount(backbone: ParamShapes, opts: LoraOptions = {}): number {
  checkLora(backbone);
  const rank = opts.rank ?? 8;
  return vitBlocks(backbone).reduce((n, i) => n + TARGETS.length * 2 * backbone.shapes.get(`blocks.${i}.attn.qkv.weight`)![0] * rank, 0);
}

/**
 * LoRA (Hu et al. 2021) on the query and value projections of every ViT block: Δ = (α/r)·x·A·B with
 * A random and B zero, so training starts at the pretrained network. Refuses on ResNets, which
 * have no attention projections.
 */
export function createLora(backbone: Backbone, opts: LoraOptions = {}): Extension & { scale: number; rank: number } {
  checkLora(backbone);
  const rank = opts.rank ?? 8;
  const scale = (opts.alpha ?? 32) / rank;
  const rng = new Rng(opts.seed ?? 11);
  const variables = new Map<string, tf.Variable>();
  const blocks = vitBlocks(backbone);
  for (const i of blocks) {
    const d = backbone.variables.get(`blocks.${i}.attn.qkv.weight`)!.shape[0];
    for (const w of TARGETS) {
      variables.set(`lora.blocks.${i}.${w}.A`, namedVariable(`lora.${i}.${w}.A`, tf.tensor(rng.normalArray(d * rank, 1 / Math.sqrt(d)), [d, rank])));
      variables.set(`lora.blocks.${i}.${w}.B`, namedVariable(`lora.${i}.${w}.B`, tf.zeros([rank, d])));
    }
  }
  return {
    kind: 'lora',
    group: 'lora',
    variables,
    rank,
    scale,
    firstGroupIndex: backbone.groups.indexOf(`blocks.${blocks[0]}`),
    hooks: {
      projectionDelta: (block, which, input) => {
        const a = variables.get(`lora.blocks.${block}.${which}.A`);
        if (!a) return null;
        const b = variables.get(`lora.blocks.${block}.${which}.B`)!;
        return tf.mul(denseLast(denseLast(input, a), b), scale);
      },
    },
    dispose: () => variables.forEach((t) => t.dispose()),
  };
}

/**
 * Fold LoRA into the backbone for export: W' = W + (α/r)·A·B in the q and v column slices of each
 * fused qkv weight ([D, 3D], columns q | k | v). Exact up to float rounding; the extension must not
 * be used afterwards.
 */
export function mergeLora(backbone: Backbone, lora: Extension & { scale: number }): void {
  for (const i of vitBlocks(backbone)) {
    const qkv = backbone.variables.get(`blocks.${i}.attn.qkv.weight`)!;
    const merged = tf.tidy(() => {
      const d = qkv.shape[0];
      const delta = (w: 'q' | 'v') =>
        tf.mul(tf.matMul(lora.variables.get(`lora.blocks.${i}.${w}.A`)! as tf.Tensor2D, lora.variables.get(`lora.blocks.${i}.${w}.B`)! as tf.Tensor2D), lora.scale);
      const [q, k, v] = tf.split(qkv, [d, d, d], 1);
      return tf.concat([tf.add(q, delta('q')), k, tf.add(v, delta('v'))], 1);
    });
    qkv.assign(merged);
    merged.dispose();
  }
}
