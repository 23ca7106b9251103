/** Which runtime ran a job's forward passes (evaluation, prediction, frozen features), and why. */
export interface InferenceRuntime {
  runtime: 'onnxruntime' | 'tfjs';
  /** onnxruntime's intra-op threads; null on TF.js. */
  threads: number | null;
  /** Why this runtime, in words: a fresh or cached conversion, a setting, or the fallback's cause. */
  reason: string;
  /** Set when onnxruntime was meant to run but TF.js did: what failed or disagreed. */
  fallback: string | null;
  /** onnxruntime only: the graph was converted for this job ('fresh') or found beside the checkpoint ('cached'). */
  conversion: 'fresh' | 'cached' | null;
  /** Max |onnxruntime − TF.js| on the outputs compared when the conversion was checked; null when unchecked. */
  maxAbsDiff: number | null;
}
