/**
 * Imported datasets in IndexedDB, kept in this browser only. As with runs, the parts (each
 * split's images and labels) are written first and the record that lists them last, so a
 * dataset is either there whole or not at all; a failed import (a full quota) removes what it
 * wrote and leaves every other dataset as it was.
 */
import { del, delMany, get, set, values } from 'idb-keyval';
import type { IdxDataset } from '../core/datasets/idxDataset';
import type { ImageSplit } from '../core/mnistIdx';
import type { ClassifierWeights } from '../core/metrics/classifier';
import { DIGIT_PIXELS } from '../core/digits';
import { StorageError, describeError } from '../core/errors';
import { isQuotaError } from './records';
import { type LabStores, openLabStores } from './storeNames';

export const DATASET_SPLITS = ['train', 'test'] as const;
export type SplitName = (typeof DATASET_SPLITS)[number];

export interface DatasetRecord {
  id: string;
  /** The name the user gave it (unique among the datasets). */
  name: string;
  createdAt: number;
  /** Where it came from, as the user would recognise it: the file names. */
  source: string[];
  trainCount: number;
  testCount: number;
  testFrom: IdxDataset['testFrom'];
  /** 0 for unlabelled data. */
  classes: number;
  /** The classes' names where they have any (pictures labelled by folder), in label order. */
  classNames: string[];
  /** Bytes of images and labels stored. */
  bytes: number;
  /** The first training images (up to PREVIEW_IMAGES × 784 grey bytes): what training will see. */
  preview: Uint8Array;
  /**
   * The evaluation classifier the worker trained for this labelled dataset (once, at its first
   * run's first checkpoint), for FD and the score; absent until then and for unlabelled data.
   */
  evaluator?: EvaluatorSummary;
}

/** What the dataset's evaluation classifier was trained on and how well it tells the classes apart. */
export interface EvaluatorSummary {
  /** Share of the held-out images it classifies right. */
  testAccuracy: number;
  trainImages: number;
  testImages: number;
  /** Epochs trained (fewer than planned, fractional, when its time budget ran out). */
  epochs: number;
  trainedAt: number;
}

/** "test accuracy 91.2 % on 2,000 held-out images". */
export function describeEvaluator(summary: EvaluatorSummary): string {
  return `test accuracy ${(100 * summary.testAccuracy).toFixed(1)} % on ${summary.testImages.toLocaleString('en')} held-out images`;
}

/** A stored evaluation classifier: its weights and their summary. */
export interface StoredEvaluator {
  weights: ClassifierWeights;
  summary: EvaluatorSummary;
}

export const PREVIEW_IMAGES = 64;

interface StoredSplit {
  count: number;
  pixels: Uint8Array;
  labels: Uint8Array | null;
}

/** Names a user may give: short, printable, and not the built-in set's. */
export const BUILT_IN_DATASET = 'MNIST';
const MAX_NAME = 60;

function splitKey(id: string, split: SplitName): [string, SplitName] {
  return [id, split];
}

/** Beside the splits: the dataset's evaluation classifier's weights. */
function evaluatorKey(id: string): [string, 'evaluator'] {
  return [id, 'evaluator'];
}

/** Every part stored beside a dataset's record. */
function partKeys(id: string): [string, string][] {
  return [...DATASET_SPLITS.map((s) => splitKey(id, s)), evaluatorKey(id)];
}

/** Copies out of the file's buffer, so what is stored is exactly the split's bytes. */
function stored(split: ImageSplit): StoredSplit {
  return { count: split.count, pixels: split.pixels.slice(), labels: split.labels ? split.labels.slice() : null };
}

export class DatasetRepository {
  constructor(private readonly stores: Pick<LabStores, 'datasets' | 'datasetImages'> = openLabStores()) {}

  /** Every imported dataset, oldest first. */
  async list(): Promise<DatasetRecord[]> {
    const records = (await values<DatasetRecord>(this.stores.datasets)).filter((r) => r && typeof r.id === 'string');
    return records.sort((a, b) => a.createdAt - b.createdAt);
  }

  async get(id: string): Promise<DatasetRecord | null> {
    return (await get<DatasetRecord>(id, this.stores.datasets)) ?? null;
  }

