/**
 * The backward pass through a dense layer's activation and dropout, in one pass: from the
 * gradient at the block's output `dy`, the block's output `out` and its dropout mask, compute
 *   dz = dy · mask · (out > 0 ? 1 : α)      (the gradient at the pre-activation)
 *   db = Σ_rows dz                          (the bias gradient)
 * The sign of the output is the sign of the pre-activation (LeakyReLU keeps it, the mask is
 * positive where it is not zero), so nothing but the output needs keeping. On wasm and cpu
 * this is one loop; elsewhere the same formula in tfjs ops.
 */
import * as tf from '@tensorflow/tfjs';
import { HOST_BACKENDS, type HostMemory, requiredInput } from './hostMemory';

export const ACTIVATION_GRAD_KERNEL = 'MnistGanLabDenseActivationGrad';

interface Attrs {
  /** LeakyReLU slope, or -1 for a linear block. */
  alpha: number;
}

function activationGrad(memory: HostMemory, inputs: tf.NamedTensorInfoMap, attrs: Attrs): tf.TensorInfo[] {
  const dyInfo = requiredInput(inputs, 'dy', ACTIVATION_GRAD_KERNEL);
  const outInfo = requiredInput(inputs, 'out', ACTIVATION_GRAD_KERNEL);
  const [rows, cols] = dyInfo.shape;
  const dz = memory.allocate([rows, cols]);
  const db = memory.allocate([cols]);
  const dy = memory.view(dyInfo);
  const out = memory.view(outInfo);
  const mask = inputs.mask ? memory.view(inputs.mask) : null;
  const dzv = memory.view(dz);
  const dbv = memory.view(db);
  // Branch-free slope: a data-dependent branch on the sign mispredicts half the time and made
  // this loop 4x slower. The slope is α where out ≤ 0 (sign bit set, or +0), else 1.
  const outBits = new Int32Array(out.buffer, out.byteOffset, out.length);
  const drop = attrs.alpha >= 0 ? 1 - attrs.alpha : 0;
  const size = rows * cols;
  for (let i = 0; i < size; i++) {
    const bits = outBits[i];
    const notPositive = (bits >>> 31) | +(bits === 0);
    let g = dy[i] * (1 - drop * notPositive);
    if (mask) g *= mask[i];
    dzv[i] = g;
  }
  dbv.fill(0);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) dbv[c] += dzv[base + c];
  }
  return [dz, db];
}

let registered = false;

export function registerActivationGradKernel(): void {
  if (registered) return;
  registered = true;
  for (const { name, memory } of HOST_BACKENDS) {
    tf.registerKernel({
      kernelName: ACTIVATION_GRAD_KERNEL,
      backendName: name,
      kernelFunc: ({ inputs, backend, attrs }) =>
        activationGrad(memory(backend), inputs, attrs as unknown as Attrs),
    });
  }
}

/**
 * [dz, db] for a block with LeakyReLU slope `alpha` (null: linear) and an optional dropout
 * mask (caller disposes both).
 */
export function denseActivationGrad(
  dy: tf.Tensor2D,
  out: tf.Tensor2D,
  mask: tf.Tensor2D | null,
  alpha: number | null,
): [tf.Tensor2D, tf.Tensor1D] {
  registerActivationGradKernel();
  if (tf.getKernel(ACTIVATION_GRAD_KERNEL, tf.getBackend())) {
    const inputs: tf.NamedTensorMap = mask ? { dy, out, mask } : { dy, out };
    return tf.engine().runKernel(ACTIVATION_GRAD_KERNEL, inputs, {
      alpha: alpha ?? -1,
    } as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor2D, tf.Tensor1D];
  }
  return tf.tidy(() => {
    let dz: tf.Tensor2D = dy;
    if (alpha !== null) dz = tf.where(tf.greater(out, 0), dz, tf.mul(dz, alpha)) as tf.Tensor2D;
    if (mask) dz = tf.mul(dz, mask) as tf.Tensor2D;
    return [dz, tf.sum(dz, 0)] as [tf.Tensor2D, tf.Tensor1D];
  });
}
