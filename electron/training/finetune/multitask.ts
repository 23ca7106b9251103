import * as tf from '@tensorflow/tfjs';

export const ALPHA_SCHEDULES = ['constant', 'linear-decay', 'cosine', 'uncertainty'] as const;
export type AlphaSchedule = (typeof ALPHA_SCHEDULES)[number];

/**
 * α(t) of L = L_main + α(t)·L_aux at `epoch` (0-based) of `epochs`. The decaying schedules let the
 * auxiliary task shape early features and then step aside for the main task.
 */
export function alphaAt(schedule: Exclude<AlphaSchedule, 'uncertainty'>, alpha0: number, epoch: number, epochs: number): number {
  const t = epochs <= 1 ? 0 : Math.min(1, epoch / (epochs - 1));
  if (schedule === 'constant') return alpha0;
  if (schedule === 'linear-decay') return alpha0 * (1 - t);
  return alpha0 * 0.5 * (1 + Math.cos(Math.PI * t));
}

/**
 * Learned uncertainty weighting (Kendall, Gal & Cipolla 2018): L = Σ exp(-s_i)·L_i + s_i with one
 * learned log-variance s_i per task, so a noisy task weighs itself down.
 */
export class UncertaintyWeighting {
  /** [s_main, s_aux], initialised to 0 (both weights 1). */
  readonly logVars: tf.Variable;
  /** logVars as last read (refresh): α is logged from steps' synchronous callbacks. */
  private last: Float32Array = new Float32Array(2);

  constructor(name = 'multitask.log_vars') {
    this.logVars = tf.variable(tf.zeros([2]), true, `${name}#${Math.random().toString(36).slice(2)}`);
  }

  combine(mainLoss: tf.Scalar, auxLoss: tf.Scalar): tf.Scalar {
    return tf.tidy(() => {
      const losses = tf.stack([mainLoss, auxLoss]);
      return tf.sum(tf.add(tf.mul(tf.exp(tf.neg(this.logVars)), losses), this.logVars)) as tf.Scalar;
    });
  }

  /** The auxiliary task's weight relative to the main one, exp(s_main - s_aux): logged as α. */
  alpha(): number {
    return Math.exp(this.last[0] - this.last[1]);
  }

  /** Reads logVars after a step (asynchronously: the webgpu backend cannot read synchronously). */
  async refresh(): Promise<void> {
    this.last = (await this.logVars.data()) as Float32Array;
  }

  dispose(): void {
    this.logVars.dispose();
  }
}
