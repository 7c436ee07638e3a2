/**
 * Matrix products for the dense blocks on the wasm backend: C = A·B (+ bias) with the SIMD
 * gemm of wasmSimd.ts. Against tfjs' own wasm matmul (XNNPACK) this saves the copy
 * into a packed layout that XNNPACK makes of B on every call (one pass over the weights, on
 * one thread, ≈ 3 ns a value) and uses fused multiply-adds where the engine has relaxed SIMD.
 * Columns are split over the helper threads when they are attached (helperThreads.ts); shapes
 * it does not tile (rows not a multiple of 4, columns not of 8) go to tf.matMul.
 */
import * as tf from '@tensorflow/tfjs';
import { kernelThreads, runShares } from './helperThreads';
import { requiredInput, wasmMemory } from './hostMemory';
import { GEMM_KC, type SimdKernels, runGemmJob, simdKernelsFor } from './wasmSimd';

export const GEMM_KERNEL = 'MnistGanLabGemm';

function kernelsOf(backend: unknown): SimdKernels | null {
  const memory = wasmMemory(backend).wasmMemory;
  return memory ? simdKernelsFor(memory) : null;
}

function gemmKernel(backend: unknown, inputs: tf.NamedTensorInfoMap, transposeA: boolean): tf.TensorInfo {
  const memory = wasmMemory(backend);
  const kernels = memory.wasmMemory ? simdKernelsFor(memory.wasmMemory) : null;
  if (!kernels) throw new Error(`${GEMM_KERNEL} needs WebAssembly SIMD.`);
  const aInfo = requiredInput(inputs, 'a', GEMM_KERNEL);
  const bInfo = requiredInput(inputs, 'b', GEMM_KERNEL);
  const [rows, inner] = transposeA ? [aInfo.shape[1], aInfo.shape[0]] : aInfo.shape;
  const cols = bInfo.shape[1];
  const out = memory.allocate([rows, cols]);
  // Columns in bands of 8, split evenly over the threads; each thread copies its bands of B
  // through its own scratch (a block of k × 32 bytes, see gemmBody).
  const bands = cols / 8;
  const parts = Math.min(kernelThreads(), bands);
  const depth = Math.min(inner, GEMM_KC);
  const scratch = memory.allocate([parts, depth * 8]);
  const a = memory.view(aInfo).byteOffset;
  const b = memory.view(bInfo).byteOffset;
  const c = memory.view(out).byteOffset;
  const bias = inputs.bias ? memory.view(inputs.bias).byteOffset : 0;
  const band = memory.view(scratch).byteOffset;
  const args = (part: number) => {
    const j0 = Math.floor((bands * part) / parts) * 32;
    const j1 = Math.floor((bands * (part + 1)) / parts) * 32;
    const [rowStride, kStride] = transposeA ? [4, rows * 4] : [inner * 4, 4];
    return [a, rowStride, kStride, b, cols * 4, c, cols * 4, bias, rows, j0, j1, inner, band + part * depth * 32];
  };
  runShares('gemm', parts, args, (share) => runGemmJob(kernels, share));
  memory.release(scratch);
  return out;
}

let registered = false;

function registerGemmKernel(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: GEMM_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => gemmKernel(backend, inputs, Boolean(attrs?.transposeA)),
  });
}

/** Whether the active backend multiplies with this kernel (wasm with SIMD). */
export function hasGemm(): boolean {
  registerGemmKernel();
  return tf.getBackend() === 'wasm' && kernelsOf(tf.backend()) !== null;
}

/** Whether the gemm uses fused multiply-adds on the active backend. */
export function gemmUsesFma(): boolean {
  return hasGemm() && kernelsOf(tf.backend())!.fma;
}

/** Whether a product with this many rows and columns runs as the SIMD gemm here. */
export function gemmTiles(rows: number, cols: number): boolean {
  return rows % 4 === 0 && cols % 8 === 0 && hasGemm();
}

export interface MatMulOptions {
  bias?: tf.Tensor1D;
  /** Multiply by aᵀ: a is stored [inner, rows] (read in place, not transposed). */
  transposeA?: boolean;
}

/**
 * Products with at least this many rows whose row count alone does not tile are padded with zero
 * rows to the next multiple of 4 (at most 3 rows, under 5% more work) and run as the gemm:
 * a class label joined to a layer's input makes 794 or 110 of them, and tf.matMul there made a
 * conditional step several times slower. Smaller ones keep tf.matMul.
 */
export const PAD_ROWS_FROM = 64;

function gemm(a: tf.Tensor2D, b: tf.Tensor2D, bias: tf.Tensor1D | undefined, transposeA: boolean): tf.Tensor2D {
  const inputs: tf.NamedTensorMap = bias ? { a, b, bias } : { a, b };
  return tf.engine().runKernel(GEMM_KERNEL, inputs, { transposeA } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

/**
 * a·b or aᵀ·b (+ bias); tf.matMul where the shape does not tile. Not differentiable (the dense
 * blocks and the convolutions write their own gradients).
 */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D, options: MatMulOptions = {}): tf.Tensor2D {
  const { bias, transposeA = false } = options;
  const rows = a.shape[transposeA ? 1 : 0];
  const cols = b.shape[1];
  if (gemmTiles(rows, cols)) return gemm(a, b, bias, transposeA);
  if (rows >= PAD_ROWS_FROM && gemmTiles(4, cols)) {
    return tf.tidy(() => {
      const extra = 4 - (rows % 4);
      // The extra rows are zero rows of a, or zero columns of a stored transposed.
      const padded = tf.pad(a, transposeA ? [[0, 0], [0, extra]] : [[0, extra], [0, 0]]);
      return tf.slice(gemm(padded, b, bias, transposeA), [0, 0], [rows, cols]);
    });
  }
  return tf.tidy(() => {
    const product = tf.matMul(a, b, transposeA);
    return (bias ? tf.add(product, bias) : product) as tf.Tensor2D;
  });
}
