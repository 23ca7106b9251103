/**
 * PyTorch <-> TF.js weight layouts. timm stores conv kernels as [out, in, kh, kw] and linear
 * weights as [out, in] (y = x W^T + b); TF.js wants [kh, kw, in, out] and [in, out] (y = x W + b).
 * The rule goes by rank for `.weight` tensors, which holds for every timm model we load: 4-D is a
 * conv, 2-D is a linear; norms, biases, pos_embed and cls_token keep their layout.
 */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

type Direction = 'toTf' | 'toTorch';

/** A PyTorch-layout tensor named `name` -> the TF.js layout our variables use. */
export function torchToTf(name: string, t: HostTensor): HostTensor {
  return convert(name, t, 'toTf');
}

/** The inverse, for exporting our variables under timm's names and layouts. */
export function tfToTorch(name: string, t: HostTensor): HostTensor {
  return convert(name, t, 'toTorch');
}

/** The TF.js shape a PyTorch-layout tensor of `shape` gets (no data needed: used to plan loads). */
export function tfShapeOf(name: string, shape: readonly number[]): number[] {
  if (!name.endsWith('.weight')) return [...shape];
  if (shape.length === 4) return [shape[2], shape[3], shape[1], shape[0]];
  if (shape.length === 2) return [shape[1], shape[0]];
  return [...shape];
}

function convert(name: string, t: HostTensor, dir: Direction): HostTensor {
  if (!name.endsWith('.weight')) return t;
  if (t.shape.length === 2) return { shape: [t.shape[1], t.shape[0]], data: transpose2d(t.data, t.shape[0], t.shape[1]) };
  if (t.shape.length === 4) return dir === 'toTf' ? oihwToHwio(t) : hwioToOihw(t);
  return t;
}

/** [rows, cols] -> [cols, rows]. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

/** [out, in, kh, kw] -> [kh, kw, in, out]. */
export function oihwToHwio({ shape, data }: HostTensor): HostTensor {
  const [o, i, h, w] = shape;
  const out = new Float32Array(data.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) out[((y * w + x) * i + b) * o + a] = data[((a * i + b) * h + y) * w + x];
      }
    }
  }
  return { shape: [h, w, i, o], data: out };
}

/** [kh, kw, in, out] -> [out, in, kh, kw]. */
export function hwioToOihw({ shape, data }: HostTensor): HostTensor {
  const [h, w, i, o] = shape;
  const out = new Float32Array(data.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) out[((a * i + b) * h + y) * w + x] = data[((y * w + x) * i + b) * o + a];
      }
    }
  }
  return { shape: [o, i, h, w], data: out };
}

/**
 * PyTorch depthwise conv [in * m, 1, kh, kw] (groups = in) -> TF.js depthwise [kh, kw, in, m].
 * Not chosen by the rank rule (it looks like any conv); a backbone that uses depthwise convs asks
 * for it by name.
 */
export function depthwiseTorchToTf({ shape, data }: HostTensor, inChannels: number): HostTensor {
  const [oc, one, h, w] = shape;
  if (one !== 1 || oc % inChannels !== 0) throw new Error(`not a depthwise kernel: [${shape.join(', ')}] for ${inChannels} channels`);
  const m = oc / inChannels;
  const out = new Float32Array(data.length);
  for (let c = 0; c < inChannels; c++) {
    for (let k = 0; k < m; k++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) out[((y * w + x) * inChannels + c) * m + k] = data[((c * m + k) * h + y) * w + x];
      }
    }
  }
  return { shape: [h, w, inChannels, m], data: out };
}
