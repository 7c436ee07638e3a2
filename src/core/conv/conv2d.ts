/**
 * 2-D convolution and transposed convolution (NHWC, square kernels) that train on every tfjs
 * backend. The wasm backend has no Conv2DBackpropFilter kernel, so tf.conv2d cannot be
 * differentiated there; these ops are im2col/col2im (conv/im2col.ts) plus plain matmuls with
 * their operands transposed explicitly (tfjs' transposed-operand matmul is slow on wasm, see
 * network.ts' denseBlock). Gradients nobody asked for are not computed.
 *
 * Kernels use tf.layers' layouts: conv2d [k, k, in, out], conv2dTranspose [k, k, out, in].
 */
import * as tf from '@tensorflow/tfjs';
import { type ConvGeometry, type Padding, col2im, convGeometry, im2col } from './im2col';

export type { Padding } from './im2col';

export interface ConvOptions {
  stride: number;
  padding: Padding;
  /** Whether the input gets a gradient (not for data). */
  xNeedsGrad?: boolean;
  /** Whether the kernel gets a gradient (not for D while G learns). */
  kernelNeedsGrad?: boolean;
}

function flatKernel(w: tf.Tensor4D): tf.Tensor2D {
  const [kh, kw, a, b] = w.shape;
  return tf.reshape(w, [kh * kw * a, b]);
}

/** Runs `forward` under a custom gradient over the inputs that need one. */
function withGrad(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  xNeedsGrad: boolean,
  kernelNeedsGrad: boolean,
  forward: () => { value: tf.Tensor4D; saved: tf.Tensor[] },
  backward: (dy: tf.Tensor4D, saved: tf.Tensor[]) => { dx?: () => tf.Tensor; dw?: () => tf.Tensor },
): tf.Tensor4D {
  const inputs: tf.Tensor[] = [];
  if (xNeedsGrad) inputs.push(x);
  if (kernelNeedsGrad) inputs.push(w);
  if (inputs.length === 0) return tf.tidy(() => forward().value);
  const op = tf.customGrad((...args) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const { value, saved } = forward();
    save(saved);
    return {
      value,
      gradFunc: (dy, savedTensors) => {
        const parts = backward(dy as tf.Tensor4D, savedTensors);
        const grads: tf.Tensor[] = [];
        if (xNeedsGrad) grads.push(parts.dx!());
        if (kernelNeedsGrad) grads.push(parts.dw!());
        return grads;
      },
    };
  }) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor4D;
  return op(...inputs);
}

/** y = conv2d(x, w): x [N, H, W, in], w [k, k, in, out] → [N, outH, outW, out]. No bias. */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, options: ConvOptions): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const [k, , inChannels, filters] = w.shape;
  if (inChannels !== channels) {
    throw new Error(`conv2d: the kernel expects ${inChannels} input channels, the input has ${channels}.`);
  }
  const g = convGeometry(height, width, channels, k, options.stride, options.padding);
  const outShape: [number, number, number, number] = [batch, g.outHeight, g.outWidth, filters];
  return withGrad(
    x,
    w,
    Boolean(options.xNeedsGrad),
    options.kernelNeedsGrad !== false,
    () => {
      const cols = im2col(x, g);
      const value = tf.reshape(tf.matMul(cols, flatKernel(w)), outShape) as tf.Tensor4D;
      // The patches are kept for the kernel gradient: recomputing them costs as much as saving.
      return { value, saved: [cols] };
    },
    (dy, [cols]) => {
      const dy2 = tf.reshape(dy, [batch * g.outHeight * g.outWidth, filters]) as tf.Tensor2D;
      return {
        dx: () => col2im(tf.matMul(dy2, tf.transpose(flatKernel(w))), batch, g),
        dw: () => tf.reshape(tf.matMul(tf.transpose(cols), dy2), w.shape),
      };
    },
  );
}

/** The input geometry of the convolution whose input gradient a transposed convolution is. */
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
  const [batch, height, width, channels] = x.shape;
  const [k, , outChannels, inChannels] = w.shape;
  if (inChannels !== channels) {
    throw new Error(`conv2dTranspose: the kernel expects ${inChannels} input channels, the input has ${channels}.`);
  }
  const g = transposeGeometry(height, width, outChannels, k, options.stride, options.padding);
  if (g.outHeight !== height || g.outWidth !== width) {
    throw new Error(`conv2dTranspose: a ${height}x${width} input does not match stride ${options.stride}.`);
  }
  const rows = batch * height * width;
  return withGrad(
    x,
    w,
    Boolean(options.xNeedsGrad),
    options.kernelNeedsGrad !== false,
    () => {
      const x2 = tf.reshape(x, [rows, channels]) as tf.Tensor2D;
      const cols = tf.matMul(x2, tf.transpose(flatKernel(w))) as tf.Tensor2D;
      return { value: col2im(cols, batch, g), saved: [x2] };
    },
    (dy, [x2]) => {
      const dcols = im2col(dy, g);
      return {
        dx: () => tf.reshape(tf.matMul(dcols, flatKernel(w)), x.shape),
        dw: () => tf.reshape(tf.matMul(tf.transpose(dcols), x2 as tf.Tensor2D), w.shape),
      };
    },
  );
}
