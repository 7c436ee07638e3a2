/**
 * The worker's logic, free of worker globals so tests can drive it in Node: it takes commands,
 * owns the backend, the data and the GAN, and posts events. `training.worker.ts` binds it to
 * `onmessage`.
 */
import { CheckpointError, decodeSnapshot, restoreGan, snapshotGenerator } from '../core/checkpointCodec';
import { ConfigError, ProtocolError, StorageError, describeError, errorCode } from '../core/errors';
import type { BackendChoice, BackendName, RunConfig } from '../core/config';
import { parseConfig, totalSteps } from '../core/config';
import { type Gan, createGan, disposeGan, fixedNoise, generatePixels } from '../core/gan';
import { NonFiniteLossError, runTraining } from '../core/trainingLoop';
import type { RunLock } from '../storage/runLocks';
import type { BackendInfo, BackendSelection } from './backends';
import type { MnistData, ProgressListener } from './mnistLoader';
import { BackendLostError, type BackendWatch, NonFiniteStateError, RunBusyError } from './faults';
import { type Command, type WorkerEvent, assertNever } from './protocol';
import {
  type HistoryEnvironment,
  type HistoryStorage,
  RunHistory,
  isCheckpointEpoch,
  type StorageEstimate,
} from './runHistory';
import { GeneratorExports } from './exports';
import { CheckpointQuality, type ClassifierLoader } from './quality';
import { Sampler } from './sampler';

export interface WorkerEnvironment {
  probeBackends(): BackendInfo;
  selectBackend(choice: BackendChoice, info: BackendInfo): Promise<BackendSelection>;
  loadData(onProgress: ProgressListener): Promise<MnistData>;
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
  /** Watches a started backend for the loss of its device (WebGL); null when it cannot lose one. */
  watchBackend?: (backend: BackendName) => BackendWatch | null;
  /** The evaluation classifier, for quality metrics at checkpoints; without it there are none. */
  loadClassifier?: ClassifierLoader;
}

export type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;

const GRID_ROWS = 10;
const GRID_COLS = 10;
/** The live grid refreshes at least this often within an epoch, if the page keeps up. */
const GRID_INTERVAL_MS = 2000;

interface Run {
  runId: string;
  config: RunConfig;
  gan: Gan | null;
  noise: Float32Array;
  paused: boolean;
  stopRequested: boolean;
  wake: (() => void) | null;
  gridInFlight: boolean;
  gridWanted: boolean;
  lastGridAt: number;
  step: number;
  /** Saves the run's history; null when storage is unavailable. */
  history: RunHistory | null;
  /** Training time before this session picked the run up (resumed runs), in ms. */
  wallOffsetMs: number;
  elapsedMs: number;
}

/** What a new or resumed run starts from, loaded before any backend or data work. */
interface TrainingPlan {
  config: RunConfig;
  startStep: number;
  wallOffsetMs: number;
  createGan(): Gan;
  openHistory(backend: BackendName): Promise<RunHistory | null>;
}

export class TrainingSession {
  private info: BackendInfo | null = null;
  private data: Promise<MnistData> | null = null;
  private run: Run | null = null;
  private training = false;
  /** The backend the current run trains on, and its watch for a lost device. */
  private backendInUse: BackendName | null = null;
  private watch: BackendWatch | null = null;
  private sampler: Sampler | null = null;
  private readonly quality = new CheckpointQuality((event) => this.post(event));
  private readonly exports = new GeneratorExports(
    () => this.requireStorage(),
    (runId) => this.trainingGenerator(runId),
  );

  constructor(
    private readonly env: WorkerEnvironment,
    private readonly post: Post,
  ) {}

