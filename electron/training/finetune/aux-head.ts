import * as tf from '@tensorflow/tfjs';
import { namedVariable } from './extensions.ts';
import { type AlphaSchedule, UncertaintyWeighting, alphaAt } from './multitask.ts';
import { Rng } from './rng.ts';

export interface AuxTaskConfig {
  numClasses: number;
  multiLabel: boolean;
  schedule: AlphaSchedule;
  /** α0 of the fixed schedules. */
  alpha: number;
}

/**
 * The auxiliary task of multi-task training: a linear head on the pooled pre-logits features and
 * its weight α(t), fixed by schedule or learned (uncertainty weighting).
 */
export class AuxHead {
  readonly variables = new Map<string, tf.Variable>();
  readonly uncertainty: UncertaintyWeighting | null;

  constructor(
    readonly config: AuxTaskConfig,
    featureDim: number,
    seed: number,
  ) {
    const rng = new Rng(seed ^ 0x5eed);
    const w = tf.tensor(rng.normalArray(featureDim * config.numClasses, Math.sqrt(1 / featureDim)), [featureDim, config.numClasses]);
    this.variables.set('aux_head.weight', namedVariable('aux_head.weight', w));
    this.variables.set('aux_head.bias', namedVariable('aux_head.bias', tf.zeros([config.numClasses])));
    this.uncertainty = config.schedule === 'uncertainty' ? new UncertaintyWeighting() : null;
  }

  logits(pooled: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(pooled, this.variables.get('aux_head.weight')! as tf.Tensor2D), this.variables.get('aux_head.bias')!);
  }

  /** Trainable variables by group: the head, and the learned log-variances when used. */
  groups(): Record<string, Map<string, tf.Variable>> {
    const out: Record<string, Map<string, tf.Variable>> = { aux_head: this.variables };
    if (this.uncertainty) out.multitask = new Map([['multitask.log_vars', this.uncertainty.logVars]]);
    return out;
  }

  /** Combined loss L_main + α(t)·L_aux, or the uncertainty-weighted sum. */
  combine(main: tf.Scalar, aux: tf.Scalar, epoch: number, epochs: number): tf.Scalar {
    if (this.uncertainty) return this.uncertainty.combine(main, aux);
    return tf.add(main, tf.mul(aux, this.alpha(epoch, epochs)));
  }

  /** α logged for the epoch (learned: exp(s_main - s_aux)). */
  alpha(epoch: number, epochs: number): number {
    if (this.uncertainty) return this.uncertainty.alpha();
    return alphaAt(this.config.schedule as Exclude<AlphaSchedule, 'uncertainty'>, this.config.alpha, epoch, epochs);
  }

  /** Reads what α depends on after a step (the learned log-variances; nothing for the fixed schedules). */
  async refresh(): Promise<void> {
    await this.uncertainty?.refresh();
  }

  dispose(): void {
    this.variables.forEach((v) => v.dispose());
    this.uncertainty?.dispose();
  }
}
