import * as tf from '@tensorflow/tfjs';
import type { Backbone } from './types.ts';

/** A tensor on the host, as the weights loader passes it (TF.js layout). */
export interface HostArray {
  shape: number[];
  data: Float32Array;
}

/**
 * The `adapt` callback for loadWeights: lets a backbone convert a checkpoint tensor of another
 * compatible shape (a ViT pos_embed trained at 224 px loaded into a 384 px model).
 */
export function checkpointAdapter(backbone: Backbone) {
  return async (name: string, t: HostArray, expected: number[]): Promise<HostArray | null> => {
    if (!backbone.adaptWeight) return null;
    const input = tf.tensor(t.data, t.shape, 'float32');
    try {
      const out = backbone.adaptWeight(name, input);
      if (!out) return null;
      const result = { shape: [...out.shape], data: (await out.data()) as Float32Array };
      out.dispose();
      return result.shape.length === expected.length && result.shape.every((d, i) => d === expected[i]) ? result : null;
    } finally {
      input.dispose();
    }
  };
}
