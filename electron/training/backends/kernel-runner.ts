import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type Attrs = tf.NamedAttrMap;

/**
 * Composes a new kernel out of kernels a backend already has, the way TF.js's own backends do:
 * calling registered kernel functions directly. Going through tf.* ops instead would record the
 * intermediate steps on the gradient tape and keep their tensors alive for the whole step.
 * Every intermediate is tracked and freed by `finish`, except the result.
 */
export class KernelRunner {
  private readonly temps: Info[] = [];

  constructor(
    readonly backend: tf.KernelBackend,
    private readonly backendName: string,
  ) {}

  /** Runs a registered kernel. List kernels (Concat, Pack, AddN) take their inputs as an array. */
  run(kernelName: string, inputs: Record<string, Info> | Info[], attrs: Attrs = {}): Info {
    const kernel = tf.getKernel(kernelName, this.backendName);
    if (!kernel) throw new Error(`The ${this.backendName} backend has no ${kernelName} kernel to build on.`);
    const out = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, attrs, backend: this.backend }) as Info;
    this.temps.push(out);
    return out;
  }

  /** A new tensor on the backend from JS values (small tensors such as filters). */
  fromValues(values: Float32Array, shape: number[]): Info {
    const out: Info = { dataId: this.backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
    this.temps.push(out);
    return out;
  }

  /** Makes an output of a kernel called directly (not through run) an intermediate like the others. */
  track(x: Info): Info {
    this.temps.push(x);
    return x;
  }

  reshape(x: Info, shape: number[]): Info {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: Info, perm: number[]): Info {
    return this.run('Transpose', { x }, { perm });
  }

  slice(x: Info, begin: number[], size: number[]): Info {
    return this.run('Slice', { x }, { begin, size });
  }

  /** Every `stride`-th element along H and W, starting at (top, left), `rows` x `cols` of them. */
  stridedWindow(x: Info, top: number, left: number, rows: number, cols: number, stride: [number, number]): Info {
    const [n, , , c] = x.shape;
    const end = [n, top + (rows - 1) * stride[0] + 1, left + (cols - 1) * stride[1] + 1, c];
    return this.run('StridedSlice', { x }, {
      begin: [0, top, left, 0], end, strides: [1, stride[0], stride[1], 1],
      beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
    });
  }

  /**
   * Pads (positive amounts) or crops (negative amounts) the H and W axes of an NHWC tensor, so the
   * callers can write "the window must start here and end there" without caring which one it is.
   */
  padOrCrop(x: Info, top: number, bottom: number, left: number, right: number): Info {
    let out = x;
    const [n, h, w, c] = x.shape;
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      const t = Math.max(0, -top);
      const l = Math.max(0, -left);
      const rows = h - t - Math.max(0, -bottom);
      const cols = w - l - Math.max(0, -right);
      out = this.slice(out, [0, t, l, 0], [n, rows, cols, c]);
    }
    const pads = [Math.max(0, top), Math.max(0, bottom), Math.max(0, left), Math.max(0, right)];
    if (pads.some((p) => p > 0)) {
      const paddings = [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]];
      out = this.run('PadV2', { x: out }, { paddings, constantValue: 0 });
    }
    return out;
  }

  /**
   * Inserts stride-1 zeros between the rows and columns of an NHWC tensor (the input of a
   * transposed convolution). The result keeps stride-1 trailing zero rows and columns; callers
   * crop them with padOrCrop.
   */
  zeroInsert(x: Info, stride: [number, number]): Info {
    if (stride[0] === 1 && stride[1] === 1) return x;
    const [n, h, w, c] = x.shape;
    const six = this.reshape(x, [n, h, 1, w, 1, c]);
    const paddings = [[0, 0], [0, 0], [0, stride[0] - 1], [0, 0], [0, stride[1] - 1], [0, 0]];
    const padded = this.run('PadV2', { x: six }, { paddings, constantValue: 0 });
    return this.reshape(padded, [n, h * stride[0], w * stride[1], c]);
  }

  /** Frees every intermediate but `result` (whose data may be shared with one of them). */
  finish(result: Info): Info {
    for (const t of this.temps) {
      if (t !== result) this.backend.disposeData(t.dataId);
    }
    this.temps.length = 0;
    return result;
  }

  /** Frees every intermediate after a failure. */
  abandon(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

/** Runs `body` with a fresh runner and frees its intermediates whatever happens. */
export function composeKernel(backend: tf.KernelBackend, backendName: string, body: (k: KernelRunner) => Info): Info {
  const k = new KernelRunner(backend, backendName);
  try {
    return k.finish(body(k));
  } catch (e) {
    k.abandon();
    throw e;
  }
}
