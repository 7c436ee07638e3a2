/**
 * The backward pass through a dense layer's activation and dropout, in one pass: from the
 * gradient at the block's output `dy`, the block's output `out` and its dropout mask, compute
 *   dz = dy · mask · (out > 0 ? 1 : α)      (the gradient at the pre-activation)
 *   db = Σ_rows dz                          (the bias gradient)
 * The sign of the output is the sign of the pre-activation (LeakyReLU keeps it, the mask is
 * positive where it is not zero), so nothing but the output needs keeping. One loop, on the
 * backends whose tensors live in CPU memory (wasm, cpu).
 */
import * as tf from '@tensorflow/tfjs';
import { type HostMemory, registerHostKernel, requiredInput } from './hostMemory';

export const ACTIVATION_GRAD_KERNEL = 'MnistGanLabDenseActivationGrad';

interface Attrs {
  /** LeakyReLU slope, or -1 for a linear block. */
  alpha: number;
  /** Whether `dy` holds the transposed gradient (cols × rows memory, see denseBlock). */
  dyTransposed: boolean;
  /** Whether to emit dz in row-major layout too (only the kernel gradient needs it). */
  withDz: boolean;
}

/**
 * Outputs [dzT, db] or [dzT, db, dz]: dzT is dz transposed (cols × rows), the operand that lets
 * the input gradient be one untransposed matmul, W · dzT.
 */
function activationGrad(memory: HostMemory, inputs: tf.NamedTensorInfoMap, attrs: Attrs): tf.TensorInfo[] {
  const dyInfo = requiredInput(inputs, 'dy', ACTIVATION_GRAD_KERNEL);
  const outInfo = requiredInput(inputs, 'out', ACTIVATION_GRAD_KERNEL);
  const [rows, cols] = outInfo.shape;
  const dzT = memory.allocate([cols, rows]);
  const db = memory.allocate([cols]);
  const dz = attrs.withDz ? memory.allocate([rows, cols]) : null;
  const dy = memory.view(dyInfo);
  const out = memory.view(outInfo);
  const mask = inputs.mask ? memory.view(inputs.mask) : null;
  const dzTv = memory.view(dzT);
  const dbv = memory.view(db);
  const dzv = dz ? memory.view(dz) : null;
  // Branch-free slope: a data-dependent branch on the sign mispredicts half the time and made
  // this loop 4x slower. The slope is α where out ≤ 0 (sign bit set, or +0), else 1.
  const outBits = new Int32Array(out.buffer, out.byteOffset, out.length);
  const drop = attrs.alpha >= 0 ? 1 - attrs.alpha : 0;
  // Element (r, c) of dy sits at r·dyRow + c·dyCol.
  const dyRow = attrs.dyTransposed ? 1 : cols;
  const dyCol = attrs.dyTransposed ? rows : 1;
  dbv.fill(0);
  // In bands of rows, so that dzT (and a transposed dy) is walked in contiguous runs.
  const BAND = 16;
  for (let r0 = 0; r0 < rows; r0 += BAND) {
    const r1 = Math.min(rows, r0 + BAND);
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let r = r0; r < r1; r++) {
        const i = r * cols + c;
        const bits = outBits[i];
        const notPositive = (bits >>> 31) | +(bits === 0);
        let g = dy[r * dyRow + c * dyCol] * (1 - drop * notPositive);
        if (mask) g *= mask[i];
        dzTv[c * rows + r] = g;
        sum += g;
        if (dzv) dzv[i] = g;
      }
      dbv[c] += sum;
    }
  }
  return dz ? [dzT, db, dz] : [dzT, db];
}

export function registerActivationGradKernel(): void {
  registerHostKernel(ACTIVATION_GRAD_KERNEL, activationGrad);
}

export interface ActivationGrads {
  /** dz transposed: cols × rows. */
  dzT: tf.Tensor2D;
  db: tf.Tensor1D;
  /** dz, rows × cols, when asked for. */
  dz: tf.Tensor2D | null;
}

/** Whether the active backend runs this kernel (wasm and cpu: tensors in CPU memory). */
export function hasActivationGradKernel(): boolean {
  registerActivationGradKernel();
  return tf.getKernel(ACTIVATION_GRAD_KERNEL, tf.getBackend()) !== undefined;
}

/**
 * The gradients at the pre-activation of a block with LeakyReLU slope `alpha` (null: linear)
 * and an optional dropout mask; `dy` is the block output's gradient, in transposed memory when
 * `dyTransposed`. Only where hasActivationGradKernel(); caller disposes all.
 */
export function denseActivationGrad(
  dy: tf.Tensor2D,
  out: tf.Tensor2D,
  mask: tf.Tensor2D | null,
  alpha: number | null,
  options: { dyTransposed: boolean; withDz: boolean },
): ActivationGrads {
  const inputs: tf.NamedTensorMap = mask ? { dy, out, mask } : { dy, out };
  const [dzT, db, dz] = tf.engine().runKernel(ACTIVATION_GRAD_KERNEL, inputs, {
    alpha: alpha ?? -1,
    ...options,
  } as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D?];
  return { dzT, db, dz: dz ?? null };
}
