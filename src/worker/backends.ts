/**
 * Backend selection inside the worker. `auto` prefers a GPU through WebGL, then the WASM
 * backend; a WebGL that renders in software (SwiftShader, llvmpipe) is slower than WASM, so it
 * goes after it. WebGPU is opt-in. A backend that fails to start falls back to the next one,
 * and the caller is told why.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendChoice, BackendName } from '../core/config';
import { describeError } from '../core/errors';
import { BackendUnavailableError } from './faults';
import { gemmUsesFma } from '../core/kernels/gemmKernel';
import { kernelThreads, setKernelHelpers } from '../core/kernels/helperThreads';
import { wasmMemory } from '../core/kernels/hostMemory';
import { startKernelHelpers } from './kernelThreads';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
});

/**
 * The wasm backend sizes its thread pool as min(requested, logical cores / 2), leaving half the
 * machine to the page. Here training owns a dedicated worker while the page mostly waits, so
 * the pool may use every core: it reads the core count through navigator.hardwareConcurrency
 * when it starts, so the worker reports twice the cores to it and requests all of them.
 * Threads need cross-origin isolation (SharedArrayBuffer); without it the backend runs one.
 */
const CORES = typeof navigator === 'undefined' ? 1 : navigator.hardwareConcurrency || 1;

function useAllCoresForWasm(): void {
  if (!globalThis.crossOriginIsolated || CORES < 2) return;
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: CORES * 2, configurable: true });
  setThreadsCount(CORES);
}
useAllCoresForWasm();

export interface BackendInfo {
  /** Backends this browser can run, in `auto` order (WebGPU last: opt-in). */
  available: BackendName[];
  /** The WebGL renderer string, when WebGL exists. */
  webglRenderer?: string;
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software/i;

function webglRenderer(): string | undefined {
  if (typeof OffscreenCanvas === 'undefined') return undefined;
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return undefined;
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return String(renderer);
  } catch {
    return undefined;
  }
}

export function probeBackends(): BackendInfo {
  const renderer = webglRenderer();
  const available: BackendName[] = [];
  const softwareGl = renderer !== undefined && SOFTWARE_RENDERER.test(renderer);
  if (renderer !== undefined && !softwareGl) available.push('webgl');
  if (typeof WebAssembly === 'object') available.push('wasm');
  if (renderer !== undefined && softwareGl) available.push('webgl');
  available.push('cpu');
  if (typeof navigator !== 'undefined' && 'gpu' in navigator) available.push('webgpu');
  return { available, webglRenderer: renderer };
}

export interface BackendSelection {
  backend: BackendName;
  /** What runs underneath, e.g. "SIMD, 2 threads" or the WebGL renderer. */
  detail: string;
  /** Why the requested backend is not the one running, if so. */
  notice?: string;
}

/** Starts the chosen backend, or the next one that works; throws only if none does. */
export async function selectBackend(choice: BackendChoice, info: BackendInfo): Promise<BackendSelection> {
  const order = info.available.filter((name) => name !== 'webgpu');
  const chain: BackendName[] =
    choice === 'auto' ? order : [choice, ...order.filter((name) => name !== choice)];
  const failures: string[] = [];
  for (const name of chain) {
    if (tf.getBackend() === name) return finish(name, choice, failures, info);
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return finish(name, choice, failures, info);
      }
      failures.push(`${name} could not start`);
    } catch (error) {
      failures.push(`${name} failed: ${describeError(error)}`);
    }
  }
  throw new BackendUnavailableError(`No tfjs backend could start (${failures.join('; ')}).`);
}

async function describe(name: BackendName, info: BackendInfo): Promise<string> {
  switch (name) {
    case 'wasm': {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      if (!simd) {
        const threads = getThreadsCount();
        return `no SIMD, ${threads} thread${threads === 1 ? '' : 's'}`;
      }
      const threads = kernelThreads();
      return `SIMD${gemmUsesFma() ? ' + FMA' : ''}, ${threads} thread${threads === 1 ? '' : 's'}`;
    }
    case 'webgl':
      return info.webglRenderer ?? 'WebGL';
    case 'webgpu':
      return webGpuDetail();
    case 'cpu':
      return 'plain JavaScript';
  }
}

/** tfjs's WebGPU backend keeps the adapter's info (vendor, architecture). */
interface WebGpuBackendLike {
  adapterInfo?: { vendor?: string; architecture?: string };
}

/** E.g. "WebGPU, google swiftshader (software)": a software device is slower than wasm. */
function webGpuDetail(): string {
  const info = (tf.backend() as unknown as WebGpuBackendLike).adapterInfo;
  const adapter = [info?.vendor, info?.architecture].filter(Boolean).join(' ');
  if (!adapter) return 'WebGPU';
  return `WebGPU, ${adapter}${SOFTWARE_RENDERER.test(adapter) ? ' (software)' : ''}`;
}

let helpersMemory: unknown = null;
let helperThreads: { terminate(): void }[] = [];

/**
 * The wasm backend's matrix products and convolution copies take every core: one share on
 * this thread, one on each helper thread, all on the backend's shared memory (started once per
 * backend instance).
 */
async function attachKernelHelpers(): Promise<void> {
  const memory = wasmMemory(tf.backend()).wasmMemory;
  if (!memory || memory === helpersMemory) return;
  for (const helper of helperThreads) helper.terminate();
  setKernelHelpers([]);
  helpersMemory = memory;
  const started = await startKernelHelpers(memory, CORES - 1);
  helperThreads = started;
  setKernelHelpers(started);
}

async function finish(
  name: BackendName,
  choice: BackendChoice,
  failures: string[],
  info: BackendInfo,
): Promise<BackendSelection> {
  if (name === 'wasm') await attachKernelHelpers();
  const detail = await describe(name, info);
  const notices: string[] = [];
  if (failures.length > 0) {
    const wanted = choice === 'auto' ? 'The preferred backend' : `The ${choice} backend`;
    notices.push(`${wanted} did not start (${failures.join('; ')}); running on ${name}.`);
  }
  if (name === 'wasm' && CORES > 1 && !globalThis.crossOriginIsolated) notices.push(NOT_ISOLATED);
  return notices.length > 0 ? { backend: name, detail, notice: notices.join(' ') } : { backend: name, detail };
}

/** Why wasm runs on one thread on a host that does not isolate the page. */
export const NOT_ISOLATED =
  `This page is not cross-origin isolated (its host sends no Cross-Origin-Opener-Policy and ` +
  `Cross-Origin-Embedder-Policy headers), so wasm trains on one thread instead of ${CORES}, and slower. ` +
  'The README\'s "Static hosting" section has the header files for common hosts.';
