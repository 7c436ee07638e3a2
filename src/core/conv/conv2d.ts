/**
 * 2-D convolution and transposed convolution (NHWC, square kernels) that train on every tfjs
 * backend, with gradients written out (the wasm backend has no Conv2DBackpropFilter kernel, so
 * tf.conv2d cannot be differentiated there). Two implementations of the same three products
 * (forward, input gradient, kernel gradient):
 *
 * - On the backends whose tensors live in CPU memory (wasm, cpu), im2col + matrix products
 *   (im2col.ts): the convolution is windows · kernel, its input gradient col2im(dy · kernelᵀ)
 *   and its kernel gradient windowsᵀ · dy; a transposed convolution is the same three read
 *   the other way round. On wasm the products run on the SIMD gemm, over every thread
 *   (measured on the DCGAN preset: several times faster than tfjs' Conv2D, which also spent
 *   three quarters of a transposed convolution multiplying the zeros between spread values).
 * - Elsewhere (WebGL, WebGPU), the one fast kernel every backend has, Conv2D, plus reshapes,
 *   pads and transposes:
 *   - input gradient of conv2d (= forward of conv2dTranspose): the output gradient spread s
 *     apart, padded, and correlated with the flipped kernel by Conv2D ('valid');
 *   - kernel gradient: itself a correlation of the padded input with the output gradient, run
 *     by Conv2D with batch and channels swapped and the output gradient dilated as the filter.
 *
 * Gradients nobody asked for are not computed.
 * Kernels use tf.layers' layouts: conv2d [k, k, in, out], conv2dTranspose [k, k, out, in].
 */
import * as tf from '@tensorflow/tfjs';
import { matMul } from '../kernels/gemmKernel';
import { HOST_BACKENDS } from '../kernels/hostMemory';
import { type ConvGeometry, type Padding, convGeometry, padToSpan } from './convGeometry';
import { col2im, im2col } from './im2col';

export type { Padding } from './convGeometry';

export interface ConvOptions {
  stride: number;
  padding: Padding;
  /** Whether the input gets a gradient (not for data). */
  xNeedsGrad?: boolean;
  /** Whether the kernel gets a gradient (not for D while G learns). */
  kernelNeedsGrad?: boolean;
  /** im2col + matrix products, or tfjs' Conv2D; by default the one for the active backend. */
  method?: ConvMethod;
}

export type ConvMethod = 'im2col' | 'conv2d';

/** im2col where the active backend keeps tensors in CPU memory, where its kernels run. */
function methodOf(options: ConvOptions): ConvMethod {
  if (options.method) return options.method;
  const backend = tf.getBackend();
  return HOST_BACKENDS.some((host) => host.name === backend) ? 'im2col' : 'conv2d';
}

/**
 * Runs `forward` under a custom gradient over the inputs that need one. `forward` returns the
 * value and the tensor `backward` needs (the input, or something computed from it).
 */
function withGrad(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  options: ConvOptions,
  forward: () => [tf.Tensor4D, tf.Tensor],
  backward: (dy: tf.Tensor4D, saved: tf.Tensor) => { dx: () => tf.Tensor; dw: () => tf.Tensor },
): tf.Tensor4D {
  const xNeedsGrad = Boolean(options.xNeedsGrad);
  const kernelNeedsGrad = options.kernelNeedsGrad !== false;
  const inputs: tf.Tensor[] = [];
  if (xNeedsGrad) inputs.push(x);
  if (kernelNeedsGrad) inputs.push(w);
  if (inputs.length === 0) return tf.tidy(() => forward()[0]);
  const op = tf.customGrad((...args) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [value, saved] = forward();
    // saved may be an intermediate that would not outlive the forward pass.
    save([saved]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const parts = backward(dy as tf.Tensor4D, saved[0]);
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
      // Columns, then rows, each a pad of rank 4: WebGL's Pad has no rank-6 shader.
      const columns = tf.pad(tf.reshape(dy, [n * oh, ow, 1, c]), [[0, 0], [0, 0], [0, s - 1], [0, 0]]);
      const rows = tf.pad(tf.reshape(columns, [n, oh, 1, ow * s * c]), [[0, 0], [0, 0], [0, s - 1], [0, 0]]);
      spread = tf.reshape(rows, [n, oh * s, ow * s, c]);
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
  if (methodOf(options) === 'im2col') {
    const n = x.shape[0];
    const filters = w.shape[3];
    const rows = n * g.outHeight * g.outWidth;
    const w2 = () => tf.reshape(w, [k * k * channels, filters]) as tf.Tensor2D;
    return withGrad(
      x,
      w,
      options,
      () => {
        const cols = im2col(x, g);
        return [tf.reshape(matMul(cols, w2()), [n, g.outHeight, g.outWidth, filters]), cols];
      },
      (dy, cols) => {
        const dy2 = tf.reshape(dy, [rows, filters]) as tf.Tensor2D;
        return {
          dx: () => col2im(matMul(dy2, tf.transpose(w2())), g, n),
          dw: () => tf.reshape(matMul(cols as tf.Tensor2D, dy2, { transposeA: true }), w.shape),
        };
      },
    );
  }
  return withGrad(
    x,
    w,
    options,
    () => [tf.conv2d(x, w, options.stride, options.padding), x],
    (dy, xSaved) => ({
      dx: () => convAdjoint(dy, w, g),
      dw: () => kernelGrad(xSaved as tf.Tensor4D, dy, g),
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
  if (methodOf(options) === 'im2col') {
    // The convolution g maps our output [N, outH, outW, out] to our input [N, H, W, in].
    const n = x.shape[0];
    const w2 = () => tf.reshape(w, [k * k * outChannels, inChannels]) as tf.Tensor2D;
    const x2 = (t: tf.Tensor) => tf.reshape(t, [n * height * width, inChannels]) as tf.Tensor2D;
    return withGrad(
      x,
      w,
      options,
      () => [col2im(matMul(x2(x), tf.transpose(w2())), g, n), x],
      (dy, xSaved) => {
        let cols: tf.Tensor2D | undefined;
        const windows = () => (cols ??= im2col(dy, g));
        return {
          dx: () => tf.reshape(matMul(windows(), w2()), x.shape),
          dw: () => tf.reshape(matMul(windows(), x2(xSaved), { transposeA: true }), w.shape),
        };
      },
    );
  }
  return withGrad(
    x,
    w,
    options,
    () => [convAdjoint(x, w, g), x],
    (dy, xSaved) => ({
      dx: () => tf.conv2d(dy, w, options.stride, options.padding),
      dw: () => kernelGrad(dy, xSaved as tf.Tensor4D, g),
    }),
  );
}
