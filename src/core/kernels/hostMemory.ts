/**
 * Direct access to the float32 buffers of the backends whose tensors live in CPU memory:
 * the wasm heap and the cpu backend's arrays. Kernels written in plain loops over these
 * replace chains of small tfjs ops (each a full pass over memory) with one pass.
 */
import * as tf from '@tensorflow/tfjs';

export interface HostMemory {
  /**
   * A view of a tensor's buffer. Take views only after the kernel's last `allocate`: an
   * allocation may grow the wasm heap, which detaches every view taken before it.
   */
  view(info: tf.TensorInfo): Float32Array;
  /** A fresh output buffer: new memory, so nothing cached on an older tensor can go stale. */
  allocate(shape: number[]): tf.TensorInfo;
  /** Frees a buffer from `allocate` that is not returned as an output. */
  release(info: tf.TensorInfo): void;
  /** The WebAssembly memory the views are on (wasm backend only), for kernels written in wasm. */
  wasmMemory?: WasmMemory;
}

/** A WebAssembly.Memory, as far as kernels need it (core code is typed without the DOM). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

interface WasmBackendInternals {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
  /** The Emscripten module: its memory is `wasmMemory` (threaded build) or `asm.memory`. */
  wasm: { wasmMemory?: WasmMemory; asm?: { memory?: WasmMemory } };
}

interface CpuBackendInternals {
  data: { get(dataId: tf.DataId): { values: Float32Array } };
  disposeData(dataId: tf.DataId): boolean;
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

export function wasmMemory(backend: unknown): HostMemory {
  const wasm = backend as WasmBackendInternals;
  const memory = wasm.wasm.wasmMemory ?? wasm.wasm.asm?.memory;
  return {
    view: (info) => wasm.typedArrayFromHeap(info),
    allocate: (shape) => wasm.makeOutput(shape, 'float32'),
    release: (info) => void wasm.disposeData(info.dataId),
    wasmMemory: memory && typeof memory.grow === 'function' ? memory : undefined,
  };
}

export function cpuMemory(backend: unknown): HostMemory {
  const cpu = backend as CpuBackendInternals;
  return {
    view: (info) => cpu.data.get(info.dataId).values,
    allocate: (shape) =>
      cpu.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, b) => a * b, 1))),
    release: (info) => void cpu.disposeData(info.dataId),
  };
}

/** The backends these kernels are registered for, with their memory accessors. */
export const HOST_BACKENDS: { name: string; memory: (backend: unknown) => HostMemory }[] = [
  { name: 'wasm', memory: wasmMemory },
  { name: 'cpu', memory: cpuMemory },
];

export function requiredInput(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const info = inputs[name];
  if (!info) throw new Error(`${kernel} needs input ${name}.`);
  return info;
}

/**
 * Registers a kernel written against HostMemory for every host backend that does not have it
 * yet (so it may be called before every use).
 */
export function registerHostKernel<Attrs>(
  kernelName: string,
  run: (memory: HostMemory, inputs: tf.NamedTensorInfoMap, attrs: Attrs) => tf.TensorInfo | tf.TensorInfo[],
): void {
  for (const { name, memory } of HOST_BACKENDS) {
    if (tf.getKernel(kernelName, name)) continue;
    tf.registerKernel({
      kernelName,
      backendName: name,
      kernelFunc: ({ inputs, backend, attrs }) => run(memory(backend), inputs, attrs as unknown as Attrs),
    });
  }
}
