/**
 * What a run starts from, settled before any backend or data work: a new run from its config,
 * or a saved run from its latest resume point. A run that moves to another backend is planned
 * again by the same two functions, with every choice it was started with.
 */
import { CheckpointError, decodeSnapshot, restoreGan } from '../core/checkpointCodec';
import type { BackendChoice, BackendName, RunConfig } from '../core/config';
import { parseConfig, totalSteps } from '../core/config';
import { ConfigError } from '../core/errors';
import { type Gan, createGan } from '../core/gan';
import { type HistoryEnvironment, RunHistory } from './runHistory';

export interface TrainingPlan {
  config: RunConfig;
  startStep: number;
  /** Training time before this worker picked the run up (resumed runs), in ms. */
  wallOffsetMs: number;
  /** Keep a full training state at every generator checkpoint, not just the latest. */
  keepFullStates: boolean;
  createGan(): Gan;
  /** Opens the run's saved history on `backend`; null when nothing is saved. */
  openHistory(backend: BackendName): Promise<RunHistory | null>;
}

/** A plan to be made when the run starts (resume plans read storage). */
export type PlanSource = () => Promise<TrainingPlan>;

/** A fresh run of `config`; `history` null means the browser gives the lab no storage. */
export function newRunPlan(
  history: HistoryEnvironment | null,
  runId: string,
  config: RunConfig,
  keepFullStates: boolean,
): TrainingPlan {
  return {
    config,
    startStep: 0,
    wallOffsetMs: 0,
    keepFullStates,
    createGan: () => createGan(config.recipe, config.seed, totalSteps(config)),
    openHistory: async (backend) =>
      history ? RunHistory.create(history, runId, config, backend, keepFullStates) : null,
  };
}

/**
 * A saved run from its latest resume point, exactly as if it had never stopped, on `backend`
 * (default: the run's own) up to `epochs` (default: the run's; more extends a finished run).
 */
export async function resumeRunPlan(
  history: HistoryEnvironment,
  runId: string,
  change: { epochs?: number; backend?: BackendChoice } = {},
): Promise<TrainingPlan> {
  const { storage } = history;
  const imported = (await storage.requireRun(runId)).imported;
  if (imported) throw new ConfigError(importedRunRefusal(imported.files.length));
  const { run: record, state } = await storage.getLatestState(runId);
  const snapshot = decodeSnapshot(state);
  if (snapshot.kind !== 'full') {
    throw new CheckpointError(`The resume point of run "${record.name}" holds no optimizer state.`);
  }
  const config = checkedConfig({
    ...record.config,
    epochs: change.epochs ?? record.config.epochs,
    backend: change.backend ?? record.config.backend,
  });
  if (snapshot.step >= totalSteps(config)) {
    throw new ConfigError(
      `Run "${record.name}" has done all ${config.epochs} of its epochs; give it more epochs to train on.`,
    );
  }
  // Nothing of this run is being written now: leftovers of a crash can go.
  await storage.collectGarbage(runId);
  return {
    config,
    startStep: snapshot.step,
    wallOffsetMs: record.latest?.wallTimeMs ?? 0,
    keepFullStates: record.keepFullStates,
    createGan: () => restoreGan(snapshot),
    openHistory: (backend) => RunHistory.resume(history, record, config, backend, snapshot.step),
  };
}

/** Why a run imported from files does not train: said the same on the page and by the worker. */
export function importedRunRefusal(files: number): string {
  return (
    `This run was imported from ${files} Keras .h5 file${files === 1 ? '' : 's'}: it holds generators only, without a ` +
    "discriminator or the optimizers' state, so it cannot resume or train on. Sample from it, compare it or export it; " +
    'to train its network, put it in a recipe and start a new run.'
  );
}

/** `raw` validated as a run config, or a ConfigError naming every problem. */
export function checkedConfig(raw: RunConfig): RunConfig {
  const { config, problems } = parseConfig({ ...raw });
  if (problems.length > 0) throw new ConfigError(problems.map((p) => p.message).join(' '));
  return config;
}
