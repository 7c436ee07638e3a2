/**
 * The page's features wired together: one store, one worker client, and each feature's
 * controllers and actions over them. Built once, outside React, so StrictMode's double effects
 * cannot start two workers; components reach it through `useLab()`.
 */
import type { ParsedConfig } from '../core/config';
import { DatasetRepository } from '../storage/datasetRepository';
import { RunRepository } from '../storage/runRepository';
import { createDatasetsController, type DatasetsController } from './datasets/datasetsController';
import {
  createCompareController,
  type CompareController,
  type CompareReader,
  type SettingsStorage,
} from './compare/compareController';
import {
  browserExportsEnvironment,
  createExportsController,
  type ExportsController,
  type ExportsEnvironment,
} from './exports/exportsController';
import { createGridDownloads, type GridDownloads } from './history/gridDownloads';
import { createHistoryView, type GridReader, type HistoryView } from './history/historyView';
import {
  browserStorage,
  createSavedRuns,
  type SavedRuns,
  type SavedRunsEnvironment,
} from './history/savedRuns';
import { createMessageActions, type MessageActions } from './messages/messageActions';
import { createLiveFeed, type LiveFeed } from './run/liveFeed';
import {
  browserRunEnvironment,
  createRunActions,
  type RunActions,
  type RunEnvironment,
} from './run/runActions';
import {
  createTrainingWorker,
  createWorkerClient,
  type WorkerClient,
  type WorkerFactory,
} from './run/workerClient';
import { createSamplingController, type SamplingController } from './sample/samplingController';
import type { FrameScheduler } from './shared/frameStore';
import { createLabStore, type LabStore } from './shared/labStore';

export interface Lab {
  store: LabStore;
  /** Posts commands and routes the worker's answers; for the features, not for components. */
  client: WorkerClient;
  /** The live grid's and the loss chart's buffers. */
  live: LiveFeed;
  run: RunActions;
  messages: MessageActions;
  /** Scrubbing, playing and comparing the viewed run. */
  history: HistoryView;
  savedRuns: SavedRuns;
  gridDownloads: GridDownloads;
  sampling: SamplingController;
  exports: ExportsController;
  /** Runs side by side; the run list's order, renames and notes. */
  compare: CompareController;
  /** Imported datasets: import, list, delete. */
  datasets: DatasetsController;
  /** What the page does on load: sets up the worker's backend and reads the saved runs. */
  start(): void;
  /** Ends the worker, the timers and the listeners (the page itself lives as long as its lab). */
  dispose(): void;
}

export type LabEnvironment = RunEnvironment &
  ExportsEnvironment & {
    repository: SavedRunsEnvironment['repository'] & GridReader & CompareReader;
    storage: SavedRunsEnvironment['storage'];
    datasets: Pick<DatasetRepository, 'list' | 'delete'>;
    /** Where small page settings (the compared runs) outlive a reload; in memory when absent. */
    settings?: SettingsStorage;
    createWorker: WorkerFactory;
    /** Frames for publishing the state; the browser's animation frames by default. */
    schedule?: FrameScheduler;
  };

export function browserLabEnvironment(): LabEnvironment {
  return {
    ...browserRunEnvironment,
    ...browserExportsEnvironment,
    repository: new RunRepository(),
    datasets: new DatasetRepository(),
    storage: browserStorage,
    settings: localStorage,
    createWorker: createTrainingWorker,
  };
}

export function createLab(parsed: ParsedConfig, env: LabEnvironment = browserLabEnvironment()): Lab {
  const store = createLabStore(parsed, env.schedule);
  const client = createWorkerClient(store, env.createWorker);
  const live = createLiveFeed(store);
  const history = createHistoryView(store, live, env.repository);
  const savedRuns = createSavedRuns(store, client, history, env);
  const compare = createCompareController(store, live, env);
  const run = createRunActions(store, client, env);
  const datasets = createDatasetsController(store, client, env.datasets, run);
  return {
    store,
    client,
    live,
    run,
    messages: createMessageActions(store),
    history,
    savedRuns,
    gridDownloads: createGridDownloads(store, history, env.saveFile),
    sampling: createSamplingController(store, client),
    exports: createExportsController(store, client, env),
    compare,
    datasets,
    start() {
      client.init(store.getState().form.config.backend);
      void savedRuns.refresh().then(compare.sync);
      void datasets.refresh();
    },
    dispose() {
      compare.dispose();
      savedRuns.dispose();
      history.dispose();
      live.dispose();
      client.dispose();
    },
  };
}
