/**
 * Convolution geometry as TensorFlow defines it ('same'/'valid' padding): output sizes, the
 * padding before and after, and the padded input the windows read.
 */
import * as tf from '@tensorflow/tfjs';

export type Padding = 'same' | 'valid';

/** Where a convolution's windows lie on its (padded) input, as TensorFlow defines it. */
export interface ConvGeometry {
  inHeight: number;
  inWidth: number;
  channels: number;
  kernel: number;
  stride: number;
  outHeight: number;
  outWidth: number;
  /** Padding before the first row / column (TensorFlow puts the odd one after). */
  top: number;
  left: number;
  /** Rows and columns of the padded input the windows actually read. */
  spanHeight: number;
  spanWidth: number;
}

export function convGeometry(
  inHeight: number,
  inWidth: number,
  channels: number,
  kernel: number,
  stride: number,
  padding: Padding,
): ConvGeometry {
  const out = (size: number) =>
    padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1;
  const outHeight = out(inHeight);
  const outWidth = out(inWidth);
  if (outHeight < 1 || outWidth < 1) {
    throw new Error(`A ${kernel}x${kernel} 'valid' convolution does not fit a ${inHeight}x${inWidth} input.`);
  }
  const before = (size: number, outSize: number) =>
    padding === 'same' ? Math.floor(Math.max((outSize - 1) * stride + kernel - size, 0) / 2) : 0;
  return {
    inHeight,
    inWidth,
    channels,
    kernel,
    stride,
    outHeight,
    outWidth,
    top: before(inHeight, outHeight),
    left: before(inWidth, outWidth),
    spanHeight: (outHeight - 1) * stride + kernel,
    spanWidth: (outWidth - 1) * stride + kernel,
  };
}

/** Pads (or crops, where 'valid' windows leave a tail unread) x to the span the windows read. */
export function padToSpan(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const bottom = g.spanHeight - g.top - g.inHeight;
  const right = g.spanWidth - g.left - g.inWidth;
  let h = x;
  if (bottom < 0 || right < 0) {
    h = tf.slice(h, [0, 0, 0, 0], [-1, g.inHeight + Math.min(bottom, 0), g.inWidth + Math.min(right, 0), -1]);
  }
  if (g.top > 0 || g.left > 0 || bottom > 0 || right > 0) {
    h = tf.pad(h, [[0, 0], [g.top, Math.max(bottom, 0)], [g.left, Math.max(right, 0)], [0, 0]]);
  }
  return h;
}
