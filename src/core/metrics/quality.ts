/**
 * Quality of a generator per checkpoint, cheaply enough to run between epochs: N generated digits
 * against N real test digits (N = 1000 by default) through the evaluation classifier —
 * Fréchet distance of its penultimate features (FD), the MNIST score and the class histogram —
 * with the same numbers for N real training digits as the reference line (what a perfect
 * generator would score at this N).
 *
 * Usage (worker): `const meter = await QualityMeter.create(classifier, train, test)` once per
 * session, then `await meter.measure(await checkpointDigits(gan, meter.n))` at each checkpoint.
 */
import { DIGIT_PIXELS } from '../digits';
import { latentSize } from '../recipe';
import * as tf from '@tensorflow/tfjs';
import { type Gan, generate } from '../gan';
import { type ImageSplit, normaliseBatch } from '../mnistIdx';
import { Rng } from '../rng';
import { type ClassHistogram, classHistogram, mnistScore } from './classScores';
import { CLASSIFIER_FEATURES, type Classifier } from './classifier';
import { type Gaussian, fitGaussian, frechetDistance } from './frechet';

export interface QualityMetrics {
  /** Digits compared on each side. */
  n: number;
  /** Fréchet distance to the real test digits in the classifier's features (lower is better). */
  fd: number;
  /** MNIST score (1 to 10, higher is better; real digits score about 9.9). */
  score: number;
  histogram: ClassHistogram;
  /** Milliseconds the measurement took (the tracker counts the sampling and the C2ST in too). */
  ms: number;
}

export interface QualityReference {
  n: number;
  /** FD between N real training digits and the N real test digits: the floor at this N. */
  fd: number;
  /** MNIST score of the N real training digits. */
  score: number;
}

/** The noise seed of the metric samples, distinct from the grid's and the training streams. */
const SAMPLE_SEED = 0x5eed;

function pickImages(split: ImageSplit, n: number, seed: number): Float32Array {
  return pickDisjoint(split, n, 1, seed)[0];
}

/** `sets` disjoint sets of n digits of `split` ([n, 784] in [-1, 1] each), drawn by a seeded partial shuffle. */
export function pickDisjoint(split: ImageSplit, n: number, sets: number, seed: number): Float32Array[] {
  const total = n * sets;
  if (total > split.count) throw new Error(`Asked for ${total} digits; the split has ${split.count}.`);
  const order = Int32Array.from({ length: split.count }, (_, i) => i);
  const rng = new Rng(seed);
  for (let i = 0; i < total; i++) {
    const j = i + rng.nextInt(split.count - i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return Array.from({ length: sets }, (_, k) =>
    normaliseBatch(split.pixels, order.subarray(k * n, (k + 1) * n), new Float32Array(n * DIGIT_PIXELS)),
  );
}

export class QualityMeter {
  private constructor(
    private readonly classifier: Classifier,
    private readonly realTest: Gaussian,
    readonly reference: QualityReference,
  ) {}

  get n(): number {
    return this.reference.n;
  }

  /**
   * Fits the real test digits once and measures the real-data reference. The classifier stays
   * owned by the caller.
   */
  static async create(classifier: Classifier, train: ImageSplit, test: ImageSplit, n = 1000): Promise<QualityMeter> {
    const testFeatures = await classifier.evaluate(pickImages(test, n, 1));
    const realTest = fitGaussian(testFeatures.features, CLASSIFIER_FEATURES);
    const trainOut = await classifier.evaluate(pickImages(train, n, 2));
    const reference: QualityReference = {
      n,
      fd: frechetDistance(fitGaussian(trainOut.features, CLASSIFIER_FEATURES), realTest),
      score: mnistScore(trainOut.probabilities, classifier.classes),
    };
    return new QualityMeter(classifier, realTest, reference);
  }

  /** Metrics of N generated digits (N × 784 values in [-1, 1]). */
  async measure(images: Float32Array): Promise<QualityMetrics> {
    const started = Date.now();
    const { features, probabilities } = await this.classifier.evaluate(images);
    return {
      n: images.length / DIGIT_PIXELS,
      fd: frechetDistance(fitGaussian(features, CLASSIFIER_FEATURES), this.realTest),
      score: mnistScore(probabilities, this.classifier.classes),
      histogram: classHistogram(probabilities, this.classifier.classes),
      ms: Date.now() - started,
    };
  }
}

/** `count` digits from the GAN's generator, from the metrics' fixed noise (the same at every checkpoint). */
export function checkpointDigits(gan: Gan, count: number, chunk = 250): Promise<Float32Array> {
  return fixedNoiseDigits((noise) => generate(gan, noise), latentSize(gan.recipe), count, chunk);
}

/** `count` digits from any generator function (a saved generator's forward pass), from the metrics' fixed noise. */
export function fixedNoiseDigits(generator: (noise: Float32Array) => tf.Tensor, latent: number, count: number, chunk = 250): Promise<Float32Array> {
  return sampleGenerator(generator, latent, count, SAMPLE_SEED, chunk);
}

/**
 * `count` digits from a generator function (noise [rows × latent] → images [rows, 784], caller of
 * the function disposes nothing: the tensor is read and disposed here), standard normal noise
 * from `seed`, generated `chunk` rows at a time.
 */
export async function sampleGenerator(
  generator: (noise: Float32Array) => tf.Tensor,
  latent: number,
  count: number,
  seed: number,
  chunk = 500,
): Promise<Float32Array> {
  const images = new Float32Array(count * DIGIT_PIXELS);
  const rng = new Rng(seed);
  for (let start = 0; start < count; start += chunk) {
    const rows = Math.min(chunk, count - start);
    const out = generator(rng.fillNormal(new Float32Array(rows * latent)));
    images.set((await out.data()) as Float32Array, start * DIGIT_PIXELS);
    out.dispose();
  }
  return images;
}