  /** A name the user typed, trimmed, or a StorageError saying what is wrong with it. */
  async checkName(name: string): Promise<string> {
    const trimmed = name.trim();
    if (trimmed === '') throw new StorageError('Give the dataset a name.');
    if (trimmed.length > MAX_NAME) throw new StorageError(`A dataset's name can be ${MAX_NAME} characters long; this one has ${trimmed.length}.`);
    if (trimmed.toLowerCase() === BUILT_IN_DATASET.toLowerCase()) throw new StorageError(`${BUILT_IN_DATASET} is the built-in dataset's name: choose another.`);
    const taken = (await this.list()).find((r) => r.name.toLowerCase() === trimmed.toLowerCase());
    if (taken) throw new StorageError(`There is already a dataset named ${taken.name}: choose another name, or delete that one first.`);
    return trimmed;
  }

  /** Stores `dataset` under `name`; on failure nothing of it stays. */
  async save(name: string, dataset: IdxDataset, source: string[], now = Date.now(), classNames: string[] = []): Promise<DatasetRecord> {
    const checked = await this.checkName(name);
    const id = `dataset-${now.toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
    const splits = { train: stored(dataset.train), test: stored(dataset.test) };
    const record: DatasetRecord = {
      id,
      name: checked,
      createdAt: now,
      source,
      trainCount: dataset.train.count,
      testCount: dataset.test.count,
      testFrom: dataset.testFrom,
      classes: dataset.classes,
      classNames,
      bytes: DATASET_SPLITS.reduce((sum, s) => sum + splits[s].pixels.byteLength + (splits[s].labels?.byteLength ?? 0), 0),
      preview: splits.train.pixels.slice(0, Math.min(PREVIEW_IMAGES, splits.train.count) * DIGIT_PIXELS),
    };
    try {
      for (const split of DATASET_SPLITS) await set(splitKey(id, split), splits[split], this.stores.datasetImages);
      await set(id, record, this.stores.datasets);
    } catch (error) {
      await delMany(DATASET_SPLITS.map((s) => splitKey(id, s)), this.stores.datasetImages).catch(() => undefined);
      if (isQuotaError(error)) {
        throw new StorageError(
          `${checked} (${Math.round(record.bytes / (1024 * 1024))} MB) does not fit in this browser's storage for the lab: ` +
            'delete a dataset or some runs, then import it again. Nothing else was changed.',
        );
      }
      throw new StorageError(`${checked} could not be stored: ${describeError(error)}. Nothing else was changed.`);
    }
    return record;
  }

  /** A split's images and labels; a StorageError if the dataset is gone. */
  async loadSplit(id: string, split: SplitName): Promise<ImageSplit> {
    const record = await this.get(id);
    const part = record ? await get<StoredSplit>(splitKey(id, split), this.stores.datasetImages) : undefined;
    if (!record || !part) throw new DatasetMissingError(id);
    return part;
  }

  /** Both splits and the number of classes, as a run trains on them. */
  async load(id: string): Promise<{ train: ImageSplit; test: ImageSplit; classes: number }> {
    const record = await this.get(id);
    if (!record) throw new DatasetMissingError(id);
    return { train: await this.loadSplit(id, 'train'), test: await this.loadSplit(id, 'test'), classes: record.classes };
  }

  /** The dataset's evaluation classifier, or null when none was trained (or the dataset is gone). */
  async loadEvaluator(id: string): Promise<StoredEvaluator | null> {
    const record = await this.get(id);
    const weights = record?.evaluator ? await get<ClassifierWeights>(evaluatorKey(id), this.stores.datasetImages) : undefined;
    return record?.evaluator && weights ? { weights, summary: record.evaluator } : null;
  }

  /**
   * Keeps the evaluation classifier trained for dataset `id`: its weights, then the record that
   * names it. A StorageError when the dataset is gone or storage is full (the classifier is then
   * trained again next time; nothing else changes).
   */
  async saveEvaluator(id: string, evaluator: StoredEvaluator): Promise<DatasetRecord> {
    const record = await this.get(id);
    if (!record) throw new DatasetMissingError(id);
    try {
      await set(evaluatorKey(id), evaluator.weights, this.stores.datasetImages);
      const updated = { ...record, evaluator: evaluator.summary };
      await set(id, updated, this.stores.datasets);
      return updated;
    } catch (error) {
      await del(evaluatorKey(id), this.stores.datasetImages).catch(() => undefined);
      throw new StorageError(`The evaluation classifier of ${record.name} could not be kept: ${describeError(error)}.`);
    }
  }

  /** Removes the dataset: its record first, so it is gone for readers at once. */
  async delete(id: string): Promise<void> {
    await del(id, this.stores.datasets);
    await delMany(partKeys(id), this.stores.datasetImages);
  }
}

export class DatasetMissingError extends StorageError {
  override name = 'DatasetMissingError';
  constructor(readonly datasetId: string) {
    super('The dataset this run trained on is no longer in this browser (it was deleted): import its files again to go on.');
  }
}
