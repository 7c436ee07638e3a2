/**
 * Where the lab keeps its history in IndexedDB: one idb-keyval store (one database) per concern,
 * named here and nowhere else. The run record is the index: a part (grid, weights, losses) that
 * no run record lists does not exist as far as readers are concerned.
 */
import { createStore, type UseStore } from 'idb-keyval';

export const STORE_NAMES = {
  /** runId → RunRecord: the index of each run, written last. */
  runs: ['mnist-gan-lab-runs', 'runs'],
  /** [runId, epoch] → GridRecord: the fixed-noise grid after every epoch. */
  grids: ['mnist-gan-lab-grids', 'grids'],
  /** [runId, epoch] → checkpoint bytes (generator only) at checkpoint epochs. */
  generators: ['mnist-gan-lab-generators', 'generators'],
  /** [runId, step] → checkpoint bytes (G + D + both Adam states): the resume points. */
  states: ['mnist-gan-lab-states', 'states'],
  /**
   * [runId, epoch] → that epoch's logged loss points, 5 numbers each: a Float64Array (a
   * Float32Array in runs saved before steps were kept exact).
   */
  losses: ['mnist-gan-lab-losses', 'losses'],
  /** datasetId → DatasetRecord: an imported dataset's index, written last. */
  datasets: ['mnist-gan-lab-datasets', 'datasets'],
  /** [datasetId, 'train' | 'test'] → StoredSplit: an imported dataset's images and labels. */
  datasetImages: ['mnist-gan-lab-dataset-images', 'images'],
} as const;

export type StoreName = keyof typeof STORE_NAMES;

export type LabStores = Record<StoreName, UseStore>;

/** Opens (lazily, on first use) the lab's stores. */
export function openLabStores(): LabStores {
  const stores = {} as LabStores;
  for (const [name, [db, store]] of Object.entries(STORE_NAMES)) {
    stores[name as StoreName] = createStore(db, store);
  }
  return stores;
}
