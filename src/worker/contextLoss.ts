/**
 * Notices a lost GPU device in the worker (a GPU reset, a driver update, the browser reclaiming
 * GPUs). WebGL: tfjs's WebGL backend draws on an OffscreenCanvas, which fires
 * `webglcontextlost`. WebGPU: the backend's GPUDevice resolves its `lost` promise. Once lost,
 * every result read back would be zeros or never come, so training must stop before the next save.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../core/config';
import type { BackendWatch } from './faults';

interface WebGlBackendLike {
  gpgpu?: { gl?: WebGLRenderingContext | WebGL2RenderingContext };
}

/** The part of tfjs's WebGPU backend and of GPUDevice read here (no WebGPU typings needed). */
interface WebGpuBackendLike {
  device?: { lost?: Promise<{ reason?: string; message?: string }> };
}

const WEBGL_REASON =
  'The WebGL context was lost (the GPU was reset, its driver restarted, or the browser took it back)';

export function watchBackend(name: BackendName): BackendWatch | null {
  if (name === 'webgl') return watchWebGl();
  if (name === 'webgpu') return watchWebGpu();
  return null;
}

function watchWebGl(): BackendWatch | null {
  const gl = (tf.backend() as unknown as WebGlBackendLike).gpgpu?.gl;
  const canvas = (gl as { canvas?: OffscreenCanvas } | undefined)?.canvas;
  if (!gl || !canvas || typeof canvas.addEventListener !== 'function') return null;
  let lost = false;
  let announce: (reason: string) => void = () => undefined;
  const whenLost = new Promise<string>((resolve) => {
    announce = resolve;
  });
  const onLost = () => {
    lost = true;
    announce(WEBGL_REASON);
  };
  canvas.addEventListener('webglcontextlost', onLost);
  return {
    lost: () => (lost || gl.isContextLost() ? WEBGL_REASON : null),
    whenLost,
    dispose: () => canvas.removeEventListener('webglcontextlost', onLost),
  };
}

/** Why a WebGPU device went away, from its GPUDeviceLostInfo. */
export function webGpuLossReason(info: { reason?: string; message?: string }): string {
  const why = [info.reason && info.reason !== 'unknown' ? info.reason : '', info.message ?? '']
    .filter((part) => part.length > 0)
    .join(': ');
  return `The WebGPU device was lost (${why || 'the GPU was reset, its driver restarted, or the browser took it back'})`;
}

/** How long a failed WebGPU stretch waits for the device's `lost` promise before it is an error. */
const SETTLE_MS = 1_000;

function watchWebGpu(): BackendWatch | null {
  const device = (tf.backend() as unknown as WebGpuBackendLike).device;
  if (!device?.lost) return null;
  let reason: string | null = null;
  // A device is lost once and for good; for a device still in use the promise never resolves.
  const whenLost = device.lost.then((info) => {
    reason = webGpuLossReason(info ?? {});
    return reason;
  });
  const settle = () =>
    Promise.race([whenLost.then(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, SETTLE_MS))]);
  return { lost: () => reason, whenLost, settle, dispose: () => undefined };
}
