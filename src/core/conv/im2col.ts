/**
 * Convolution geometry as TensorFlow defines it ('same'/'valid' padding), and patch extraction
 * (im2col) for NHWC images from pads, slices, stacks and reshapes, which every tfjs backend
 * (wasm included) implements.
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

/**
 * x [N, H, W, C] → patches [N·outH·outW, k·k·C], each row one window, ordered (row, column,
 * channel) like a [k, k, C, filters] kernel reshaped to [k·k·C, filters]. Strided windows come
 * from plain slices of the input split into its s·s phases (wasm's StridedSlice is slow).
 */
export function im2col(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor2D {
  return tf.tidy(() => {
    const batch = x.shape[0];
    const { kernel: k, stride: s, outHeight: oh, outWidth: ow, channels: c } = g;
    let source = padToSpan(x, g);
    if (s > 1) {
      // Rows r = q·s + phase: pad to whole multiples of s, then phases first.
      const rowsPerPhase = Math.floor((k - 1) / s) + oh;
      const columnsPerPhase = Math.floor((k - 1) / s) + ow;
      const grown = tf.pad(source, [
        [0, 0], [0, rowsPerPhase * s - g.spanHeight], [0, columnsPerPhase * s - g.spanWidth], [0, 0],
      ]);
      const split = tf.reshape(grown, [batch, rowsPerPhase, s, columnsPerPhase, s, c]);
      source = tf.reshape(tf.transpose(split, [2, 4, 0, 1, 3, 5]), [s * s * batch, rowsPerPhase, columnsPerPhase, c]);
    }
    const pieces: tf.Tensor4D[] = [];
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const phase = (i % s) * s + (j % s);
        pieces.push(tf.slice(source, [phase * batch, Math.floor(i / s), Math.floor(j / s), 0], [batch, oh, ow, c]));
      }
    }
    return tf.reshape(tf.stack(pieces, 3), [batch * oh * ow, k * k * c]);
  });
}
