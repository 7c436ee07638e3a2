/**
 * Notices a lost WebGL context (a GPU reset, a driver update, the browser reclaiming GPUs) in
 * the worker: tfjs's WebGL backend draws on an OffscreenCanvas, which fires `webglcontextlost`.
 * Once lost, every result read back would be zeros, so training must stop before the next save.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../core/config';
import type { BackendWatch } from './faults';

interface WebGlBackendLike {
  gpgpu?: { gl?: WebGLRenderingContext | WebGL2RenderingContext };
}

const REASON =
  'The WebGL context was lost (the GPU was reset, its driver restarted, or the browser took it back)';

export function watchBackend(name: BackendName): BackendWatch | null {
  if (name !== 'webgl') return null;
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
    announce(REASON);
  };
  canvas.addEventListener('webglcontextlost', onLost);
  return {
    lost: () => (lost || gl.isContextLost() ? REASON : null),
    whenLost,
    dispose: () => canvas.removeEventListener('webglcontextlost', onLost),
  };
}
