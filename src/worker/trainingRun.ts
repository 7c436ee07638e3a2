/**
 * One run in the worker: its plan, its pause and stop flags, the stretch of training on the
 * current backend (the GAN, the saved history, the live grid), the move to another backend when
 * a device is lost, and how the run's end or failure is reported. Always ends with `stopped`.
 */
import { snapshotGenerator } from '../core/checkpointCodec';
import type { BackendName } from '../core/config';
import { totalSteps } from '../core/config';
import { GRID_DIGITS } from '../core/digits';
import { ProtocolError, errorCode, describeError } from '../core/errors';
import { type Gan, disposeGan, fixedNoise, generatePixels } from '../core/gan';
import { type LiveChange, checkLiveEdit, liveSettingsAfter, withLiveChange } from '../core/liveSettings';
import { NonFiniteLossError, runTraining } from '../core/trainingLoop';
import { latentSize } from '../core/recipe';
import type { RunLock } from '../storage/runLocks';
import type { BackendHost } from './backendHost';
import { BackendLostError, type BackendWatch, NonFiniteStateError, RunBusyError } from './faults';
import { GridPacer } from './gridPacer';
import type { WorkerEvent } from './protocol';
import type { CheckpointQuality, ClassifierLoader } from './quality';
import { type HistoryEnvironment, type RunHistory, isCheckpointEpoch } from './runHistory';
import { checkDataForRecipe, type TrainingData } from './trainingData';
import { type PlanSource, type TrainingPlan, newRunPlan, resumeRunPlan } from './runPlan';

export type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;

/** What a run uses of the worker: shared across runs, owned by the session. */
export interface RunServices {
  backends: BackendHost;
  /** The run's dataset: MNIST (loaded once per worker, progress reported to `runId`) or an imported one. */
  loadData(runId: string, dataset: string): Promise<TrainingData>;
  quality: CheckpointQuality;
  loadClassifier?: ClassifierLoader;
  /** Where runs are saved; null when the browser gives the lab no storage. */
  history: HistoryEnvironment | null;
  /** Takes the run's Web Lock, or null when another tab holds it; absent: no locking. */
  lockRun?: (runId: string) => Promise<RunLock | null>;
  now(): number;
  yieldToEvents(): Promise<void>;
  post: Post;
}

export type StopReason = 'completed' | 'stopped' | 'error';

/** Training on one backend, from one plan to the end, a stop, or the loss of the device. */
interface Stretch {
  plan: TrainingPlan;
  backend: BackendName;
  watch: BackendWatch | null;
  gan: Gan | null;
  history: RunHistory | null;
  grid: GridPacer | null;
  elapsedMs: number;
  /** The run's changes of its live settings, in step order (saved ones first). */
  liveChanges: LiveChange[];
}

export class TrainingRun {
  /** From `train` until just before `stopped` is posted: the worker takes no other run meanwhile. */
  private training = false;
  private paused = false;
  private stopRequested = false;
  private wake: (() => void) | null = null;
  private stretch: Stretch | null = null;
  /** The last step done, as the loop reports it. */
  private step = 0;
  /** The last step begun: it trains with the live settings it read, a change waits for the next. */
  private stepStarted = 0;

  constructor(
    readonly runId: string,
    private readonly services: RunServices,
  ) {}

  /**
   * Trains from `plan` to the end or a stop, holding the run's lock throughout; a lost backend
   * hands the run to the next one. Errors are reported, never thrown.
   */
  async train(plan: PlanSource): Promise<void> {
    let reason: StopReason = 'error';
    let lock: RunLock | null = null;
    this.training = true;
    try {
      // Before anything is read or cleaned up: the run may be training in another tab.
      if (this.services.lockRun) {
        lock = await this.services.lockRun(this.runId);
        if (!lock) throw new RunBusyError('This run');
      }
      let next = plan;
      for (;;) {
        try {
          reason = await this.trainStretch(await next());
          break;
        } catch (error) {
          await this.stretch?.watch?.settle?.();
          const fallback = this.fallBackAfterLoss(error);
          if (!fallback) throw error;
          next = fallback;
        }
      }
    } catch (error) {
      await this.reportError(error);
    } finally {
      this.stretch?.watch?.dispose();
      lock?.release();
      this.training = false;
      this.services.post({ type: 'stopped', runId: this.runId, step: this.step, reason });
    }
  }

