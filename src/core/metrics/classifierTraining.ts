/**
 * Training the evaluation classifier (classifier.ts) on labelled images: the shipped MNIST one
 * (`npm run train:classifier`, scripts/trainClassifier.ts) and, in the worker, one per imported
 * labelled dataset, so FD and the score can be measured on data the MNIST classifier knows
 * nothing of. Adam at 1e-3 (3e-4 and 1e-4 for the last two epochs when there are more than two),
 * dropout 0.3 on the features, a seeded shuffle per epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { DIGIT_PIXELS } from '../digits';
import { type ImageSplit, normaliseBatch } from '../mnistIdx';
import { Rng } from '../rng';
import { CLASSIFIER_FEATURES, Classifier, buildClassifierModel, classifierForward } from './classifier';

export interface ClassifierTrainingOptions {
  classes: number;
  epochs: number;
  batch: number;
  seed: number;
  /** Train on at most this many images (a seeded choice), to bound the time; all by default. */
  maxImages?: number;
  /** At least this many steps: a small set trains for more epochs than `epochs` (none by default)… */
  minSteps?: number;
  /** …but for no more than this many epochs (a few hundred images need not go round a hundred times). */
  maxEpochs?: number;
  /** After every step (awaited: a worker yields here to hear a stop); `loss` every 50th step, else null. */
  onStep?: (step: number, steps: number, loss: number | null) => void | Promise<void>;
  /** After every epoch, with the classifier as it stands (disposed after the call). */
  onEpoch?: (epoch: number, current: Classifier) => void | Promise<void>;
  /** Stop after the step that passes this many ms (a slow backend trains less rather than for minutes). */
  budgetMs?: number;
}

/** A trained classifier's Layers model (the caller owns it) and how far it trained. */
export interface TrainedClassifier {
  model: tf.Sequential;
  steps: number;
  /** The planned steps; more than `steps` when the budget ran out. */
  plannedSteps: number;
  /** The planned epochs: `options.epochs`, or more to reach `options.minSteps`. */
  epochs: number;
}

const DROPOUT = 0.3;

/** Images with labels, as the classifier trains on them. */
export type LabelledSplit = ImageSplit & { labels: Uint8Array };

/**
 * Trains a classifier with `options.classes` outputs on `split`; returns its Layers model (the
 * caller owns it: `Classifier.fromModel` to use it, then dispose).
 */
export async function trainClassifierModel(split: LabelledSplit, options: ClassifierTrainingOptions): Promise<TrainedClassifier> {
  const started = Date.now();
  const { classes, batch, seed } = options;
  const rng = new Rng(seed);
  const pool = seededOrder(split.count, rng).subarray(0, Math.min(split.count, options.maxImages ?? split.count));
  const stepsPerEpoch = Math.max(1, Math.floor(pool.length / batch));
  const epochs = Math.max(options.epochs, Math.min(options.maxEpochs ?? Infinity, Math.ceil((options.minSteps ?? 0) / stepsPerEpoch)));
  const size = Math.min(batch, pool.length);
  const model = buildClassifierModel(classes);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(1e-3);
  // tfjs keeps the rate in a protected field; Adam reads it at every step.
  const setRate = (rate: number) => ((optimizer as unknown as { learningRate: number }).learningRate = rate);
  const images = new Float32Array(size * DIGIT_PIXELS);
  const labels = new Int32Array(size);
  const mask = new Float32Array(size * CLASSIFIER_FEATURES);
  const plannedSteps = epochs * stepsPerEpoch;
  let steps = 0;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      shuffle(pool, rng);
      setRate(epochs > 2 && epoch === epochs ? 1e-4 : epochs > 2 && epoch === epochs - 1 ? 3e-4 : 1e-3);
      for (let step = 0; step < stepsPerEpoch; step++) {
        const indices = pool.subarray(step * size, (step + 1) * size);
        normaliseBatch(split.pixels, indices, images);
        for (let i = 0; i < size; i++) labels[i] = split.labels[indices[i]];
        rng.fillDropoutMask(mask, DROPOUT);
        const loss = tf.tidy(() => {
          const x = tf.tensor2d(images, [size, DIGIT_PIXELS]);
          const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
          const m = tf.tensor2d(mask, [size, CLASSIFIER_FEATURES]);
          return optimizer.minimize(
            () => tf.losses.softmaxCrossEntropy(y, classifierForward(vars, x, { trainable: true, dropoutMask: m })[1]) as tf.Scalar,
            true,
            vars,
          )!;
        });
        const logged = step % 50 === 49 ? (await loss.data())[0] : null;
        loss.dispose();
        steps += 1;
        await options.onStep?.(steps, plannedSteps, logged);
        if (options.budgetMs !== undefined && Date.now() - started > options.budgetMs) {
          return { model, steps, plannedSteps, epochs };
        }
      }
      if (options.onEpoch) {
        const current = Classifier.fromModel(model);
        try {
          await options.onEpoch(epoch, current);
        } finally {
          current.dispose();
        }
      }
    }
    return { model, steps, plannedSteps, epochs };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    optimizer.dispose();
  }
}

/**
 * The share of `split`'s images whose most probable class is their label: all of them, or
 * `limit` spread evenly over the split (a split may be ordered by class).
 */
export async function classifierAccuracy(classifier: Classifier, split: LabelledSplit, limit = split.count): Promise<number> {
  const count = Math.min(limit, split.count);
  if (count === 0) return Number.NaN;
  const indices = Int32Array.from({ length: count }, (_, i) => Math.floor((i * split.count) / count));
  const images = normaliseBatch(split.pixels, indices, new Float32Array(count * DIGIT_PIXELS));
  const { probabilities } = await classifier.evaluate(images);
  const classes = classifier.classes;
  let correct = 0;
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[i * classes + c] > probabilities[i * classes + best]) best = c;
    if (best === split.labels[indices[i]]) correct++;
  }
  return correct / count;
}

function seededOrder(count: number, rng: Rng): Int32Array {
  return shuffle(Int32Array.from({ length: count }, (_, i) => i), rng);
}

function shuffle(order: Int32Array, rng: Rng): Int32Array {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
