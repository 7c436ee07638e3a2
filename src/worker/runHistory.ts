/**
 * Saving one run's history from the worker, where the weights are: at the end of every epoch
 * the fixed-noise grid, the epoch's losses, a full training state (the new resume point) and,
 * at checkpoint epochs, the generator; on pause and stop a resume point mid-epoch. A failed
 * save (a full disk, above all) is reported and training goes on; what was saved stays.
 */
import { type FullSnapshot, encodeSnapshot, snapshotGan, snapshotGenerator } from '../core/checkpointCodec';
import type { RunConfig } from '../core/config';
import { GRID_COLS, GRID_ROWS } from '../core/digits';
import { describeError } from '../core/errors';
import { nonFinitePart } from '../core/finiteSnapshot';
import type { Gan } from '../core/gan';
import type { LiveChange } from '../core/liveSettings';
import type { LossPoint } from '../core/lossPoint';
import { PRESETS } from '../core/presets';
import { isQuotaError, runBytes, type RunRecord, type StoredRunStatus } from '../storage/records';
import type { RunRepository } from '../storage/runRepository';
import { NonFiniteStateError } from './faults';
import type { WorkerEvent } from './protocol';

/** The part of the repository the worker uses. */
export type HistoryStorage = Pick<
  RunRepository,
  | 'createRun'
  | 'updateRun'
  | 'saveEpoch'
  | 'saveState'
  | 'setStatus'
  | 'getLatestState'
  | 'getLosses'
  | 'getGenerator'
  | 'requireRun'
  | 'collectGarbage'
  | 'deleteRun'
>;

export interface StorageEstimate {
  usage: number;
  quota: number;
}

export interface HistoryEnvironment {
  storage: HistoryStorage;
  /** navigator.storage.estimate(), where the browser has it. */
  estimate?: () => Promise<StorageEstimate | null>;
  post(event: WorkerEvent): void;
}

/** Epochs whose generator is kept: the first, every `checkpointEvery`-th and the last. */
export function isCheckpointEpoch(config: RunConfig, epoch: number): boolean {
  return epoch === 1 || epoch % config.checkpointEvery === 0 || epoch === config.epochs;
}

export function runName(config: RunConfig): string {
  return `${PRESETS[config.preset].label}, seed ${config.seed}`;
}

/** The record of a run with nothing saved yet, as training; imported runs start from it too. */
export function newRunRecord(
  runId: string,
  config: RunConfig,
  backend: string | null,
  keepFullStates: boolean,
  now: number,
): RunRecord {
  return {
    id: runId,
    name: runName(config),
    createdAt: now,
    updatedAt: now,
    config,
    status: 'training',
    backend,
    keepFullStates,
    epochs: [],
    latest: null,
    lossThroughStep: 0,
  };
}

export class RunHistory {
  /** Loss points of the unfinished epoch. */
  private epochLosses: LossPoint[];
  /** Step of the latest saved resume point. */
  private savedStep: number;

  private constructor(
    private readonly env: HistoryEnvironment,
    readonly runId: string,
    private config: RunConfig,
    private readonly keepFullStates: boolean,
    savedStep: number,
    epochLosses: LossPoint[],
    /** The run's live changes so far, in step order, as saved. */
    readonly liveChanges: readonly LiveChange[],
  ) {
    this.savedStep = savedStep;
    this.epochLosses = epochLosses;
  }

  /** Records a new run; null (after telling the page) when storage cannot be used. */
  static async create(
    env: HistoryEnvironment,
    runId: string,
    config: RunConfig,
    backend: string,
    keepFullStates: boolean,
  ): Promise<RunHistory | null> {
    const record = newRunRecord(runId, config, backend, keepFullStates, Date.now());
    try {
      await env.storage.createRun(record);
    } catch (error) {
      await reportFailure(env, runId, 0, error, 'This run is not being saved');
      return null;
    }
    return new RunHistory(env, runId, config, keepFullStates, 0, [], []);
  }

  /** Picks up a saved run at its resume point, with `config` (possibly more epochs). */
  static async resume(
    env: HistoryEnvironment,
    run: RunRecord,
    config: RunConfig,
    backend: string,
    step: number,
  ): Promise<RunHistory> {
    const epochStart = Math.floor(step / config.stepsPerEpoch) * config.stepsPerEpoch;
    const losses = (await env.storage.getLosses(run)).filter((p) => p.step > epochStart);
    // Changes from after the resume point were made to training that is being done again.
    const liveChanges = (run.liveChanges ?? []).filter((change) => change.step <= step + 1);
    await env.storage.updateRun(run.id, (current) => ({
      ...current,
      config,
      backend,
      status: 'training',
      ...(current.liveChanges ? { liveChanges } : {}),
    }));
    return new RunHistory(env, run.id, config, run.keepFullStates, step, losses, liveChanges);
  }

  /** Step of the latest resume point saved (0: none yet). */
  get resumeStep(): number {
    return this.savedStep;
  }

  onLosses(points: LossPoint[]): void {
    this.epochLosses.push(...points);
  }

