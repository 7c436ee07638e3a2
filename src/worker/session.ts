/**
 * The worker's dispatcher, free of worker globals so tests can drive it in Node: each command
 * goes to the object that owns it (the backends, the training run, the sampler, the exports),
 * and whatever it throws is posted as an `error` with the error's own code.
 * `training.worker.ts` binds it to `onmessage`.
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendChoice, type BackendName, MNIST_DATASET } from '../core/config';
import { ProtocolError, StorageError, describeError, errorCode } from '../core/errors';
import type { RunLock } from '../storage/runLocks';
import { type BackendEnvironment, BackendHost } from './backendHost';
import { GeneratorExports } from './exports';
import type { MnistData, ProgressListener } from './mnistLoader';
import type { DatasetRepository } from '../storage/datasetRepository';
import { importDataset } from './datasetImport';
import type { DecodePicture } from '../core/datasets/pictureDataset';
import { DatasetError } from '../core/datasets/idxDataset';
import { type TrainingData, TrainingDataCache } from './trainingData';
import { type Command, assertNever } from './protocol';
import { measureImportedRun } from './importedRunQuality';
import { CheckpointQuality, type ClassifierLoader } from './quality';
import type { HistoryEnvironment, HistoryStorage, StorageEstimate } from './runHistory';
import { checkedConfig, newRunPlan, type PlanSource, resumeRunPlan } from './runPlan';
import { Sampler } from './sampler';
import { type Post, TrainingRun } from './trainingRun';

export type { Post };

export interface WorkerEnvironment extends BackendEnvironment {
  loadData(onProgress: ProgressListener): Promise<MnistData>;
  /** The datasets imported into this browser; without it runs train on MNIST only. */
  datasets?: DatasetRepository;
  /** Decodes PNG and JPEG pictures (the browser's decoder); without it pictures are refused. */
  decodePicture?: DecodePicture;
  now(): number;
  yieldToEvents(): Promise<void>;
  /** Where runs are saved (IndexedDB in the browser); without it nothing is kept. */
  storage?: HistoryStorage;
  /** navigator.storage.estimate(), for the numbers in a "storage is full" message. */
  estimateStorage?: () => Promise<StorageEstimate | null>;
  /**
   * Takes the run's Web Lock for as long as it trains here, or null when another tab holds it.
   * Without it, nothing stops two tabs from training one run.
   */
  lockRun?: (runId: string) => Promise<RunLock | null>;
  /** The evaluation classifier, for quality metrics at checkpoints; without it there are none. */
  loadClassifier?: ClassifierLoader;
}

const refuseDecoding: DecodePicture = async (_, name) => {
  throw new DatasetError(`${name} cannot be read here: this browser gives the lab no picture decoder in a worker.`);
};

export class TrainingSession {
  private readonly backends: BackendHost;
  private readonly data: TrainingDataCache;
  /** The latest run, kept after it ends so its generator can still be exported. */
  private run: TrainingRun | null = null;
  private sampler: Sampler | null = null;
  private readonly quality: CheckpointQuality;
  private readonly exports = new GeneratorExports(
    () => this.requireStorage(),
    (runId) => this.trainingGenerator(runId),
  );

  constructor(
    private readonly env: WorkerEnvironment,
    private readonly post: Post,
  ) {
    this.backends = new BackendHost(env);
    this.data = new TrainingDataCache((onProgress) => env.loadData(onProgress), env.datasets);
    this.quality = new CheckpointQuality((event) => this.post(event), env.datasets);
  }

