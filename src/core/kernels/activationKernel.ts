/**
 * The forward end of a dense block after its matmul: out = max(z, α·z) · mask, LeakyReLU and
 * dropout in one pass (α = 1 without an activation). tfjs' wasm backend applies a fused
 * LeakyReLU one float at a time (≈ 5 ns each, measured) and the mask as another pass; here it
 * is one SIMD loop on wasm and one plain loop on cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { type HostMemory, registerHostKernel, requiredInput } from './hostMemory';
import { simdKernelsFor } from './wasmSimd';

export const ACTIVATION_KERNEL = 'MnistGanLabLeakyDropout';

interface Attrs {
  alpha: number;
}

function activation(memory: HostMemory, inputs: tf.NamedTensorInfoMap, attrs: Attrs): tf.TensorInfo {
  const zInfo = requiredInput(inputs, 'z', ACTIVATION_KERNEL);
  const outInfo = memory.allocate(zInfo.shape);
  const z = memory.view(zInfo);
  const mask = inputs.mask ? memory.view(inputs.mask) : null;
  const out = memory.view(outInfo);
  const alpha = attrs.alpha;
  let done = 0;
  const simd = memory.wasmMemory ? simdKernelsFor(memory.wasmMemory) : null;
  if (simd) {
    done = z.length & ~3;
    if (mask) simd.leakyMask(z.byteOffset, mask.byteOffset, out.byteOffset, done * 4, alpha);
    else simd.leaky(z.byteOffset, out.byteOffset, done * 4, alpha);
  }
  const f = Math.fround;
  for (let i = done; i < z.length; i++) {
    const value = Math.max(z[i], f(f(alpha) * z[i]));
    out[i] = mask ? f(value * mask[i]) : value;
  }
  return outInfo;
}

function registerActivationKernel(): void {
  registerHostKernel(ACTIVATION_KERNEL, activation);
}

/** Whether the active backend runs this kernel (wasm and cpu). */
export function hasActivationKernel(): boolean {
  registerActivationKernel();
  return tf.getKernel(ACTIVATION_KERNEL, tf.getBackend()) !== undefined;
}

/** max(z, α·z) · mask (α null: no activation; mask null: no dropout). Not differentiable. */
export function leakyDropout(z: tf.Tensor2D, alpha: number | null, mask: tf.Tensor2D | null): tf.Tensor2D {
  const inputs: tf.NamedTensorMap = mask ? { z, mask } : { z };
  return tf.engine().runKernel(ACTIVATION_KERNEL, inputs, {
    alpha: alpha ?? 1,
  } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}