  /**
   * Saves a finished epoch (with its quality metrics when measured). `grid` is the epoch's
   * fixed-noise grid (GRID_ROWS x GRID_COLS digits); it is not kept or transferred.
   */
  async saveEpoch(
    gan: Gan,
    epoch: number,
    step: number,
    wallTimeMs: number,
    grid: Uint8ClampedArray,
    metrics?: Record<string, number>,
  ): Promise<void> {
    const losses = this.epochLosses.filter((p) => p.step <= step);
    this.epochLosses = this.epochLosses.filter((p) => p.step > step);
    const withGenerator = isCheckpointEpoch(this.config, epoch);
    // Read before the try: a state with NaN in it stops training rather than being reported as a storage error.
    const snapshot = await finiteState(gan, this.config, step);
    try {
      const generator = withGenerator
        ? encodeSnapshot(await snapshotGenerator(gan, step, this.config.preset))
        : undefined;
      const state = encodeSnapshot(snapshot);
      const done = step >= this.config.epochs * this.config.stepsPerEpoch;
      const run = await this.env.storage.saveEpoch(this.runId, {
        epoch,
        step,
        wallTimeMs,
        grid,
        rows: GRID_ROWS,
        cols: GRID_COLS,
        losses,
        generator,
        state,
        keepState: this.keepFullStates && withGenerator,
        metrics,
        status: done ? 'completed' : 'training',
      });
      this.savedStep = step;
      this.env.post({
        type: 'checkpoint-saved',
        runId: this.runId,
        kind: 'epoch',
        epoch,
        step,
        hasGenerator: withGenerator,
        runBytes: runBytes(run),
      });
    } catch (error) {
      await reportFailure(this.env, this.runId, epoch, error, `Epoch ${epoch} was not saved`);
    }
  }

  /** Saves a resume point at `step` unless one is already there (pause, stop). */
  async saveResumePoint(gan: Gan, step: number, wallTimeMs: number, status: StoredRunStatus): Promise<void> {
    const epoch = Math.floor(step / this.config.stepsPerEpoch);
    try {
      if (step === this.savedStep) {
        await this.env.storage.setStatus(this.runId, status);
        return;
      }
    } catch (error) {
      await reportFailure(this.env, this.runId, epoch, error, 'The run status was not saved');
      return;
    }
    const snapshot = await finiteState(gan, this.config, step);
    try {
      const state = encodeSnapshot(snapshot);
      const run = await this.env.storage.saveState(this.runId, {
        step,
        epoch,
        wallTimeMs,
        state,
        losses: this.epochLosses.filter((p) => p.step <= step),
        status,
      });
      this.savedStep = step;
      this.env.post({
        type: 'checkpoint-saved',
        runId: this.runId,
        kind: 'resume-point',
        epoch,
        step,
        hasGenerator: false,
        runBytes: runBytes(run),
      });
    } catch (error) {
      await reportFailure(this.env, this.runId, epoch, error, `The training state at step ${step} was not saved`);
    }
  }

  /** Saves the run's live changes (all of them, in step order): a resume trains with the latest. */
  async saveLiveChanges(changes: readonly LiveChange[]): Promise<void> {
    try {
      await this.env.storage.updateRun(this.runId, (current) => ({ ...current, liveChanges: [...changes] }));
    } catch (error) {
      await reportFailure(this.env, this.runId, 0, error, 'The change of settings was not saved');
    }
  }

  async setStatus(status: StoredRunStatus): Promise<void> {
    try {
      await this.env.storage.setStatus(this.runId, status);
    } catch (error) {
      await reportFailure(this.env, this.runId, 0, error, 'The run status was not saved');
    }
  }
}

/** The full training state, unless some of it is NaN or infinite (then NonFiniteStateError). */
async function finiteState(gan: Gan, config: RunConfig, step: number): Promise<FullSnapshot> {
  const snapshot = await snapshotGan(gan, config, step);
  const bad = nonFinitePart(snapshot);
  if (bad) throw new NonFiniteStateError(step, bad);
  return snapshot;
}

async function reportFailure(
  env: HistoryEnvironment,
  runId: string,
  epoch: number,
  error: unknown,
  what: string,
): Promise<void> {
  const reason = describeError(error);
  if (!isQuotaError(error)) {
    env.post({
      type: 'storage-error',
      runId,
      code: 'failed',
      epoch,
      message: `${what}: the browser's storage refused it (${reason}). Training goes on.`,
    });
    return;
  }
  const estimate = await env.estimate?.().catch(() => null);
  const numbers = estimate
    ? ` This site uses ${formatMegabytes(estimate.usage)} of the ${formatMegabytes(estimate.quota)} the browser allows it.`
    : '';
  env.post({
    type: 'storage-error',
    runId,
    code: 'quota',
    epoch,
    message:
      `${what}: the browser's storage for this site is full.${numbers} Training goes on and ` +
      'everything saved before is kept; delete or prune runs to make room.',
    usedBytes: estimate?.usage,
    quotaBytes: estimate?.quota,
  });
}

function formatMegabytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
