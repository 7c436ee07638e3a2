/**
 * What `npm run eval` and `npm run sweep` judge generated digits with: the evaluation classifier
 * (public/classifier/) for FD, score and the class histogram, and three disjoint real sets of n
 * digits drawn once with a fixed seed, so that every judged generator meets the same ones: test
 * digits for FD, two sets of training digits for the C2ST and its floor.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIGIT_PIXELS } from '../src/core/digits';
import { type MnistSplit, normaliseBatch } from '../src/core/mnistIdx';
import { classHistogram, mnistScore } from '../src/core/metrics/classScores';
import { shuffledIndices } from '../src/core/metrics/c2st';
import {
  CLASSIFIER_FEATURES,
  CLASSIFIER_MODEL_JSON,
  CLASSIFIER_WEIGHTS,
  type Classifier,
  classifierFromFiles,
  loadClassifier,
} from '../src/core/metrics/classifier';
import { fitGaussian, frechetDistance } from '../src/core/metrics/frechet';
import { Rng } from '../src/core/rng';
import { loadMnist } from './mnistNode';

export interface Judge {
  n: number;
  classifier: Classifier;
  /** Real test digits (up to n), FD's reference. */
  realTest: Float32Array;
  /** Real training digits A and B, n each and disjoint: the C2ST compares against A, the floor is A vs B. */
  realA: Float32Array;
  realB: Float32Array;
  dispose(): void;
}

export interface ClassifierScores {
  fd: number;
  score: number;
  histogram: ReturnType<typeof classHistogram>;
}

function images(split: MnistSplit, indices: Int32Array): Float32Array {
  return normaliseBatch(split.pixels, indices, new Float32Array(indices.length * DIGIT_PIXELS));
}

/** The classifier and the real sets for n digits (at most 30,000: A and B come from 60,000). */
export async function openJudge(root: string, n: number): Promise<Judge> {
  if (n > 30000) throw new Error(`n = ${n} is too large: the floor needs two disjoint sets of n of the 60,000 training digits.`);
  const { train, test } = loadMnist(root);
  const dir = join(root, 'public/classifier');
  const classifier = await loadClassifier(
    classifierFromFiles(readFileSync(join(dir, CLASSIFIER_MODEL_JSON), 'utf8'), new Uint8Array(readFileSync(join(dir, CLASSIFIER_WEIGHTS)))),
  );
  const rng = new Rng(777);
  const realTest = images(test, shuffledIndices(test.count, rng).subarray(0, Math.min(n, test.count)));
  const trainOrder = shuffledIndices(train.count, rng);
  return {
    n,
    classifier,
    realTest,
    realA: images(train, trainOrder.subarray(0, n)),
    realB: images(train, trainOrder.subarray(n, 2 * n)),
    dispose: () => classifier.dispose(),
  };
}

/** FD against the judge's real test digits, the MNIST score and the class histogram of `digits`. */
export async function classifierScores(judge: Judge, digits: Float32Array): Promise<ClassifierScores> {
  const gen = await judge.classifier.evaluate(digits);
  const real = await judge.classifier.evaluate(judge.realTest);
  return {
    fd: frechetDistance(fitGaussian(gen.features, CLASSIFIER_FEATURES), fitGaussian(real.features, CLASSIFIER_FEATURES)),
    score: mnistScore(gen.probabilities),
    histogram: classHistogram(gen.probabilities),
  };
}
