import type { CamMap } from '../training/explain/grad-cam.ts';

/**
 * CAM (Zhou et al. 2016) from one image's last-stage activations, for a network that ends in a
 * global average pool and a linear head: there d(score_k)/dA_c,ij = W[c, k] / (h·w) at every
 * position, so Grad-CAM's channel weights are W[·, k] / (h·w), and after its ReLU and min-max
 * normalisation the map is exactly relu(Σ_c W[c, k]·A_c) normalised. No gradient is needed, so the
 * activations can come from onnxruntime. `features` is NCHW [1, C, h, w]; `weight` is the head's
 * [C, classes] matrix (TF.js layout).
 */
export function classActivationMap(features: Float32Array, [, c, h, w]: number[], weight: Float32Array, classes: number, k: number): CamMap {
  const cam = new Float32Array(h * w);
  for (let ch = 0; ch < c; ch++) {
    const wk = weight[ch * classes + k];
    for (let p = 0; p < h * w; p++) cam[p] += wk * features[ch * h * w + p];
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < cam.length; p++) {
    cam[p] = Math.max(0, cam[p]);
    lo = Math.min(lo, cam[p]);
    hi = Math.max(hi, cam[p]);
  }
  // A flat map (no evidence anywhere) stays all zeros instead of dividing by zero, as in gradCam.
  const range = hi - lo;
  for (let p = 0; p < cam.length; p++) cam[p] = range > 1e-12 ? (cam[p] - lo) / range : 0;
  return { width: w, height: h, values: cam };
}

/** Bilinear upsampling with half-pixel centres (tf.image.resizeBilinear(.., false, true), as gradCam uses), clipped to [0, 1]. */
export function upsampleBilinear(map: CamMap, size: number): CamMap {
  const { width: w, height: h, values } = map;
  const out = new Float32Array(size * size);
  const source = (dst: number, from: number) => {
    const frac = (from / size) * (dst + 0.5) - 0.5;
    const lo = Math.max(0, Math.floor(frac));
    return { lo, hi: Math.min(from - 1, Math.ceil(frac)), t: frac - lo };
  };
  for (let r = 0; r < size; r++) {
    const y = source(r, h);
    for (let c = 0; c < size; c++) {
      const x = source(c, w);
      const top = values[y.lo * w + x.lo] + (values[y.lo * w + x.hi] - values[y.lo * w + x.lo]) * x.t;
      const bottom = values[y.hi * w + x.lo] + (values[y.hi * w + x.hi] - values[y.hi * w + x.lo]) * x.t;
      out[r * size + c] = Math.min(1, Math.max(0, top + (bottom - top) * y.t));
    }
  }
  return { width: size, height: size, values: out };
}
