/**
 * What a run trains on: MNIST (built in, downloaded once per worker) or a dataset imported into
 * this browser (read from IndexedDB, the last one kept). Either way a training split, a test
 * split to evaluate with, and the number of classes its labels run over.
 */
import { MNIST_DATASET } from '../core/config';
import { DIGIT_CLASSES } from '../core/digits';
import { ConfigError } from '../core/errors';
import { requireLabels } from '../core/gan';
import type { ImageSplit } from '../core/mnistIdx';
import type { Recipe } from '../core/recipe';
import type { MnistData, ProgressListener } from './mnistLoader';

export interface TrainingData {
  /** `mnist` or an imported dataset's id (RunConfig.dataset). */
  dataset: string;
  train: ImageSplit;
  test: ImageSplit;
  /** Classes its labels run over; 0 for unlabelled data. */
  classes: number;
}

/** The imported datasets, as the worker reads them. */
export interface DatasetSource {
  load(id: string): Promise<Omit<TrainingData, 'dataset'>>;
  /** The dataset's record, or null once it is deleted. */
  get(id: string): Promise<unknown>;
}

export class TrainingDataCache {
  private mnist: Promise<TrainingData> | null = null;
  private imported: { id: string; data: Promise<TrainingData> } | null = null;

  constructor(
    private readonly loadMnist: (onProgress: ProgressListener) => Promise<MnistData>,
    private readonly datasets: DatasetSource | undefined,
  ) {}

  load(dataset: string, onProgress: ProgressListener): Promise<TrainingData> {
    if (dataset === MNIST_DATASET) {
      if (!this.mnist) {
        const mnist = this.loadMnist(onProgress).then((data) => ({ dataset, ...data, classes: DIGIT_CLASSES }));
        this.mnist = mnist;
        // A failed download may succeed on the next Train.
        mnist.catch(() => {
          if (this.mnist === mnist) this.mnist = null;
        });
      }
      return this.mnist;
    }
    const source = this.datasets;
    if (!source) return Promise.reject(new ConfigError('Imported datasets are not available: this browser gives the lab no IndexedDB storage.'));
    return this.loadImported(source, dataset);
  }

  /**
   * The kept copy while the dataset is still stored (another tab may have deleted it: then it
   * is read again, and the read says it is gone), else a new read.
   */
  private async loadImported(source: DatasetSource, dataset: string): Promise<TrainingData> {
    if (this.imported?.id === dataset && !(await source.get(dataset))) this.imported = null;
    if (this.imported?.id !== dataset) {
      const data = source.load(dataset).then((loaded) => ({ dataset, ...loaded }));
      this.imported = { id: dataset, data };
      data.catch(() => {
        if (this.imported?.data === data) this.imported = null;
      });
    }
    return this.imported.data;
  }
}

/** Refuses, before training, a recipe the data cannot feed: class conditioning without labels or with too many classes. */
export function checkDataForRecipe(recipe: Recipe, data: TrainingData): void {
  if (recipe.conditioning !== 'class') return;
  requireLabels(data.train);
  if (data.classes > DIGIT_CLASSES) {
    throw new ConfigError(
      `This recipe conditions on ${DIGIT_CLASSES} classes, and the dataset's labels run over ${data.classes}: ` +
        'choose a recipe without conditioning for it.',
    );
  }
}
