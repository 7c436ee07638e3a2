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
 * length rather than single values. On wasm both are split over the helper threads of the
 * matrix products when they are attached (kernels/helperThreads.ts), each thread writing its
 * own rows (windowCopy.ts); the result is the same to the bit as on one thread.
 */
import * as tf from '@tensorflow/tfjs';
import { type HelperJob, kernelThreads, runShares } from '../kernels/helperThreads';
import { type HostMemory, registerHostKernel, requiredInput } from '../kernels/hostMemory';
import type { ConvGeometry } from './convGeometry';
import { type WindowAttrs, col2imShare, decodeWindowShare, encodeWindowShare, im2colShare } from './windowCopy';

const IM2COL_KERNEL = 'MnistGanLabIm2Col';
const COL2IM_KERNEL = 'MnistGanLabCol2Im';

/**
 * Values a share should write at least: waking a helper and waiting for it costs microseconds
 * to tens of them, the time it takes to copy some 10⁴ values.
 */
export const MIN_SHARE_VALUES = 8192;

/**
 * Runs `job` from `source` into `target` (views of the kernel's input and output) over `rows`
 * rows holding `values` values, split into shares of whole rows over every thread on wasm,
 * where the helpers see the same heap; on one thread elsewhere.
 */
function runWindowJob(
  job: HelperJob,
  memory: HostMemory,
  source: Float32Array,
  target: Float32Array,
  g: WindowAttrs,
  rows: number,
  values: number,
): void {
  const heap = memory.wasmMemory ? new Float32Array(memory.wasmMemory.buffer) : null;
  const parts = heap ? Math.max(1, Math.min(kernelThreads(), rows, Math.floor(values / MIN_SHARE_VALUES))) : 1;
  const at = (view: Float32Array) => (heap ? view.byteOffset / 4 : 0);
  const [x, cols] = job === 'im2col' ? [source, target] : [target, source];
  const argsOf = (part: number) =>
    encodeWindowShare({
      x: at(x),
      cols: at(cols),
      g,
      from: Math.floor((rows * part) / parts),
      to: Math.floor((rows * (part + 1)) / parts),
    });
  runShares(job, parts, argsOf, (args) => {
    const share = decodeWindowShare(args);
    if (job === 'im2col') im2colShare(heap ?? x, heap ?? cols, share);
    else col2imShare(heap ?? cols, heap ?? x, share);
  });
}

function registerKernels(): void {
  registerHostKernel<WindowAttrs>(IM2COL_KERNEL, (memory, inputs, g) => {
    const xInfo = requiredInput(inputs, 'x', IM2COL_KERNEL);
    const rows = g.batch * g.outHeight * g.outWidth;
    const rowLength = g.kernel * g.kernel * g.channels;
    const out = memory.allocate([rows, rowLength]);
    runWindowJob('im2col', memory, memory.view(xInfo), memory.view(out), g, rows, rows * rowLength);
    return out;
  });
  registerHostKernel<WindowAttrs>(COL2IM_KERNEL, (memory, inputs, g) => {
    const colsInfo = requiredInput(inputs, 'cols', COL2IM_KERNEL);
    const out = memory.allocate([g.batch, g.inHeight, g.inWidth, g.channels]);
    const cols = memory.view(colsInfo);
    runWindowJob('col2im', memory, cols, memory.view(out), g, g.batch * g.inHeight, cols.length);
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
