/**
 * The records kept in IndexedDB. Plain data, tfjs-free: the worker writes them, the page reads
 * them.
 */
import type { RunConfig } from '../core/config';
import type { LiveChange } from '../core/liveSettings';

export type StoredRunStatus = 'training' | 'paused' | 'stopped' | 'completed' | 'error';

/** Means over the loss points logged during one epoch. */
export interface LossSummary {
  dLoss: number;
  gLoss: number;
  dReal: number;
  dFake: number;
  points: number;
}

/** One finished epoch of a run, as the run record lists it. */
export interface EpochEntry {
  epoch: number;
  /** Steps completed at the end of this epoch. */
  step: number;
  /** Training time since the run began, pauses excluded, in ms. */
  wallTimeMs: number;
  /** When it was saved (ms since 1970). */
  savedAt: number;
  loss: LossSummary | null;
  /** Generator weights are kept for this epoch: it can be sampled from. */
  hasGenerator: boolean;
  /** A full state (G, D, both optimizers) is kept for this epoch beyond the latest one. */
  hasFullState: boolean;
  /** Quality metrics of this checkpoint, by name, when they have been measured. */
  metrics?: Record<string, number>;
  generatorBytes: number;
  /** Bytes of the kept full state (0 unless hasFullState). */
  stateBytes: number;
  /** Bytes all this epoch's parts take (grid, losses, generator, kept full state). */
  bytes: number;
}

/** The latest resume point of a run (may lie mid-epoch after a pause or stop). */
export interface ResumePoint {
  step: number;
  epoch: number;
  wallTimeMs: number;
  bytes: number;
}

export interface RunRecord {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  config: RunConfig;
  status: StoredRunStatus;
  backend: string | null;
  /** Keep a full state at every generator checkpoint, not just the latest. */
  keepFullStates: boolean;
  /** Finished epochs, in order. */
  epochs: EpochEntry[];
  latest: ResumePoint | null;
  /** Loss points are stored up to this step. */
  lossThroughStep: number;
  /**
   * Learning rates and decay changed while the run trained, in step order; a resume trains with
   * the latest. Absent: never changed.
   */
  liveChanges?: LiveChange[];
  /** The user's words about the run (what was tried, what was seen); absent until written. */
  note?: string;
  /**
   * Set for a run made from files rather than trained here: it holds generators only (no
   * discriminator, no optimizer state), so it is sampled, compared and exported but never
   * trains on. Absent: trained in the lab.
   */
  imported?: ImportedFrom;
}

/** Where an imported run came from. */
export interface ImportedFrom {
  /** Keras `.h5` generators, one per epoch (a `GAN_images_models/` folder). */
  format: 'keras-h5';
  /** The generator files, in epoch order. */
  files: string[];
  /** Files chosen with them but not imported (discriminators). */
  skipped: string[];
}

/** A fixed-noise grid: rows x cols digits of DIGIT_PIXELS grey bytes (core/digits), deflated. */
export interface GridRecord {
  rows: number;
  cols: number;
  encoding: 'deflate';
  data: Uint8Array;
}

export function runBytes(run: RunRecord): number {
  return run.epochs.reduce((sum, e) => sum + e.bytes, 0) + (run.latest?.bytes ?? 0);
}

export function checkpointEpochs(run: RunRecord): number[] {
  return run.epochs.filter((e) => e.hasGenerator).map((e) => e.epoch);
}

/** A QuotaExceededError from IndexedDB, whichever way the browser wraps it. */
export function isQuotaError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === 'QuotaExceededError' || (typeof message === 'string' && /quota/i.test(message));
}
