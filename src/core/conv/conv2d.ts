/**
 * 2-D convolution and transposed convolution (NHWC, square kernels) that train on every tfjs
 * backend. The wasm backend has no Conv2DBackpropFilter kernel, so tf.conv2d cannot be
 * differentiated there, and its Conv2DBackpropInput is a slow scalar loop. So everything here is
 * the one fast kernel every backend has, Conv2D, plus reshapes, pads and plain matmuls:
 * - forward of conv2d: Conv2D;
 * - input gradient of conv2d (= forward of conv2dTranspose): the output gradient spread s apart,
 *   padded, and correlated with the flipped kernel by Conv2D ('valid');
 * - kernel gradient: itself a correlation of the padded input with the output gradient, run by
 *   Conv2D with batch and channels swapped and the output gradient dilated as the filter
 *   (measured on wasm: faster than im2col + matmul, whose slices, stacks and strided slices
 *   are slow there).
 * Gradients nobody asked for are not computed.
 *
 * Kernels use tf.layers' layouts: conv2d [k, k, in, out], conv2dTranspose [k, k, out, in].
 */
import * as tf from '@tensorflow/tfjs';
import { type ConvGeometry, type Padding, convGeometry, padToSpan } from './convGeometry';

export type { Padding } from './convGeometry';

export interface ConvOptions {
  stride: number;
  padding: Padding;
  /** Whether the input gets a gradient (not for data). */
  xNeedsGrad?: boolean;
  /** Whether the kernel gets a gradient (not for D while G learns). */
  kernelNeedsGrad?: boolean;
}

/** Runs `forward` under a custom gradient over the inputs that need one. */
function withGrad(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  xNeedsGrad: boolean,
  kernelNeedsGrad: boolean,
  forward: () => tf.Tensor4D,
  backward: (dy: tf.Tensor4D, x: tf.Tensor4D) => { dx: () => tf.Tensor; dw: () => tf.Tensor },
): tf.Tensor4D {
  const inputs: tf.Tensor[] = [];
  if (xNeedsGrad) inputs.push(x);
  if (kernelNeedsGrad) inputs.push(w);
  if (inputs.length === 0) return forward();
  const op = tf.customGrad((...args) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const value = forward();
    // x may be an intermediate that would not outlive the forward pass.
    save([x]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const parts = backward(dy as tf.Tensor4D, saved[0] as tf.Tensor4D);
        const grads: tf.Tensor[] = [];
        if (xNeedsGrad) grads.push(parts.dx());
        if (kernelNeedsGrad) grads.push(parts.dw());
        return grads;
      },
    };
  }) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor4D;
  return op(...inputs);
}

/** Pads (positive) or crops (negative) rows and columns at either end. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  let h = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, rows, columns, c] = h.shape;
    const t = Math.max(-top, 0);
    const l = Math.max(-left, 0);
    h = tf.slice(h, [0, t, l, 0], [n, rows - t - Math.max(-bottom, 0), columns - l - Math.max(-right, 0), c]);
  }
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    h = tf.pad(h, [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]]);
  }
  return h;
}

/**
 * The adjoint of the convolution `g` with kernel w [k, k, in, out]: values on its output grid
 * [N, outH, outW, out] → [N, inH, inW, in]. Spreads them s apart, pads, and correlates with the
 * kernel flipped in space and transposed in channels.
 */
function convAdjoint(dy: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, oh, ow, c] = dy.shape;
    const { kernel: k, stride: s } = g;
    let spread = dy;
    if (s > 1) {
      const wide = tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, c]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]);
      spread = tf.reshape(wide, [n, oh * s, ow * s, c]);
    }
    // Output row t of the 'valid' correlation reads spread rows t − (k−1−top) … t + top.
    const top = k - 1 - g.top;
    const left = k - 1 - g.left;
    const bottom = g.inHeight + k - 1 - top - oh * s;
    const right = g.inWidth + k - 1 - left - ow * s;
    const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(padOrCrop(spread, top, bottom, left, right), flipped, 1, 'valid');
  });
}

/**
 * dw [k, k, in, out] of the convolution `g` from its input x and output gradient dy, itself a
 * correlation: dw[i, j, c, o] = Σ xp[n, p·s + i, q·s + j, c] · dy[n, p, q, o], i.e. Conv2D of the
 * padded input seen as [in, H, W, N] with dy seen as a [outH, outW, N, out] filter, dilated s.
 */
function kernelGrad(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const image = tf.transpose(padToSpan(x, g), [3, 1, 2, 0]) as tf.Tensor4D;
    const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    const out = tf.conv2d(image, filter, 1, 'valid', 'NHWC', g.stride);
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/** y = conv2d(x, w): x [N, H, W, in], w [k, k, in, out] → [N, outH, outW, out]. No bias. */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, options: ConvOptions): tf.Tensor4D {
  const [, height, width, channels] = x.shape;
  const [k, , inChannels] = w.shape;
  if (inChannels !== channels) {
    throw new Error(`conv2d: the kernel expects ${inChannels} input channels, the input has ${channels}.`);
  }
  const g = convGeometry(height, width, channels, k, options.stride, options.padding);
  return withGrad(
    x,
    w,
    Boolean(options.xNeedsGrad),
    options.kernelNeedsGrad !== false,
    () => tf.conv2d(x, w, options.stride, options.padding),
    (dy, xSaved) => ({
      dx: () => convAdjoint(dy, w, g),
      dw: () => kernelGrad(xSaved, dy, g),
    }),
  );
}

/** The convolution whose input gradient a transposed convolution is (its input is our output). */
export function transposeGeometry(
  inHeight: number,
  inWidth: number,
  outChannels: number,
  kernel: number,
  stride: number,
  padding: Padding,
): ConvGeometry {
  // tf.layers' Conv2DTranspose output size: 'same' → in·s, 'valid' → (in−1)·s + k.
  const outH = padding === 'same' ? inHeight * stride : (inHeight - 1) * stride + kernel;
  const outW = padding === 'same' ? inWidth * stride : (inWidth - 1) * stride + kernel;
  return convGeometry(outH, outW, outChannels, kernel, stride, padding);
}

/**
 * y = conv2dTranspose(x, w): x [N, H, W, in], w [k, k, out, in] → [N, H·s, W·s, out] ('same')
 * or [N, (H−1)·s + k, (W−1)·s + k, out] ('valid'), as tf.layers.conv2dTranspose. No bias.
 */
export function conv2dTranspose(x: tf.Tensor4D, w: tf.Tensor4D, options: ConvOptions): tf.Tensor4D {
  const [, height, width, channels] = x.shape;
  const [k, , outChannels, inChannels] = w.shape;
  if (inChannels !== channels) {
    throw new Error(`conv2dTranspose: the kernel expects ${inChannels} input channels, the input has ${channels}.`);
  }
  const g = transposeGeometry(height, width, outChannels, k, options.stride, options.padding);
  if (g.outHeight !== height || g.outWidth !== width) {
    throw new Error(`conv2dTranspose: a ${height}x${width} input does not match stride ${options.stride}.`);
  }
  return withGrad(
    x,
    w,
    Boolean(options.xNeedsGrad),
    options.kernelNeedsGrad !== false,
    () => convAdjoint(x, w, g),
    (dy, xSaved) => ({
      dx: () => tf.conv2d(dy, w, options.stride, options.padding),
      dw: () => kernelGrad(dy, xSaved, g),
    }),
  );
}
