/**
 * 2x2 max-pooling, stride 2, 'valid' (an odd last row or column is dropped, as Keras), with its
 * gradient, for the max-pool critic. The forward is tf.maxPool everywhere. On the backends whose
 * tensors live in CPU memory (wasm, cpu) the backward is one pass of ours that gives each output
 * gradient to the first input of its window equal to the output, because tfjs' MaxPoolGrad on
 * wasm is both slow (≈ 100 ms of a 340 ms max-pool critic step at batch 128, both poolings,
 * against ≈ 14 ms for this one; profiled) and wrong where a window's values are negative (it
 * gave gradients to the wrong inputs in 198 of 15,488 places on values in [-1, 1]; tfjs' cpu
 * kernel and this one agree with a plain loop). Elsewhere (WebGL, WebGPU) tfjs' own gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { type HostMemory, registerHostKernel, requiredInput } from '../kernels/hostMemory';

const GRAD_KERNEL = 'MnistGanLabMaxPool2x2Grad';

/** dx: each output gradient goes to the first input of its window equal to the output. */
function poolGrad(memory: HostMemory, inputs: tf.NamedTensorInfoMap): tf.TensorInfo {
  const xInfo = requiredInput(inputs, 'x', GRAD_KERNEL);
  const yInfo = requiredInput(inputs, 'y', GRAD_KERNEL);
  const dyInfo = requiredInput(inputs, 'dy', GRAD_KERNEL);
  const dxInfo = memory.allocate(xInfo.shape);
  const x = memory.view(xInfo);
  const y = memory.view(yInfo);
  const dy = memory.view(dyInfo);
  const dx = memory.view(dxInfo);
  dx.fill(0);
  const [batch, height, width, channels] = xInfo.shape;
  const outHeight = height >> 1;
  const outWidth = width >> 1;
  const right = channels;
  const down = width * channels;
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let p = 0; p < outHeight; p++) {
      for (let q = 0; q < outWidth; q++) {
        const a = ((n * height + 2 * p) * width + 2 * q) * channels;
        for (let c = 0; c < channels; c++, o++) {
          const i = a + c;
          const m = y[o];
          const j = x[i] === m ? i : x[i + right] === m ? i + right : x[i + down] === m ? i + down : i + down + right;
          dx[j] = dy[o];
        }
      }
    }
  }
  return dxInfo;
}

function hasGradKernel(): boolean {
  registerHostKernel(GRAD_KERNEL, poolGrad);
  return tf.getKernel(GRAD_KERNEL, tf.getBackend()) !== undefined;
}

/** x [N, H, W, C] → [N, ⌊H/2⌋, ⌊W/2⌋, C], the largest value of each 2x2 window; differentiable. */
export function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  if (!hasGradKernel()) return tf.maxPool(x, 2, 2, 'valid');
  const op = tf.customGrad((input, save) => {
    const value = tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid');
    (save as tf.GradSaveFunc)([input as tf.Tensor, value]);
    return {
      value,
      gradFunc: (dy, saved) => tf.engine().runKernel(GRAD_KERNEL, { x: saved[0], y: saved[1], dy: dy as tf.Tensor }) as tf.Tensor,
    };
  }) as unknown as (x: tf.Tensor4D) => tf.Tensor4D;
  return op(x);
}
