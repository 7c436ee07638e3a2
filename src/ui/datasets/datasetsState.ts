/**
 * The datasets imported into this browser, as the page lists them, and the import in progress.
 * Read from IndexedDB when the page starts and after every change (datasetsController.ts).
 */
import { MNIST_DATASET } from '../../core/config';
import type { DatasetRecord } from '../../storage/datasetRepository';
import type { Slice } from '../shared/labEvents';

export interface DatasetsState {
  /** Oldest first; empty until read. */
  list: readonly DatasetRecord[];
  /** The list has been read from storage at least once. */
  loaded: boolean;
  /** The worker is reading and storing chosen files. */
  importing: boolean;
}

export const datasetsSlice: Slice<DatasetsState> = {
  initial: () => ({ list: [], loaded: false, importing: false }),
  on: {
    // The worker trained the dataset's evaluation classifier and stored it: the summary shows its accuracy.
    'dataset-evaluator': (datasets, { datasetId, evaluator }) => ({
      ...datasets,
      list: datasets.list.map((d) => (d.id === datasetId ? { ...d, evaluator } : d)),
    }),
  },
};

/** What a run or the form's `dataset` names, for people: MNIST, an imported set's name, or that it is gone. */
export function datasetLabel(list: readonly DatasetRecord[], dataset: string): string {
  if (dataset === MNIST_DATASET) return 'MNIST';
  return list.find((d) => d.id === dataset)?.name ?? 'a deleted dataset';
}
