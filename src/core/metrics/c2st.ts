/**
 * The classifier two-sample test (C2ST): a fresh critic (critics.ts) is trained to tell set A
 * from set B on 80% of each and scored on the other 20%. 0.5 means it cannot tell them apart;
 * the same test on two halves of one real set is the floor.
 *
 * Strict and reproducible: every critic design runs with several seeds, each seed fixing the
 * critic's initial weights, the split and the batch order, and the reported figure is the
 * design with the highest mean accuracy. tfjs only (no DOM, no Node), so the worker can run a
 * smaller version at checkpoints.
 */
import * as tf from '@tensorflow/tfjs';
import { DIGIT_PIXELS, toPixels } from '../digits';
import { Rng, hashSeed } from '../rng';
import { type CriticDesign, type CriticName, initialCriticWeights } from './critics';

export interface C2stOptions {
  epochs: number;
  batch: number;
  learningRate: number;
  /** Share of each set held out for scoring. */
  heldOut: number;
  /**
   * When set, the run gives up (CriticOverBudget) if its first timed steps say the whole run
   * would take longer than this many milliseconds: the lab's checkpoint test on a slow backend.
   */
  budgetMs?: number;
}

export const C2ST_DEFAULTS: C2stOptions = { epochs: 3, batch: 128, learningRate: 1e-3, heldOut: 0.2 };

/** Steps timed (after a first, warm-up step) to project a budgeted run's time. */
const BUDGET_TIMED_STEPS = 3;

/** A budgeted critic run that would take too long on this backend. */
export class CriticOverBudget extends Error {
  override name = 'CriticOverBudget';
  constructor(
    readonly projectedMs: number,
    readonly budgetMs: number,
  ) {
    super(`its critic would take about ${(projectedMs / 1000).toFixed(0)} s here (the budget is ${(budgetMs / 1000).toFixed(0)} s)`);
  }
}

/** One critic design over several seeds: its accuracy per seed, their mean and spread. */
export interface CriticRun {
  critic: CriticName;
  seeds: number[];
  accuracies: number[];
  mean: number;
  /** Sample standard deviation over the seeds (n − 1); 0 for one seed. */
  sd: number;
  /** Wall-clock seconds of each seed's run (training and scoring). */
  seconds: number[];
}

/** A critic design's C2ST on the generated digits and its floor (real vs real). */
export interface CriticVerdict {
  critic: CriticName;
  description: string;
  generated: CriticRun;
  floor: CriticRun;
}

export interface C2stVerdict {
  /** The design with the highest mean accuracy on the generated digits. */
  strongest: CriticName;
  critics: CriticVerdict[];
}

/** Streams of one critic run's randomness, keyed with its seed. */
const INIT_STREAM = 1;
const DATA_STREAM = 2;

/**
 * Generated values in [-1, 1] as users get them: rounded to 8-bit grey as the exports and PNGs
 * are (toPixels), then scaled back exactly as real digits are, (x − 127.5) / 127.5. Without this
 * a critic could tell generated from real by the 256 levels real pixels take.
 */
export function asExported(images: Float32Array): Float32Array {
  const pixels = toPixels(images);
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i] - 127.5) / 127.5;
  return out;
}

/** A seeded permutation of 0 … count − 1 (Fisher–Yates). */
export function shuffledIndices(count: number, rng: Rng): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Trains a fresh `design` critic to tell `a` (images [N, 784] in [-1, 1], label 1) from `b`
 * (label 0) and returns its accuracy on the held-out share of each. The seed fixes the initial
 * weights, the split and the batch order: same seed and same inputs give the same accuracy on a
 * deterministic backend. Only whole batches train; the held-out digits are all scored.
 */