  get active(): boolean {
    return this.training;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  /**
   * Changes the learning rates or the average's decay from the next step on (a step under way
   * keeps what it began with), records the change with that step in the run's history and tells
   * the page. A value that cannot be used is a ConfigError, and nothing changes.
   */
  async setLive(edit: unknown): Promise<void> {
    const stretch = this.stretch;
    const gan = stretch?.gan;
    if (!this.training) throw new ProtocolError(`Run ${this.runId} is not training; resume it to change its settings.`);
    if (!stretch || !gan) {
      throw new ProtocolError('The run has not begun training yet; change its settings once its first steps are shown.');
    }
    const changed = checkLiveEdit(edit, gan.live);
    if (!changed) return;
    const change: LiveChange = { step: this.stepStarted + 1, ...changed };
    gan.live = liveSettingsAfter(gan.live, [change]);
    stretch.liveChanges = withLiveChange(stretch.liveChanges, change);
    this.services.post({ type: 'live-changed', runId: this.runId, change, settings: gan.live });
    await stretch.history?.saveLiveChanges(stretch.liveChanges);
  }

  /** The page has drawn the last grid. */
  ackGrid(): void {
    this.stretch?.grid?.ack();
  }

  /** The generator as it stands now, copied out of the device (for an export). */
  async generatorNow() {
    const stretch = this.stretch;
    if (!stretch?.gan) return null;
    const snapshot = await snapshotGenerator(stretch.gan, this.step, stretch.plan.config.preset);
    const { seed, stepsPerEpoch } = stretch.plan.config;
    return { snapshot, seed, epoch: Math.floor(snapshot.step / stepsPerEpoch) };
  }

  /** Frees the GAN's tensors; the run is over. */
  dispose(): void {
    this.disposeGan();
  }

  /** One stretch of training on one backend, from `plan` to the end or a stop. */
  private async trainStretch(plan: TrainingPlan): Promise<'completed' | 'stopped'> {
    const { services, runId } = this;
    const { config, startStep } = plan;
    this.step = startStep;
    this.stepStarted = startStep;
    const trial = { runId, loadData: async () => (await services.loadData(runId, config.dataset)).train, post: services.post };
    const selection = await services.backends.selectForRun(config, trial);
    if (selection.notice) services.post({ type: 'notice', runId, message: selection.notice });
    this.stretch?.watch?.dispose();
    const watch = services.backends.watch(selection.backend);
    const stretch: Stretch = { plan, backend: selection.backend, watch, gan: null, history: null, grid: null, elapsedMs: 0, liveChanges: [] };
    this.stretch = stretch;
    // Set when this stretch is given up: a loop stuck on a lost device must never save if it wakes.
    let abandoned = false;
    // Between steps and before every save: results read from a lost device are not to be kept.
    const checkBackend = () => {
      const lost = abandoned ? 'This stretch of training was given up' : watch?.lost();
      if (lost) throw new BackendLostError(selection.backend, lost);
    };
    const data = await services.loadData(runId, config.dataset);
    checkDataForRecipe(config.recipe, data);
    const gan = plan.createGan();
    stretch.gan = gan;
    stretch.history = await plan.openHistory(selection.backend);
    // A resumed run trains on with the settings last changed, not the recipe's.
    stretch.liveChanges = [...(stretch.history?.liveChanges ?? [])];
    gan.live = liveSettingsAfter(gan.live, stretch.liveChanges);
    await services.quality.prepare(services.loadClassifier, runId, data, selection.backend, config.c2stEpochs);
    const noise = fixedNoise(config.seed, GRID_DIGITS, latentSize(config.recipe));
    const grid = new GridPacer({
      runId,
      render: () => generatePixels(gan, noise),
      position: () => ({ step: this.step, epoch: Math.floor(this.step / config.stepsPerEpoch) }),
      now: () => services.now(),
      post: services.post,
    });
    stretch.grid = grid;
    services.post({
      type: 'started',
      runId,
      backend: selection.backend,
      backendDetail: selection.detail,
      totalSteps: totalSteps(config),
      config,
      startStep,
      liveChanges: [...stretch.liveChanges],
    });
    await grid.refresh();
    const training = runTraining(gan, data.train, config, startStep, {
      now: () => services.now(),
      yieldToEvents: () => services.yieldToEvents(),
      continueWhenUnpaused: () => {
        checkBackend();
        return this.continueWhenUnpaused();
      },
      onLosses: (points) => {
        stretch.history?.onLosses(points);
        services.post({ type: 'losses', runId, points });
      },
      onStepStart: (step) => {
        this.stepStarted = step;
      },
      onProgress: (progress) => {
        this.step = progress.step;
        stretch.elapsedMs = progress.elapsedMs;
        services.post({ type: 'progress', runId, ...progress });
        grid.tick();
      },
      onEpochEnd: async (epoch, step) => {
        this.step = step;
        checkBackend();
        const pixels = await generatePixels(gan, noise);
        // Between steps: training waits for the measurement, which is saved with the epoch.
        const metrics = isCheckpointEpoch(config, epoch) ? await services.quality.measure(gan, runId, epoch, step) : undefined;
        checkBackend();
        await stretch.history?.saveEpoch(gan, epoch, step, this.wallTime(), pixels, metrics);
        grid.offer(pixels);
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
      await stretch.history?.saveResumePoint(gan, this.step, this.wallTime(), 'stopped');
    } else {
      await stretch.history?.setStatus('completed');
    }
    return reason;
  }

  /** Training time of the whole run so far, in ms. */
  private wallTime(): number {
    const stretch = this.stretch;
    return stretch ? stretch.plan.wallOffsetMs + stretch.elapsedMs : 0;
  }

  private async continueWhenUnpaused(): Promise<boolean> {
    const { runId } = this;
    const stretch = this.stretch;
    if (this.paused && !this.stopRequested) {
      // A paused tab is often closed: keep where it stands, so a reload loses nothing.
      if (stretch?.gan) await stretch.history?.saveResumePoint(stretch.gan, this.step, this.wallTime(), 'paused');
      this.services.post({ type: 'paused', runId, step: this.step });
      while (this.paused && !this.stopRequested) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = null;
      }
      if (!this.stopRequested) {
        await stretch?.history?.setStatus('training');
        this.services.post({ type: 'resumed', runId, step: this.step });
      }
    }
    return !this.stopRequested;
  }

  /**
   * After the backend's device was lost: drops it, tells the page, and returns the plan that
   * picks the run up on the next backend, with every choice it was started with, from its last
   * resume point (or from the start when none was saved yet). Null when `error` is no such loss.
   */
  private fallBackAfterLoss(error: unknown): PlanSource | null {
    const stretch = this.stretch;
    if (!stretch) return null;
    const reason = error instanceof BackendLostError ? error.message : stretch.watch?.lost();
    if (!reason) return null;
    stretch.watch?.dispose();
    stretch.watch = null;
    this.disposeGan();
    const lost = stretch.backend;
    const next = this.services.backends.drop(lost);
    if (!next) return null;
    const { config, keepFullStates } = stretch.plan;
    const resumeStep = stretch.history?.resumeStep ?? 0;
    const from =
      resumeStep > 0
        ? `its last resume point (step ${resumeStep}, epoch ${Math.floor(resumeStep / config.stepsPerEpoch)})`
        : 'the start, as nothing had been saved yet';
    this.services.post({
      type: 'notice',
      runId: this.runId,
      message: `${reason}. Training on ${lost} stopped cleanly and goes on with ${next} from ${from}.`,
    });
    const history = this.services.history;
    if (resumeStep > 0 && history) {
      return () => resumeRunPlan(history, this.runId, { epochs: config.epochs, backend: next });
    }
    return async () => newRunPlan(history, this.runId, { ...config, backend: next }, keepFullStates);
  }

  /**
   * The run ended by an error. A NaN or infinite loss pauses it: the run stays resumable from
   * its last good resume point, and the message says where that is.
   */
  private async reportError(error: unknown): Promise<void> {
    const { runId, stretch } = this;
    const history = stretch?.history;
    let message = describeError(error);
    if (error instanceof NonFiniteLossError || error instanceof NonFiniteStateError) {
      const saved = history?.resumeStep ?? 0;
      const stepsPerEpoch = stretch?.plan.config.stepsPerEpoch ?? 1;
      const where =
        saved > 0
          ? `The last good resume point (step ${saved}, epoch ${Math.floor(saved / stepsPerEpoch)}) is intact, and Resume continues from it.`
          : 'No resume point had been saved yet, so the run starts over with Train.';
      const hint = error instanceof NonFiniteStateError && stretch ? ` The learning rates (G ${stretch.gan?.live.gLr ?? stretch.plan.config.recipe.gOptimizer.lr}, D ${stretch.gan?.live.dLr ?? stretch.plan.config.recipe.dOptimizer.lr}) may be too high.` : '';
      message = `${message}${hint} ${where}`;
    }
    this.services.post({ type: 'error', runId, code: errorCode(error), message });
    await history?.setStatus(errorCode(error) === 'non-finite' ? 'paused' : 'error');
  }

  private disposeGan(): void {
    const stretch = this.stretch;
    if (!stretch?.gan) return;
    try {
      disposeGan(stretch.gan);
    } catch {
      // A lost WebGL context took its textures already.
    }
    stretch.gan = null;
  }
}