  async handleMessage(command: Command): Promise<void> {
    try {
      switch (command.type) {
        case 'init':
          return await this.init(command.requestId, command.backend);
        case 'start':
          return await this.start(command.runId, command.config, command.keepFullStates ?? false);
        case 'resume-run':
          return await this.resumeRun(command.runId, command.epochs, command.backend);
        case 'sample': {
          const { requestId, runId, epoch, seed, count } = command;
          const grid = await this.getSampler().sample(runId, epoch, seed, count);
          this.post({ type: 'sample-result', requestId, runId, epoch, ...grid }, [grid.pixels.buffer]);
          return;
        }
        case 'interpolate': {
          const { requestId, runId, epoch, seedA, seedB, steps } = command;
          const grid = await this.getSampler().interpolate(runId, epoch, seedA, seedB, steps);
          this.post({ type: 'sample-result', requestId, runId, epoch, ...grid }, [grid.pixels.buffer]);
          return;
        }
        case 'pause':
          return this.withRun(command.runId, (run) => {
            run.paused = true;
          });
        case 'resume':
          return this.withRun(command.runId, (run) => {
            run.paused = false;
            run.wake?.();
          });
        case 'stop':
          return this.withRun(command.runId, (run) => {
            run.stopRequested = true;
            run.wake?.();
          });
        case 'grid-ack':
          return this.withRun(command.runId, (run) => {
            run.gridInFlight = false;
            if (run.gridWanted) void this.sendGrid(run);
          });
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
          this.post({ type: 'generator-imported', requestId: command.requestId, ...imported });
          return;
        }
        case 'sample-imported': {
          const { requestId, importId, seed, count } = command;
          const grid = await this.exports.sampleImported(importId, seed, count);
          this.post({ type: 'sample-result', requestId, runId: importId, epoch: 0, ...grid }, [grid.pixels.buffer]);
          return;
        }
        default:
          return assertNever(command);
      }
    } catch (error) {
      // A sample's run need not be the one training; its error belongs to the request.
      const sampling = command.type === 'sample' || command.type === 'interpolate';
      const runId = 'runId' in command && !sampling ? command.runId : undefined;
      this.postError(error, runId, 'requestId' in command ? command.requestId : undefined);
    }
  }

  /** The generator `runId` is training now, copied out of the device (for an export). */
  private async trainingGenerator(runId: string) {
    const run = this.run;
    if (run?.runId !== runId || !run.gan) {
      throw new ProtocolError(`Run ${runId} is not training in this worker; export one of its saved epochs instead.`);
    }
    const snapshot = await snapshotGenerator(run.gan, run.step);
    return { snapshot, seed: run.config.seed, epoch: Math.floor(snapshot.step / run.config.stepsPerEpoch) };
  }

  private getSampler(): Sampler {
    this.sampler ??= new Sampler(this.requireStorage());
    return this.sampler;
  }

  private requireStorage(): HistoryStorage {
    if (!this.env.storage) {
      throw new StorageError('Saved runs are not available: this browser gives the lab no IndexedDB storage.');
    }
    return this.env.storage;
  }

  private historyEnv(): HistoryEnvironment {
    return {
      storage: this.requireStorage(),
      estimate: this.env.estimateStorage,
      post: (event) => this.post(event),
    };
  }

  private withRun(runId: string, act: (run: Run) => void): void {
    if (this.run?.runId !== runId) {
      throw new ProtocolError(`No run ${runId} in this worker.`);
    }
    act(this.run);
  }

  private async init(requestId: number, choice: BackendChoice): Promise<void> {
    if (this.training) throw new ProtocolError('The backend cannot change while a run is training; pause or stop it first.');
    this.info ??= this.env.probeBackends();
    const selection = await this.env.selectBackend(choice, this.info);
    this.post({ type: 'ready', requestId, backend: selection.backend, backendDetail: selection.detail, available: this.info.available, notice: selection.notice });
  }

  private async start(runId: string, rawConfig: RunConfig, keepFullStates: boolean): Promise<void> {
    if (this.training) throw new ProtocolError('A run is already training in this worker; stop it before starting another.');
    const { config, problems } = parseConfig({ ...rawConfig });
    if (problems.length > 0) throw new ConfigError(problems.map((p) => p.message).join(' '));
    await this.trainRun(runId, async () => ({
      config,
      startStep: 0,
      wallOffsetMs: 0,
      createGan: () => createGan(config.preset, config.seed, config.lr),
      openHistory: (backend) =>
        this.env.storage
          ? RunHistory.create(this.historyEnv(), runId, config, backend, keepFullStates)
          : Promise.resolve(null),
    }));
  }

  /** Continues a saved run from its latest resume point, exactly as if it had never stopped. */
  private async resumeRun(runId: string, epochs?: number, backend?: BackendChoice): Promise<void> {
    if (this.training) throw new ProtocolError('A run is already training in this worker; stop it before resuming another.');
    await this.trainRun(runId, () => this.resumePlan(runId, epochs, backend));
  }

  /** What resuming a saved run starts from: its latest resume point and its config. */
  private async resumePlan(runId: string, epochs?: number, backend?: BackendChoice): Promise<TrainingPlan> {
    const storage = this.requireStorage();
    const { run: record, state } = await storage.getLatestState(runId);
    const snapshot = decodeSnapshot(state);
    if (snapshot.kind !== 'full') {
      throw new CheckpointError(`The resume point of run "${record.name}" holds no optimizer state.`);
    }
    const { config, problems } = parseConfig({
      ...record.config,
      epochs: epochs ?? record.config.epochs,
      backend: backend ?? record.config.backend,
    });
    if (problems.length > 0) throw new ConfigError(problems.map((p) => p.message).join(' '));
    if (snapshot.step >= totalSteps(config)) {
      throw new ConfigError(
        `Run "${record.name}" has done all ${config.epochs} of its epochs; ` +
          'give it more epochs to train on.',
      );
    }
    // Nothing of this run is being written now: leftovers of a crash can go.
    await storage.collectGarbage(runId);
    return {
      config,
      startStep: snapshot.step,
      wallOffsetMs: record.latest?.wallTimeMs ?? 0,
      createGan: () => restoreGan(snapshot),
      openHistory: (backendName) =>
        RunHistory.resume(this.historyEnv(), record, config, backendName, snapshot.step),
    };
  }

  /**
   * Sets up a run from `plan`, trains it to the end or a stop, and always reports `stopped`.
   * Holds the run's lock throughout; a lost backend hands the run to the next one.
   */
  private async trainRun(runId: string, plan: () => Promise<TrainingPlan>): Promise<void> {
    this.training = true;
    if (this.run?.gan) disposeGan(this.run.gan);
    this.run = null;
    let reason: 'completed' | 'stopped' | 'error' = 'error';
    let lock: RunLock | null = null;
    try {
      // Before anything is read or cleaned up: the run may be training in another tab.
      if (this.env.lockRun) {
        lock = await this.env.lockRun(runId);
        if (!lock) throw new RunBusyError('This run');
      }
      let next = plan;
      for (;;) {
        try {
          reason = await this.trainFrom(runId, next);
          break;
        } catch (error) {
          const fallback = this.fallBackAfterLoss(runId, error);
          if (!fallback) throw error;
          next = fallback;
        }
      }
    } catch (error) {
      await this.reportTrainingError(runId, error);
    } finally {
      this.watch?.dispose();
      this.watch = null;
      this.backendInUse = null;
      lock?.release();
      this.training = false;
      this.post({ type: 'stopped', runId, step: this.runOf(runId)?.step ?? 0, reason });
    }
  }

  private runOf(runId: string): Run | null {
    return this.run?.runId === runId ? this.run : null;
  }

  /** One stretch of training on one backend, from `plan` to the end or a stop. */
  private async trainFrom(runId: string, plan: () => Promise<TrainingPlan>): Promise<'completed' | 'stopped'> {
    const { config, startStep, wallOffsetMs, createGan: makeGan, openHistory } = await plan();
    const current: Run = {
      runId,
      config,
      gan: null,
      noise: fixedNoise(config.seed, GRID_ROWS * GRID_COLS),
      paused: false,
      stopRequested: false,
      wake: null,
      gridInFlight: false,
      gridWanted: false,
      lastGridAt: 0,
      step: startStep,
      history: null,
      wallOffsetMs,
      elapsedMs: 0,
    };
    this.run = current;
    this.info ??= this.env.probeBackends();
    const selection = await this.env.selectBackend(config.backend, this.info);
    if (selection.notice) this.post({ type: 'notice', runId, message: selection.notice });
    this.backendInUse = selection.backend;
    this.watch?.dispose();
    const watch = this.env.watchBackend?.(selection.backend) ?? null;
    this.watch = watch;
    // Set when this stretch is given up: a loop stuck on a lost device must never save if it wakes.
    let abandoned = false;
    // Between steps and before every save: results read from a lost device are not to be kept.
    const checkBackend = () => {
      const lost = abandoned ? 'This stretch of training was given up' : watch?.lost();
      if (lost) throw new BackendLostError(selection.backend, lost);
    };
    const data = await this.loadData(runId);
    current.gan = makeGan();
    const gan = current.gan;
    current.history = await openHistory(selection.backend);
    await this.quality.prepare(this.env.loadClassifier, runId, data, selection.backend);
    this.post({
      type: 'started',
      runId,
      backend: selection.backend,
      backendDetail: selection.detail,
      totalSteps: totalSteps(config),
      config,
      startStep,
    });
    await this.sendGrid(current);
    const training = runTraining(gan, data.train, config, startStep, {
      now: () => this.env.now(),
      yieldToEvents: () => this.env.yieldToEvents(),
      continueWhenUnpaused: () => {
        checkBackend();
        return this.continueWhenUnpaused(current);
      },
      onLosses: (points) => {
        current.history?.onLosses(points);
        this.post({ type: 'losses', runId, points });
      },
      onProgress: (progress) => {
        current.step = progress.step;
        current.elapsedMs = progress.elapsedMs;
        this.post({ type: 'progress', runId, ...progress });
        if (this.env.now() - current.lastGridAt > GRID_INTERVAL_MS && !current.gridInFlight) void this.sendGrid(current);
      },
      onEpochEnd: async (epoch, step) => {
        current.step = step;
        checkBackend();
        const pixels = await this.renderGrid(current);
        // Between steps: training waits for the measurement, which is saved with the epoch.
        const metrics = isCheckpointEpoch(config, epoch) ? await this.quality.measure(gan, runId, epoch, step) : undefined;
        checkBackend();
        await current.history?.saveEpoch(gan, epoch, step, wallTime(current), pixels, GRID_ROWS, GRID_COLS, metrics);
        this.postGrid(current, pixels);
      },
    });
    // Whatever becomes of a given-up loop is of no interest (and no unhandled rejection).
    training.catch(() => undefined);
    const lostDevice = watch?.whenLost.then((why) => {
      abandoned = true;
      throw new BackendLostError(selection.backend, why);
    });
    lostDevice?.catch(() => undefined);
    const reason = await (lostDevice ? Promise.race([training, lostDevice]) : training);
    checkBackend();
    if (reason === 'stopped') {
      await current.history?.saveResumePoint(gan, current.step, wallTime(current), 'stopped');
    } else {
      await current.history?.setStatus('completed');
    }
    return reason;
  }

  /**
   * After the backend's device was lost: drops it, tells the page, and returns the plan that
   * picks the run up on the next backend from its last resume point (or from the start when
   * none was saved yet). Null when `error` is not such a loss.
   */
  private fallBackAfterLoss(runId: string, error: unknown): (() => Promise<TrainingPlan>) | null {
    const reason = error instanceof BackendLostError ? error.message : this.watch?.lost();
    const run = this.run;
    const lost = this.backendInUse;
    if (!reason || !lost || !run || run.runId !== runId || !this.info) return null;
    this.watch?.dispose();
    this.watch = null;
    if (run.gan) {
      try {
        disposeGan(run.gan);
      } catch {
        // Its textures went with the context.
      }
      run.gan = null;
    }
    this.info = { ...this.info, available: this.info.available.filter((name) => name !== lost) };
    const next = this.info.available.find((name) => name !== 'webgpu');
    if (!next) return null;
    const resumeStep = run.history?.resumeStep ?? 0;
    const from =
      resumeStep > 0
        ? `its last resume point (step ${resumeStep}, epoch ${Math.floor(resumeStep / run.config.stepsPerEpoch)})`
        : 'the start, as nothing had been saved yet';
    this.post({
      type: 'notice',
      runId,
      message: `${reason}. Training on ${lost} stopped cleanly and goes on with ${next} from ${from}.`,
    });
    if (resumeStep > 0 && run.history) return () => this.resumePlan(runId, undefined, next);
    const config = { ...run.config, backend: next };
    const keepFullStates = false;
    return async () => ({
      config,
      startStep: 0,
      wallOffsetMs: 0,
      createGan: () => createGan(config.preset, config.seed, config.lr),
      openHistory: (backend) =>
        this.env.storage
          ? RunHistory.create(this.historyEnv(), runId, config, backend, keepFullStates)
          : Promise.resolve(null),
    });
  }

  /**
   * A run ended by an error. A NaN or infinite loss pauses it: the run stays resumable from its
   * last good resume point, and the message says where that is.
   */
  private async reportTrainingError(runId: string, error: unknown): Promise<void> {
    const run = this.runOf(runId);
    if (error instanceof NonFiniteLossError || error instanceof NonFiniteStateError) {
      const saved = run?.history?.resumeStep ?? 0;
      const where =
        saved > 0
          ? `The last good resume point (step ${saved}, epoch ${Math.floor(saved / run!.config.stepsPerEpoch)}) ` +
            'is intact, and Resume continues from it.'
          : 'No resume point had been saved yet, so the run starts over with Train.';
      const hint = error instanceof NonFiniteStateError && run ? ` The learning rate (${run.config.lr}) may be too high.` : '';
      this.post({ type: 'error', runId, code: 'non-finite', message: `${error.message}${hint} ${where}` });
      await run?.history?.setStatus('paused');
      return;
    }
    this.postError(error, runId);
    await run?.history?.setStatus('error');
  }

  private loadData(runId: string): Promise<MnistData> {
    if (!this.data) {
      this.data = this.env.loadData((file, loadedBytes, totalBytes, done) =>
        this.post({ type: 'data-progress', runId, file, loadedBytes, totalBytes, done }),
      );
      // A failed download may succeed on the next Train.
      this.data.catch(() => {
        this.data = null;
      });
    }
    return this.data;
  }

  private async continueWhenUnpaused(run: Run): Promise<boolean> {
    if (run.paused && !run.stopRequested) {
      // A paused tab is often closed: keep where it stands, so a reload loses nothing.
      if (run.gan) await run.history?.saveResumePoint(run.gan, run.step, wallTime(run), 'paused');
      this.post({ type: 'paused', runId: run.runId, step: run.step });
      while (run.paused && !run.stopRequested) {
        await new Promise<void>((resolve) => {
          run.wake = resolve;
        });
        run.wake = null;
      }
      if (!run.stopRequested) {
        await run.history?.setStatus('training');
        this.post({ type: 'resumed', runId: run.runId, step: run.step });
      }
    }
    return !run.stopRequested;
  }

  /** Draws the fixed-noise grid and posts it, unless the page has not drawn the last one yet. */
  private async sendGrid(run: Run): Promise<void> {
    if (!run.gan) return;
    if (run.gridInFlight) {
      run.gridWanted = true;
      return;
    }
    run.gridInFlight = true;
    this.postGrid(run, await this.renderGrid(run), true);
  }

  /** The fixed-noise grid of the current weights, as grey bytes. */
  private renderGrid(run: Run): Promise<Uint8ClampedArray> {
    return generatePixels(run.gan!, run.noise);
  }

  /** Posts (transfers) `pixels`, or leaves a note to send a fresh grid after the next ack. */
  private postGrid(run: Run, pixels: Uint8ClampedArray, reserved = false): void {
    if (run.gridInFlight && !reserved) {
      run.gridWanted = true;
      return;
    }
    run.gridInFlight = true;
    run.gridWanted = false;
    run.lastGridAt = this.env.now();
    const step = run.step;
    const epoch = Math.floor(step / run.config.stepsPerEpoch);
    this.post(
      { type: 'grid', runId: run.runId, epoch, step, pixels, rows: GRID_ROWS, cols: GRID_COLS },
      [pixels.buffer],
    );
  }

  private postError(error: unknown, runId?: string, requestId?: number): void {
    this.post({ type: 'error', runId, requestId, code: errorCode(error), message: describeError(error) });
  }
}

function wallTime(run: Run): number {
  return run.wallOffsetMs + run.elapsedMs;
}
