import * as tf from '@tensorflow/tfjs';

/**
 * Reference gradients of a linear op (a convolution) computed from its forward pass alone, for the
 * cases TF.js's cpu backend cannot check: its conv backprop kernels ignore dilations (TF.js's own
 * gradients refuse dilation > 1, so the cpu kernels were never written for it). A convolution is
 * linear in x and in W, so dL/dW[e] = <dy, conv(x, basis_e)> and dL/dx[e] = <dy, conv(basis_e, W)>.
 * Slow (one forward pass per element): for the small shapes of the tests only.
 */

type Forward = (x: tf.Tensor4D, filter: tf.Tensor4D) => tf.Tensor4D;

/** dL/dW for L = <dy, forward(x, W)>, one forward pass per filter element. */
export function filterGradFromForward(forward: Forward, x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[]): tf.Tensor {
  return tf.tidy(() => {
    const size = filterShape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(size);
    for (let e = 0; e < size; e++) {
      const basis = new Float32Array(size);
      basis[e] = 1;
      out[e] = tf.sum(tf.mul(forward(x, tf.tensor4d(basis, filterShape as [number, number, number, number])), dy)).dataSync()[0];
    }
    return tf.tensor(out, filterShape);
  });
}

/** dL/dx for L = <dy, forward(x, W)>: every one-hot image of one example forms one batch. */
export function inputGradFromForward(forward: Forward, filter: tf.Tensor4D, dy: tf.Tensor4D, inputShape: number[]): tf.Tensor {
  return tf.tidy(() => {
    const [n, h, w, c] = inputShape;
    const per = h * w * c;
    const basis = tf.reshape(tf.oneHot(tf.range(0, per, 1, 'int32'), per, 1, 0, 'float32'), [per, h, w, c]) as tf.Tensor4D;
    const y = forward(basis, filter);
    const rows: tf.Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const dyI = tf.slice(dy, [i, 0, 0, 0], [1, ...dy.shape.slice(1)]);
      rows.push(tf.sum(tf.mul(y, dyI), [1, 2, 3]));
    }
    return tf.reshape(tf.stack(rows), inputShape);
  });
}
