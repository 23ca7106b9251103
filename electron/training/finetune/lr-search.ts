import * as tf from '@tensorflow/tfjs';
import type { LrFindPoint, LrSearch } from '../../../shared/domain/run.ts';
import type { FineTuner } from './loop.ts';
import { lrFind } from './lr-find.ts';

/** What the automatic range test found and which head rate the run then used. */
export interface LrSearchResult {
  /** The range test's suggestion (a tenth of the rate at the lowest smoothed loss). */
  suggestion: number;
  /** The head rate the run trains at: the suggestion kept within the plan's band. */
  used: number;
  curve: LrFindPoint[];
}

/**
 * Run the plan's LR range test on the tuner, then put every weight, BatchNorm statistic and
 * optimizer moment back as it was, and scale all groups' rates so the head's is the suggestion
 * kept within [low, high] (the layer-decay ratios stay). Snapshots go to the JS heap, not the
 * backend's memory, so the test costs no training memory.
 */
export async function searchLr(t: FineTuner, search: LrSearch, beforeStep?: () => Promise<void>, onStep?: (step: number, point: LrFindPoint) => void): Promise<LrSearchResult> {
  const variables = t.allVariables();
  const saved = await Promise.all(variables.map(async (v) => ({ v, data: await v.data() })));
  const head = Math.max(...Object.values(t.params.baseLrs));
  let result: { curve: LrFindPoint[]; suggestion: number };
  try {
    result = await lrFind(t, { steps: search.steps, minLr: search.low / 100, maxLr: search.high * 30, beforeStep, onStep });
  } finally {
    for (const { v, data } of saved) v.assign(tf.tensor(data as Float32Array, v.shape, v.dtype));
    t.params.resetOptimizers();
  }
  const used = Math.min(search.high, Math.max(search.low, result.suggestion));
  t.params.scaleLrs(used / head);
  return { suggestion: result.suggestion, used, curve: result.curve };
}