export async function criticAccuracy(
  design: CriticDesign,
  a: Float32Array,
  b: Float32Array,
  seed: number,
  options: C2stOptions = C2ST_DEFAULTS,
): Promise<number> {
  const countA = a.length / DIGIT_PIXELS;
  const countB = b.length / DIGIT_PIXELS;
  const rng = new Rng(hashSeed(seed, DATA_STREAM));
  // Indices 0 … countA − 1 are A's digits, the rest B's; the split is per set, so the held-out
  // digits are as balanced as the sets.
  const orderA = shuffledIndices(countA, rng);
  const orderB = shuffledIndices(countB, rng);
  const heldA = Math.floor(options.heldOut * countA);
  const heldB = Math.floor(options.heldOut * countB);
  const test = Int32Array.from([...orderA.subarray(0, heldA), ...Array.from(orderB.subarray(0, heldB), (i) => countA + i)]);
  const train = Int32Array.from([...orderA.subarray(heldA), ...Array.from(orderB.subarray(heldB), (i) => countA + i)]);
  const row = (index: number) =>
    index < countA
      ? a.subarray(index * DIGIT_PIXELS, (index + 1) * DIGIT_PIXELS)
      : b.subarray((index - countA) * DIGIT_PIXELS, (index - countA + 1) * DIGIT_PIXELS);
  const isA = (index: number) => index < countA;

  const weights = initialCriticWeights(design, new Rng(hashSeed(seed, INIT_STREAM)));
  const optimizer = tf.train.adam(options.learningRate);
  const { batch, epochs } = options;
  const x = new Float32Array(batch * DIGIT_PIXELS);
  const y = new Float32Array(batch * design.outputs);
  const totalSteps = epochs * Math.floor(train.length / batch);
  let steps = 0;
  const started = Date.now();
  let timedFrom = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = shuffledIndices(train.length, rng);
      for (let start = 0; start + batch <= train.length; start += batch) {
        y.fill(0);
        for (let i = 0; i < batch; i++) {
          const index = train[order[start + i]];
          x.set(row(index), i * DIGIT_PIXELS);
          // One output: the label itself; two: one-hot, column 1 for A.
          if (design.outputs === 1) y[i] = isA(index) ? 1 : 0;
          else y[2 * i + (isA(index) ? 1 : 0)] = 1;
        }
        tf.tidy(() => {
          const xt = tf.tensor2d(x, [batch, DIGIT_PIXELS]);
          const yt = tf.tensor2d(y, [batch, design.outputs]);
          optimizer.minimize(
            () => {
              const logits = design.forward(weights, xt, true);
              return (design.outputs === 1
                ? tf.losses.sigmoidCrossEntropy(yt, logits)
                : tf.losses.softmaxCrossEntropy(yt, logits)) as tf.Scalar;
            },
            false,
            weights,
          );
        });
        steps++;
        if (options.budgetMs !== undefined && steps <= 1 + BUDGET_TIMED_STEPS) {
          // Reading a weight waits for the backend's queue, so the clock sees the steps' work.
          // The first step (compiling, warming up) only stops a run it alone would overrun; each
          // step after it projects the whole run from the steps timed so far, leniently (twice
          // the budget) until all of them are timed, so one slow step does not stop a run.
          await weights[0].data();
          const now = Date.now();
          if (steps === 1) {
            if (now - started > options.budgetMs) throw new CriticOverBudget((now - started) * totalSteps, options.budgetMs);
            timedFrom = now;
          } else {
            const projectedMs = ((now - timedFrom) / (steps - 1)) * totalSteps;
            const limit = steps === 1 + BUDGET_TIMED_STEPS ? options.budgetMs : 2 * options.budgetMs;
            if (projectedMs > limit) throw new CriticOverBudget(projectedMs, options.budgetMs);
          }
        }
      }
    }
    return await heldOutAccuracy(design, weights, test, row, isA);
  } finally {
    optimizer.dispose();
    tf.dispose(weights);
  }
}

async function heldOutAccuracy(
  design: CriticDesign,
  weights: tf.Variable[],
  test: Int32Array,
  row: (index: number) => Float32Array,
  isA: (index: number) => boolean,
): Promise<number> {
  const chunk = 500;
  let correct = 0;
  for (let start = 0; start < test.length; start += chunk) {
    const rows = Math.min(chunk, test.length - start);
    const x = new Float32Array(rows * DIGIT_PIXELS);
    for (let i = 0; i < rows; i++) x.set(row(test[start + i]), i * DIGIT_PIXELS);
    const logits = tf.tidy(() => design.forward(weights, tf.tensor2d(x, [rows, DIGIT_PIXELS]), false));
    const values = await logits.data();
    logits.dispose();
    for (let i = 0; i < rows; i++) {
      const saysA = design.outputs === 1 ? values[i] > 0 : values[2 * i + 1] > values[2 * i];
      if (saysA === isA(test[start + i])) correct++;
    }
  }
  return correct / test.length;
}

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export function meanAndSd(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  if (values.length < 2) return { mean, sd: 0 };
  const squares = values.reduce((sum, v) => sum + (v - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(squares / (values.length - 1)) };
}

/** `design` on a vs b once per seed. `onRun` hears each accuracy as it comes (for progress). */
export async function runCritic(
  design: CriticDesign,
  a: Float32Array,
  b: Float32Array,
  seeds: number[],
  options: C2stOptions = C2ST_DEFAULTS,
  onRun?: (seed: number, accuracy: number) => void,
): Promise<CriticRun> {
  const accuracies: number[] = [];
  const seconds: number[] = [];
  for (const seed of seeds) {
    const started = Date.now();
    const accuracy = await criticAccuracy(design, a, b, seed, options);
    seconds.push((Date.now() - started) / 1000);
    onRun?.(seed, accuracy);
    accuracies.push(accuracy);
  }
  return { critic: design.name, seeds: [...seeds], accuracies, ...meanAndSd(accuracies), seconds };
}

/** Seeds 1 … count, the eval's default set. */
export function criticSeeds(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}

/**
 * The C2ST of generated digits against real ones by every design in `designs`, each with every
 * seed, and each design's floor on two disjoint real sets. `generated` should already be
 * asExported. The strongest design is the one with the highest mean on the generated digits;
 * its floor is the floor reported beside it.
 */
export async function judgeC2st(
  sets: { generated: Float32Array; real: Float32Array; otherReal: Float32Array },
  designs: readonly CriticDesign[],
  seeds: number[],
  options: C2stOptions = C2ST_DEFAULTS,
  onRun?: (critic: CriticName, test: 'generated' | 'floor', seed: number, accuracy: number) => void,
): Promise<C2stVerdict> {
  if (designs.length === 0 || seeds.length === 0) throw new Error('The C2ST needs at least one critic and one seed.');
  const critics: CriticVerdict[] = [];
  for (const design of designs) {
    const generated = await runCritic(design, sets.generated, sets.real, seeds, options, (seed, accuracy) =>
      onRun?.(design.name, 'generated', seed, accuracy),
    );
    const floor = await runCritic(design, sets.otherReal, sets.real, seeds, options, (seed, accuracy) =>
      onRun?.(design.name, 'floor', seed, accuracy),
    );
    critics.push({ critic: design.name, description: design.description, generated, floor });
  }
  const strongest = critics.reduce((best, c) => (c.generated.mean > best.generated.mean ? c : best));
  return { strongest: strongest.critic, critics };
}
