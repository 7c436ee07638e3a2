/**
 * One fused pass of the Keras Adam update for backends whose tensors live in CPU memory
 * (wasm, cpu). Through tfjs ops the update is about a dozen passes over every weight, each a
 * separate kernel; on these backends that cost as much as the network's matmuls. Here one
 * loop reads w, g, m, v once and writes fresh w', m', v' (new buffers, so nothing cached on
 * the old ones — such as packed matmul weights — can go stale).
 */
import * as tf from '@tensorflow/tfjs';
import { type HostMemory, registerHostKernel, requiredInput } from './hostMemory';
import { simdKernelsFor } from './wasmSimd';

export const ADAM_KERNEL = 'MnistGanLabAdamStep';

export interface AdamKernelAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** lr · √(1 − β2ᵗ) / (1 − β1ᵗ) for this step. */
  stepSize: number;
}

function adamStep(memory: HostMemory, inputs: tf.NamedTensorInfoMap, attrs: AdamKernelAttrs): tf.TensorInfo[] {
  const [param, grad, m, v] = ['param', 'grad', 'm', 'v'].map((name) =>
    requiredInput(inputs, name, ADAM_KERNEL),
  );
  const { beta1, beta2, epsilon, stepSize } = attrs;
  const w1 = memory.allocate(param.shape);
  const m1 = memory.allocate(param.shape);
  const v1 = memory.allocate(param.shape);
  const w0 = memory.view(param);
  const g = memory.view(grad);
  const m0 = memory.view(m);
  const v0 = memory.view(v);
  const wOut = memory.view(w1);
  const mOut = memory.view(m1);
  const vOut = memory.view(v1);
  const oneMinusB1 = 1 - beta1;
  const oneMinusB2 = 1 - beta2;
  let done = 0;
  const simd = memory.wasmMemory ? simdKernelsFor(memory.wasmMemory)?.adam : null;
  if (simd) {
    // Four at a time in float32; the last few (length mod 4) below, rounded to float32 alike.
    done = w0.length & ~3;
    simd(
      w0.byteOffset, g.byteOffset, m0.byteOffset, v0.byteOffset,
      wOut.byteOffset, mOut.byteOffset, vOut.byteOffset, done * 4,
      beta1, oneMinusB1, beta2, oneMinusB2, epsilon, stepSize,
    );
    const f = Math.fround;
    for (let i = done; i < w0.length; i++) {
      const gi = g[i];
      const mi = f(f(f(beta1) * m0[i]) + f(gi * f(oneMinusB1)));
      const vi = f(f(f(beta2) * v0[i]) + f(f(gi * gi) * f(oneMinusB2)));
      mOut[i] = mi;
      vOut[i] = vi;
      wOut[i] = f(w0[i] - f(f(f(stepSize) * mi) / f(f(Math.sqrt(vi)) + f(epsilon))));
    }
    return [w1, m1, v1];
  }
  for (let i = 0; i < w0.length; i++) {
    const gi = g[i];
    const mi = beta1 * m0[i] + oneMinusB1 * gi;
    const vi = beta2 * v0[i] + oneMinusB2 * gi * gi;
    mOut[i] = mi;
    vOut[i] = vi;
    wOut[i] = w0[i] - (stepSize * mi) / (Math.sqrt(vi) + epsilon);
  }
  return [w1, m1, v1];
}

/** Registers the fused kernel for wasm and cpu (idempotent). */
export function registerAdamKernel(): void {
  registerHostKernel(ADAM_KERNEL, adamStep);
}

/** Whether the active backend runs the fused kernel. */
export function hasFusedAdam(): boolean {
  return tf.getKernel(ADAM_KERNEL, tf.getBackend()) !== undefined;
}

/** Runs the fused update; returns [w', m', v'] (caller disposes). */
export function fusedAdamStep(
  param: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  attrs: AdamKernelAttrs,
): tf.Tensor[] {
  return tf.engine().runKernel(
    ADAM_KERNEL,
    { param, grad, m, v },
    attrs as unknown as tf.NamedAttrMap,
  ) as unknown as tf.Tensor[];
}
