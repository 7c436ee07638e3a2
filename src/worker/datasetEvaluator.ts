/**
 * The evaluation classifier of an imported labelled dataset: the MNIST classifier knows nothing of
 * other data, so for FD and the score the worker trains the same small CNN on the dataset's own
 * training images (once, before its first run measures anything: a few seconds on wasm or
 * WebGL), measures its accuracy on the held-out images and keeps it with the dataset, so later
 * runs (and later visits) load it instead.
 */
import { Classifier } from '../core/metrics/classifier';
import { type LabelledSplit, classifierAccuracy, trainClassifierModel } from '../core/metrics/classifierTraining';
import { type EvaluatorSummary, type StoredEvaluator, describeEvaluator } from '../storage/datasetRepository';
import type { TrainingData } from './trainingData';

/** Where the datasets' classifiers are kept (the DatasetRepository in the worker). */
export interface EvaluatorStore {
  loadEvaluator(datasetId: string): Promise<StoredEvaluator | null>;
  saveEvaluator(datasetId: string, evaluator: StoredEvaluator): Promise<unknown>;
}

/**
 * How the dataset's classifier is trained: bounded so it costs seconds, not minutes; a small set
 * trains for more epochs (up to 10) to make 400 steps, since 3 epochs of a thousand images are 42.
 */
export const EVALUATOR_TRAINING = { epochs: 3, minSteps: 400, maxEpochs: 10, batch: 64, seed: 1, maxImages: 12_000, testImages: 2_000, budgetMs: 60_000 } as const;

/** Labels over 2 to 255 classes in both splits: what a dataset needs for its own classifier. */
export function canTrainEvaluator(data: TrainingData): data is TrainingData & { train: LabelledSplit; test: LabelledSplit } {
  return data.classes >= 2 && data.train.labels !== null && data.test.labels !== null && data.test.count > 0;
}

export interface DatasetEvaluator {
  classifier: Classifier;
  summary: EvaluatorSummary;
  /** Trained just now (false: loaded from the store). */
  trained: boolean;
}

/**
 * The dataset's stored classifier, or a new one trained on it and stored. `notify` hears what is
 * happening (training takes a moment); `yieldNow` is awaited every few steps so the worker stays
 * responsive. A classifier that cannot be stored is still used this session.
 */
export async function datasetEvaluator(
  store: EvaluatorStore,
  data: TrainingData & { train: LabelledSplit; test: LabelledSplit },
  notify: (message: string) => void,
  yieldNow: () => Promise<void> = () => new Promise((resolve) => setTimeout(resolve, 0)),
): Promise<DatasetEvaluator> {
  const stored = await store.loadEvaluator(data.dataset);
  if (stored) {
    try {
      return { classifier: Classifier.fromArrays(stored.weights), summary: stored.summary, trained: false };
    } catch {
      // Damaged or from an older layout: train a new one below.
    }
  }
  const { epochs, minSteps, maxEpochs, batch, seed, maxImages, testImages, budgetMs } = EVALUATOR_TRAINING;
  const trainImages = Math.min(maxImages, data.train.count);
  notify(
    `Training an evaluation classifier for this dataset (once; it is kept with the dataset): ` +
      `${trainImages.toLocaleString('en')} images, ${data.classes} classes, ${epochs} epochs (at least ${minSteps} steps, up to ${maxEpochs} epochs) or a minute, whichever comes first. FD and the score are measured with it.`,
  );
  const fit = await trainClassifierModel(data.train, {
    classes: data.classes,
    epochs,
    minSteps,
    maxEpochs,
    batch,
    seed,
    maxImages,
    budgetMs,
    onStep: (step) => (step % 10 === 0 ? yieldNow() : undefined),
  });
  const classifier = Classifier.fromModel(fit.model);
  fit.model.dispose();
  const tested = Math.min(testImages, data.test.count);
  const summary: EvaluatorSummary = {
    testAccuracy: await classifierAccuracy(classifier, data.test, tested),
    trainImages,
    testImages: tested,
    epochs: Number(((fit.epochs * fit.steps) / fit.plannedSteps).toFixed(2)),
    trainedAt: Date.now(),
  };
  notify(`The dataset's evaluation classifier is ready: ${describeEvaluator(summary)}.`);
  try {
    await store.saveEvaluator(data.dataset, { weights: await classifier.toArrays(), summary });
  } catch (error) {
    notify(`${error instanceof Error ? error.message : String(error)} It is used for this session and trained again next time.`);
  }
  return { classifier, summary, trained: true };
}