  async handleMessage(command: Command): Promise<void> {
    try {
      switch (command.type) {
        case 'init':
          return await this.init(command.requestId, command.backend);
        case 'start': {
          const { runId, keepFullStates = false } = command;
          const config = checkedConfig(command.config);
          return await this.train(runId, async () => newRunPlan(this.historyEnv(), runId, config, keepFullStates));
        }
        case 'resume-run': {
          const { runId, epochs, backend } = command;
          return await this.train(runId, () => resumeRunPlan(this.requireHistoryEnv(), runId, { epochs, backend }));
        }
        case 'pause':
          return this.runFor(command.runId).pause();
        case 'resume':
          return this.runFor(command.runId).resume();
        case 'stop':
          return this.runFor(command.runId).stop();
        case 'set-live':
          return await this.runFor(command.runId).setLive(command.settings);
        case 'grid-ack':
          return this.runFor(command.runId).ackGrid();
        case 'sample': {
          const { requestId, runId, epoch, seed, count, digit } = command;
          const grid = await this.getSampler().sample(runId, epoch, seed, count, digit);
          this.post({ type: 'sample-result', requestId, runId, epoch, ...grid }, [grid.pixels.buffer]);
          return;
        }
        case 'interpolate': {
          const { requestId, runId, epoch, seedA, seedB, steps, digit } = command;
          const grid = await this.getSampler().interpolate(runId, epoch, seedA, seedB, steps, digit);
          this.post({ type: 'sample-result', requestId, runId, epoch, ...grid }, [grid.pixels.buffer]);
          return;
        }
        case 'export-generator': {
          const { requestId, source, format, reference } = command;
          const file = await this.exports.export(source, format, reference);
          const bytes = file.bytes.buffer as ArrayBuffer;
          const transfer: Transferable[] = [bytes];
          if (file.reference) transfer.push(file.reference.noise.buffer, file.reference.images.buffer);
          this.post({ type: 'generator-exported', requestId, format, fileName: file.fileName, bytes, facts: file.facts, reference: file.reference }, transfer);
          return;
        }
        case 'import-generator': {
          const imported = await this.exports.importFiles(command.files);
          if (imported.kind === 'run') {
            this.post({ type: 'run-imported', requestId: command.requestId, run: imported.run });
            await this.measureImported(imported.run.runId);
          } else this.post({ type: 'generator-imported', requestId: command.requestId, importId: imported.importId, name: imported.name, facts: imported.facts });
          return;
        }
        case 'sample-imported': {
          const { requestId, importId, seed, count } = command;
          const grid = await this.exports.sampleImported(importId, seed, count);
          this.post({ type: 'sample-result', requestId, runId: importId, epoch: 0, ...grid }, [grid.pixels.buffer]);
          return;
        }
        case 'import-dataset': {
          const dataset = await importDataset(this.requireDatasets(), command.name, command.files, this.env.decodePicture ?? refuseDecoding, command.pictures);
          this.post({ type: 'dataset-imported', requestId: command.requestId, dataset });
          return;
        }
        case 'forget-backend-choices':
          return await this.backends.forgetChoices();
        default:
          return assertNever(command);
      }
    } catch (error) {
      // A sample's run need not be the one training; its error belongs to the request.
      const sampling = command.type === 'sample' || command.type === 'interpolate';
      const runId = 'runId' in command && !sampling ? command.runId : undefined;
      const requestId = 'requestId' in command ? command.requestId : undefined;
      this.post({ type: 'error', runId, requestId, code: errorCode(error), message: describeError(error) });
    }
  }

  private async init(requestId: number, choice: BackendChoice): Promise<void> {
    if (this.run?.active) throw new ProtocolError('The backend cannot change while a run is training; pause or stop it first.');
    const selection = await this.backends.select(choice);
    this.post({ type: 'ready', requestId, backend: selection.backend, backendDetail: selection.detail, available: this.backends.available, notice: selection.notice });
  }

  /** Trains a new or resumed run to its end; one run at a time. */
  private async train(runId: string, plan: PlanSource): Promise<void> {
    if (this.run?.active) throw new ProtocolError('A run is already training in this worker; stop it before starting or resuming another.');
    this.run?.dispose();
    const run = new TrainingRun(runId, {
      backends: this.backends,
      loadData: (id, dataset) => this.loadData(id, dataset),
      quality: this.quality,
      loadClassifier: this.env.loadClassifier,
      history: this.historyEnv(),
      lockRun: this.env.lockRun,
      now: () => this.env.now(),
      yieldToEvents: () => this.env.yieldToEvents(),
      post: this.post,
    });
    this.run = run;
    await run.train(plan);
  }

  private runFor(runId: string): TrainingRun {
    if (this.run?.runId !== runId) throw new ProtocolError(`No run ${runId} in this worker.`);
    return this.run;
  }

  /** The generator `runId` is training now, copied out of the device (for an export). */
  private async trainingGenerator(runId: string) {
    const generator = this.run?.runId === runId ? await this.run.generatorNow() : null;
    if (!generator) {
      throw new ProtocolError(`Run ${runId} is not training in this worker; export one of its saved epochs instead.`);
    }
    return generator;
  }

  /** The imported run's generators measured as checkpoints are (when this worker has a classifier). */
  private async measureImported(runId: string): Promise<void> {
    const { loadClassifier } = this.env;
    if (!loadClassifier || !this.env.storage) return;
    await measureImportedRun(runId, {
      storage: this.env.storage,
      loadClassifier,
      loadData: () => this.data.load(MNIST_DATASET, () => undefined),
      backend: tf.getBackend() as BackendName,
      post: this.post,
    });
  }

  private loadData(runId: string, dataset: string): Promise<TrainingData> {
    return this.data.load(dataset, (file, loadedBytes, totalBytes, done) =>
      this.post({ type: 'data-progress', runId, file, loadedBytes, totalBytes, done }),
    );
  }

  private requireDatasets(): DatasetRepository {
    if (!this.env.datasets) throw new StorageError('Datasets cannot be imported: this browser gives the lab no IndexedDB storage.');
    return this.env.datasets;
  }

  private getSampler(): Sampler {
    this.sampler ??= new Sampler(this.requireStorage());
    return this.sampler;
  }

  private requireStorage(): HistoryStorage {
    return this.requireHistoryEnv().storage;
  }

  private historyEnv(): HistoryEnvironment | null {
    const { storage, estimateStorage } = this.env;
    return storage ? { storage, estimate: estimateStorage, post: (event) => this.post(event) } : null;
  }

  private requireHistoryEnv(): HistoryEnvironment {
    const env = this.historyEnv();
    if (!env) throw new StorageError('Saved runs are not available: this browser gives the lab no IndexedDB storage.');
    return env;
  }
}
