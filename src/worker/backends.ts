/**
 * Backend selection inside the worker. `auto` prefers a GPU through WebGL, then the WASM
 * backend; a WebGL that renders in software (SwiftShader, llvmpipe) is slower than WASM, so it
 * goes after it. WebGPU is opt-in. A backend that fails to start falls back to the next one,
 * and the caller is told why.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendChoice, BackendName } from '../core/config';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
});

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
    if (tf.getBackend() === name) return finish(name, choice, failures);
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return finish(name, choice, failures);
      }
      failures.push(`${name} could not start`);
    } catch (error) {
      failures.push(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`No tfjs backend could start (${failures.join('; ')}).`);
}

function finish(name: BackendName, choice: BackendChoice, failures: string[]): BackendSelection {
  if (failures.length === 0) return { backend: name };
  const wanted = choice === 'auto' ? 'The preferred backend' : `The ${choice} backend`;
  return { backend: name, notice: `${wanted} did not start (${failures.join('; ')}); running on ${name}.` };
}
