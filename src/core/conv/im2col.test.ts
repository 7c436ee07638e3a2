import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HelperJob, type KernelHelper, setKernelHelpers } from '../kernels/helperThreads';
import { wasmMemory } from '../kernels/hostMemory';
import { runGemmJob, simdKernelsFor } from '../kernels/wasmSimd';
import { Rng } from '../rng';
import { conv2d, conv2dTranspose } from './conv2d';
import { type Padding, convGeometry } from './convGeometry';
import { MIN_SHARE_VALUES, col2im, im2col } from './im2col';
import { col2imShare, decodeWindowShare, im2colShare } from './windowCopy';

function random(shape: number[], rng: Rng): tf.Tensor {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.nextNormal();
  return tf.tensor(values, shape);
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

interface Job {
  job: HelperJob;
  args: number[];
}

/**
 * Helpers that run their share on the wasm heap, as a helper thread does, but here: when
 * waited for (after this thread's share), or at once when `eager`. What is tested is the split.
 */
function fakeHelpers(count: number, eager: boolean, jobs: Job[]): KernelHelper[] {
  const memory = wasmMemory(tf.backend()).wasmMemory!;
  const kernels = simdKernelsFor(memory)!;
  const run = ({ job, args }: Job) => {
    const heap = new Float32Array(memory.buffer);
    if (job === 'gemm') runGemmJob(kernels, args);
    else if (job === 'im2col') im2colShare(heap, heap, decodeWindowShare(args));
    else col2imShare(heap, heap, decodeWindowShare(args));
  };
  return Array.from({ length: count }, () => ({
    start(job, args) {
      jobs.push({ job, args });
      if (eager) run({ job, args });
      return () => {
        if (!eager) run({ job, args });
      };
    },
  }));
}

/** [batch, height, width, channels], kernel, stride, padding: odd sizes, batch 1, both paddings. */
const CASES: [[number, number, number, number], number, number, Padding][] = [
  [[1, 15, 13, 24], 3, 1, 'same'],
  [[2, 14, 14, 16], 4, 2, 'same'],
  [[3, 11, 9, 20], 5, 2, 'valid'],
  [[4, 9, 9, 32], 3, 2, 'same'],
  [[1, 7, 7, 64], 4, 2, 'same'],
];

describe('im2col and col2im on every thread', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterEach(() => setKernelHelpers([]));
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const [shape, k, s, padding] of CASES) {
    for (const eager of [false, true]) {
      it(`gives the one-thread result to the bit on 3 threads (${shape.join('x')} k${k} s${s} ${padding}${eager ? ', helpers first' : ''})`, () => {
        const [batch, h, w, c] = shape;
        const g = convGeometry(h, w, c, k, s, padding);
        const rng = new Rng(3);
        const x = random(shape, rng) as tf.Tensor4D;
        const cols = random([batch * g.outHeight * g.outWidth, k * k * c], rng) as tf.Tensor2D;
        const alone = [im2col(x, g), col2im(cols, g, batch)];
        const jobs: Job[] = [];
        setKernelHelpers(fakeHelpers(2, eager, jobs));
        const split = [im2col(x, g), col2im(cols, g, batch)];
        // The shares ran on the helpers, each writing rows of its own.
        const values = cols.size;
        const expectedShares = Math.min(3, Math.floor(values / MIN_SHARE_VALUES)) - 1;
        for (const kind of ['im2col', 'col2im'] as const) {
          const ranges = jobs.filter((job) => job.job === kind).map(({ args }) => [args[12], args[13]]);
          expect(ranges.length, kind).toBe(expectedShares);
          for (const [from, to] of ranges) expect(to, kind).toBeGreaterThan(from);
        }
        expect(bits(split[0])).toEqual(bits(alone[0]));
        expect(bits(split[1])).toEqual(bits(alone[1]));
        tf.dispose([x, cols, ...alone, ...split]);
      });
    }
  }

  it('stays on one thread for a small convolution', () => {
    const g = convGeometry(8, 8, 2, 3, 1, 'same');
    const jobs: Job[] = [];
    setKernelHelpers(fakeHelpers(2, false, jobs));
    const x = random([1, 8, 8, 2], new Rng(4)) as tf.Tensor4D;
    const cols = im2col(x, g);
    tf.dispose([x, cols, col2im(cols, g, 1)]);
    expect(jobs).toEqual([]);
  });

  it('trains a DCGAN-sized convolution pair on 3 threads exactly as on one', () => {
    const rng = new Rng(5);
    const x = random([8, 28, 28, 1], rng) as tf.Tensor4D;
    const w1 = random([4, 4, 1, 16], rng) as tf.Tensor4D;
    const w2 = random([4, 4, 16, 32], rng) as tf.Tensor4D;
    const w3 = random([4, 4, 16, 32], rng) as tf.Tensor4D;
    // D's two stride-2 convolutions, then a transposed one back, as G's.
    const loss = (a: tf.Tensor, b: tf.Tensor, t: tf.Tensor) => {
      const h1 = conv2d(x, a as tf.Tensor4D, { stride: 2, padding: 'same' });
      const h2 = conv2d(h1, b as tf.Tensor4D, { stride: 2, padding: 'same', xNeedsGrad: true });
      return tf.sum(tf.square(conv2dTranspose(h2, t as tf.Tensor4D, { stride: 2, padding: 'same', xNeedsGrad: true })));
    };
    const run = () => {
      const { value, grads } = tf.valueAndGrads(loss)([w1, w2, w3]);
      const out = [bits(value), ...grads.map(bits)];
      tf.dispose([value, ...grads]);
      return out;
    };
    const alone = run();
    const jobs: Job[] = [];
    setKernelHelpers(fakeHelpers(2, false, jobs));
    expect(run()).toEqual(alone);
    expect(new Set(jobs.map(({ job }) => job))).toEqual(new Set(['gemm', 'im2col', 'col2im']));
    tf.dispose([x, w1, w2, w3]);
  });
});
