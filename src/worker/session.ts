/**
 * The worker's logic, free of worker globals so tests can drive it in Node: it takes commands,
 * owns the backend, the data and the GAN, and posts events. `training.worker.ts` binds it to
 * `onmessage`.
 */
import type { BackendChoice, RunConfig } from '../core/config';
import { parseConfig, totalSteps } from '../core/config';
import { type Gan, createGan, disposeGan, fixedNoise, generate, toPixels } from '../core/gan';
import { IdxError } from '../core/mnistIdx';
import { NonFiniteLossError, runTraining } from '../core/trainingLoop';
import type { BackendInfo, BackendSelection } from './backends';
import type { MnistData, ProgressListener } from './mnistLoader';
import { DataError } from './mnistLoader';
import { type Command, type ErrorCode, type WorkerEvent, assertNever } from './protocol';

export interface WorkerEnvironment {
  probeBackends(): BackendInfo;
  selectBackend(choice: BackendChoice, info: BackendInfo): Promise<BackendSelection>;
  loadData(onProgress: ProgressListener): Promise<MnistData>;
  now(): number;
  yieldToEvents(): Promise<void>;
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
}

export class TrainingSession {
  private info: BackendInfo | null = null;
  private data: Promise<MnistData> | null = null;
  private run: Run | null = null;
  private training = false;

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
          return await this.start(command.runId, command.config);
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
        default:
          return assertNever(command);
      }
    } catch (error) {
      this.postError(error, 'runId' in command ? command.runId : undefined, 'requestId' in command ? command.requestId : undefined);
    }
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

  private async start(runId: string, rawConfig: RunConfig): Promise<void> {
    if (this.training) throw new ProtocolError('A run is already training in this worker; stop it before starting another.');
    const { config, problems } = parseConfig({ ...rawConfig });
    if (problems.length > 0) throw new ConfigError(problems.map((p) => p.message).join(' '));
    this.training = true;
    if (this.run?.gan) disposeGan(this.run.gan);
    const run: Run = {
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
      step: 0,
    };
    this.run = run;
    let reason: 'completed' | 'stopped' | 'error' = 'error';
    try {
      this.info ??= this.env.probeBackends();
      const selection = await this.env.selectBackend(config.backend, this.info);
      if (selection.notice) this.post({ type: 'notice', runId, message: selection.notice });
        const data = await this.loadData(runId);
      run.gan = createGan(config.preset, config.seed, config.lr);
      this.post({ type: 'started', runId, backend: selection.backend, backendDetail: selection.detail, totalSteps: totalSteps(config), config });
      await this.sendGrid(run);
      reason = await runTraining(run.gan, data.train, config, 0, {
        now: () => this.env.now(),
        yieldToEvents: () => this.env.yieldToEvents(),
        continueWhenUnpaused: () => this.continueWhenUnpaused(run),
        onLosses: (points) => this.post({ type: 'losses', runId, points }),
        onProgress: (progress) => {
          run.step = progress.step;
          this.post({ type: 'progress', runId, ...progress });
          if (this.env.now() - run.lastGridAt > GRID_INTERVAL_MS && !run.gridInFlight) void this.sendGrid(run);
        },
        onEpochEnd: async (_epoch, step) => {
          run.step = step;
          await this.sendGrid(run);
        },
      });
    } catch (error) {
      this.postError(error, runId);
    } finally {
      this.training = false;
      this.post({ type: 'stopped', runId, step: run.step, reason });
    }
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
      this.post({ type: 'paused', runId: run.runId, step: run.step });
      while (run.paused && !run.stopRequested) {
        await new Promise<void>((resolve) => {
          run.wake = resolve;
        });
        run.wake = null;
      }
      if (!run.stopRequested) this.post({ type: 'resumed', runId: run.runId, step: run.step });
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
    run.gridWanted = false;
    run.lastGridAt = this.env.now();
    const step = run.step;
    const images = generate(run.gan, run.noise);
    try {
      const pixels = toPixels(await images.data());
      const epoch = Math.floor(step / run.config.stepsPerEpoch);
      this.post(
        { type: 'grid', runId: run.runId, epoch, step, pixels, rows: GRID_ROWS, cols: GRID_COLS },
        [pixels.buffer],
      );
    } finally {
      images.dispose();
    }
  }

  private postError(error: unknown, runId?: string, requestId?: number): void {
    const message = error instanceof Error ? error.message : String(error);
    this.post({ type: 'error', runId, requestId, code: errorCode(error), message });
  }
}

class ProtocolError extends Error {}
class ConfigError extends Error {}

function errorCode(error: unknown): ErrorCode {
  if (error instanceof ProtocolError) return 'protocol';
  if (error instanceof ConfigError) return 'config';
  if (error instanceof DataError || error instanceof IdxError) return 'data';
  if (error instanceof NonFiniteLossError) return 'non-finite';
  if (error instanceof Error && /backend/i.test(error.message)) return 'backend';
  return 'training';
}
