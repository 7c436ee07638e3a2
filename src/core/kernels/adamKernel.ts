/**
 * One fused pass of the Keras Adam update for backends whose tensors live in CPU memory
 * (wasm, cpu). Through tfjs ops the update is about a dozen passes over every weight, each a
 * separate kernel; on these backends that cost as much as the network's matmuls. Here one
 * loop reads w, g, m, v once and writes fresh w', m', v' (new buffers, so nothing cached on
 * the old ones — such as packed matmul weights — can go stale).
 */
import * as tf from '@tensorflow/tfjs';

export const ADAM_KERNEL = 'MnistGanLabAdamStep';

export interface AdamKernelAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** lr · √(1 − β2ᵗ) / (1 − β1ᵗ) for this step. */
  stepSize: number;
}

/** Reads and allocates float32 buffers of one backend. */
interface HostMemory {
  view(info: tf.TensorInfo): Float32Array;
  allocate(shape: number[]): { info: tf.TensorInfo; values: Float32Array };
}

interface WasmBackendInternals {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

interface CpuBackendInternals {
  data: { get(dataId: tf.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

function wasmMemory(backend: WasmBackendInternals): HostMemory {
  return {
    view: (info) => backend.typedArrayFromHeap(info),
    allocate: (shape) => {
      const info = backend.makeOutput(shape, 'float32');
      return { info, values: backend.typedArrayFromHeap(info) };
    },
  };
}

function cpuMemory(backend: CpuBackendInternals): HostMemory {
  return {
    view: (info) => backend.data.get(info.dataId).values,
    allocate: (shape) => {
      const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      return { info: backend.makeTensorInfo(shape, 'float32', values), values };
    },
  };
}

function adamStep(memory: HostMemory, inputs: tf.NamedTensorInfoMap, attrs: AdamKernelAttrs): tf.TensorInfo[] {
  const [param, grad, m, v] = (['param', 'grad', 'm', 'v'] as const).map((name) => {
    const info = inputs[name];
    if (!info) throw new Error(`${ADAM_KERNEL} needs input ${name}.`);
    return info;
  });
  const { beta1, beta2, epsilon, stepSize } = attrs;
  const w0 = memory.view(param);
  const g = memory.view(grad);
  const m0 = memory.view(m);
  const v0 = memory.view(v);
  const w1 = memory.allocate(param.shape);
  const m1 = memory.allocate(param.shape);
  const v1 = memory.allocate(param.shape);
  const wOut = w1.values;
  const mOut = m1.values;
  const vOut = v1.values;
  const oneMinusB1 = 1 - beta1;
  const oneMinusB2 = 1 - beta2;
  for (let i = 0; i < w0.length; i++) {
    const gi = g[i];
    const mi = beta1 * m0[i] + oneMinusB1 * gi;
    const vi = beta2 * v0[i] + oneMinusB2 * gi * gi;
    mOut[i] = mi;
    vOut[i] = vi;
    wOut[i] = w0[i] - (stepSize * mi) / (Math.sqrt(vi) + epsilon);
  }
  return [w1.info, m1.info, v1.info];
}

let registered = false;

/** Registers the fused kernel for wasm and cpu (idempotent). */
export function registerAdamKernel(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: ADAM_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) =>
      adamStep(wasmMemory(backend as unknown as WasmBackendInternals), inputs, attrs as unknown as AdamKernelAttrs),
  });
  tf.registerKernel({
    kernelName: ADAM_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) =>
      adamStep(cpuMemory(backend as unknown as CpuBackendInternals), inputs, attrs as unknown as AdamKernelAttrs),
  });
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
