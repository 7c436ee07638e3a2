/**
 * im2col and its adjoint, col2im, as kernels on the backends whose tensors live in CPU memory
 * (wasm, cpu): with them a convolution is one matrix product, which the wasm backend runs on
 * its SIMD gemm (kernels/gemmKernel.ts).
 *
 *   im2col: x [N, H, W, C] → cols [N·outH·outW, k·k·C], row (n, p, q) holding the window of
 *           output pixel (p, q), in the kernel's order (i, j, c); zeros where it lies on padding.
 *   col2im: cols → [N, H, W, C], each value added back where im2col took it from.
 *
 * In NHWC a window's row of k pixels is k·C consecutive floats, so both copy runs of that
 * length rather than single values.
 */
import * as tf from '@tensorflow/tfjs';
import { registerHostKernel, requiredInput } from '../kernels/hostMemory';
import type { ConvGeometry } from './convGeometry';

const IM2COL_KERNEL = 'MnistGanLabIm2Col';
const COL2IM_KERNEL = 'MnistGanLabCol2Im';

/** The geometry as kernel attributes, with the batch size. */
type WindowAttrs = ConvGeometry & { batch: number };

/**
 * Calls `run(colsOffset, xOffset, length)` for every run of a window that lies on the input,
 * and `pad(colsOffset, length)` for every run of it that lies on padding.
 */
function forEachRun(
  g: WindowAttrs,
  run: (colsOffset: number, xOffset: number, length: number) => void,
  pad: (colsOffset: number, length: number) => void,
): void {
  const { kernel: k, stride: s, channels: c, inHeight, inWidth } = g;
  const rowLength = k * k * c;
  let m = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let p = 0; p < g.outHeight; p++) {
      for (let q = 0; q < g.outWidth; q++, m++) {
        const x0 = q * s - g.left;
        const jLo = Math.max(0, -x0);
        const jHi = Math.min(k, inWidth - x0);
        for (let i = 0; i < k; i++) {
          const colsRow = m * rowLength + i * k * c;
          const r = p * s + i - g.top;
          if (r < 0 || r >= inHeight || jLo >= jHi) {
            pad(colsRow, k * c);
            continue;
          }
          if (jLo > 0) pad(colsRow, jLo * c);
          run(colsRow + jLo * c, ((n * inHeight + r) * inWidth + x0 + jLo) * c, (jHi - jLo) * c);
          if (jHi < k) pad(colsRow + jHi * c, (k - jHi) * c);
        }
      }
    }
  }
}

/** Runs shorter than this are copied value by value (a subarray costs more than a few values). */
const SHORT_RUN = 32;

function registerKernels(): void {
  registerHostKernel<WindowAttrs>(IM2COL_KERNEL, (memory, inputs, g) => {
    const xInfo = requiredInput(inputs, 'x', IM2COL_KERNEL);
    const out = memory.allocate([g.batch * g.outHeight * g.outWidth, g.kernel * g.kernel * g.channels]);
    const x = memory.view(xInfo);
    const cols = memory.view(out);
    forEachRun(
      g,
      (to, from, length) => {
        if (length < SHORT_RUN) for (let t = 0; t < length; t++) cols[to + t] = x[from + t];
        else cols.set(x.subarray(from, from + length), to);
      },
      (to, length) => cols.fill(0, to, to + length),
    );
    return out;
  });
  registerHostKernel<WindowAttrs>(COL2IM_KERNEL, (memory, inputs, g) => {
    const colsInfo = requiredInput(inputs, 'cols', COL2IM_KERNEL);
    const out = memory.allocate([g.batch, g.inHeight, g.inWidth, g.channels]);
    const cols = memory.view(colsInfo);
    const x = memory.view(out);
    x.fill(0);
    forEachRun(
      g,
      (from, to, length) => {
        for (let t = 0; t < length; t++) x[to + t] += cols[from + t];
      },
      () => {},
    );
    return out;
  });
}

/** The windows of the convolution `g` over x [N, H, W, C], one row each. */
export function im2col(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor2D {
  registerKernels();
  const attrs: WindowAttrs = { ...g, batch: x.shape[0] };
  return tf.engine().runKernel(IM2COL_KERNEL, { x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

/** The adjoint of im2col: window rows summed back onto the input grid of `g`. */
export function col2im(cols: tf.Tensor2D, g: ConvGeometry, batch: number): tf.Tensor4D {
  registerKernels();
  const attrs: WindowAttrs = { ...g, batch };
  return tf.engine().runKernel(COL2IM_KERNEL, { cols }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
