/**
 * The lab's history in IndexedDB, as the worker writes it and the page reads it.
 *
 * Atomic visibility: the parts of an epoch (grid, losses, generator, full state) are written
 * first and the run record, which lists them, last, in one read-modify-write transaction. A
 * crash between leaves only unlisted parts, which readers ignore and `collectGarbage` removes.
 * A new resume point is written under a new key before the record points to it, and the old
 * one is deleted only after, so there is always one complete resume point.
 */
import { del, delMany, get, getMany, keys, promisifyRequest, set, update, values } from 'idb-keyval';
import { gridBytes } from '../core/digits';
import { StorageError } from '../core/errors';
import { parseSavedConfig } from '../core/config';
import type { LossPoint } from '../core/lossPoint';
import { deflateSync, inflateSync } from 'fflate';
import type { EpochEntry, GridRecord, LossSummary, RunRecord, StoredRunStatus } from './records';
import { type LabStores, openLabStores } from './storeNames';

type PartKey = [string, number];
type PutPart = (store: keyof LabStores, key: PartKey, value: unknown) => Promise<void>;
const PART_STORES = ['grids', 'losses', 'generators', 'states'] as const;

/** What the worker saves at the end of an epoch. */
export interface EpochParts {
  epoch: number;
  step: number;
  wallTimeMs: number;
  /** rows x cols digits of DIGIT_PIXELS grey bytes each (see gridBytes). */
  grid: Uint8ClampedArray | Uint8Array;
  rows: number;
  cols: number;
  /** The loss points logged during this epoch. */
  losses: LossPoint[];
  /** Generator checkpoint bytes, at checkpoint epochs. */
  generator?: ArrayBuffer;
  /** Full state bytes: the new resume point. */
  state?: ArrayBuffer;
  /** Keep `state` after the next resume point replaces it. */
  keepState?: boolean;
  /** Quality metrics measured at this checkpoint. */
  metrics?: Record<string, number>;
  status: StoredRunStatus;
}

/** A resume point taken mid-epoch (pause, stop). */
export interface StateParts {
  step: number;
  epoch: number;
  wallTimeMs: number;
  state: ArrayBuffer;
  /** The loss points of the unfinished epoch so far. */
  losses: LossPoint[];
  status: StoredRunStatus;
}

export class RunNotFoundError extends StorageError {
  override name = 'RunNotFoundError';
  constructor(runId: string) {
    super(`No saved run ${runId} in this browser's storage; it may have been deleted.`);
  }
}

/**
 * A run record as today's code reads it: a config saved before recipes (or before some recipe
 * field) existed reads as what it trained (see parseSavedConfig); one that does not read stays as
 * stored, and resuming it reports why.
 */
function asToday(run: RunRecord): RunRecord {
  const { config, problems } = parseSavedConfig({ ...run.config });
  return problems.length === 0 ? { ...run, config } : run;
}

export class RunRepository {
  constructor(private readonly stores: LabStores = openLabStores()) {}

  async createRun(run: RunRecord): Promise<void> {
    await set(run.id, run, this.stores.runs);
  }

  async listRuns(): Promise<RunRecord[]> {
    const runs = (await values<RunRecord>(this.stores.runs)).map(asToday);
    return runs.sort((a, b) => b.createdAt - a.createdAt);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const run = await get<RunRecord>(runId, this.stores.runs);
    return run && asToday(run);
  }

  async requireRun(runId: string): Promise<RunRecord> {
    const run = await this.getRun(runId);
    if (!run) throw new RunNotFoundError(runId);
    return run;
  }

  /** Changes a run record in one transaction; the update sees the record as stored. */
  async updateRun(runId: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord> {
    let result: RunRecord | undefined;
    await update<RunRecord | undefined>(
      runId,
      (run) => {
        if (!run) return undefined;
        result = { ...change(run), updatedAt: Date.now() };
        return result;
      },
      this.stores.runs,
    );
    if (!result) {
      // update() stored `undefined` under the id; a deleted run stays deleted.
      await del(runId, this.stores.runs);
      throw new RunNotFoundError(runId);
    }
    return result;
  }

  /**
   * Renames a run and sets its note (an empty note removes it). Safe while the run trains: the
   * worker's saves change the record in their own transactions and keep these fields.
   */
  async describeRun(runId: string, { name, note }: { name?: string; note?: string }): Promise<RunRecord> {
    const cleanName = name?.trim();
    if (cleanName !== undefined && cleanName.length === 0) {
      throw new StorageError('A run needs a name: type at least one character, or keep the old one.');
    }
    return this.updateRun(runId, (run) => {
      const next: RunRecord = { ...run, name: cleanName ?? run.name };
      if (note === undefined) return next;
      if (note.trim()) next.note = note.trim();
      else delete next.note;
      return next;
    });
  }

  async setStatus(runId: string, status: StoredRunStatus): Promise<void> {
    await this.updateRun(runId, (run) => ({ ...run, status }));
  }

  /**
   * Saves one finished epoch: parts first, then the run record. On failure the parts written
   * so far are removed again and the error (e.g. a QuotaExceededError) is rethrown; what was
   * saved before stays as it was.
   */
  async saveEpoch(runId: string, parts: EpochParts): Promise<RunRecord> {
    const key: PartKey = [runId, parts.epoch];
    const grid = encodeGrid(parts.grid, parts.rows, parts.cols);
    const losses = encodeLosses(parts.losses);
    const resume = parts.state && { step: parts.step, state: parts.state };
    const writeParts = async (put: PutPart) => {
      await put('grids', key, grid);
      await put('losses', key, losses);
      if (parts.generator) await put('generators', key, parts.generator);
    };
    return this.saveParts(runId, writeParts, resume, (current) => {
      const generatorBytes = parts.generator?.byteLength ?? 0;
      const stateBytes = parts.state && parts.keepState ? parts.state.byteLength : 0;
      const entry: EpochEntry = {
        epoch: parts.epoch,
        step: parts.step,
        wallTimeMs: parts.wallTimeMs,
        savedAt: Date.now(),
        loss: summarise(parts.losses),
        hasGenerator: parts.generator !== undefined,
        hasFullState: stateBytes > 0,
        ...(parts.metrics ? { metrics: parts.metrics } : {}),
        generatorBytes,
        stateBytes,
        bytes: grid.data.byteLength + losses.byteLength + generatorBytes + stateBytes,
      };
      return {
        ...current,
        status: parts.status,
        epochs: [...current.epochs.filter((e) => e.epoch !== parts.epoch), entry],
        latest: parts.state
          ? {
              step: parts.step,
              epoch: parts.epoch,
              wallTimeMs: parts.wallTimeMs,
              bytes: parts.keepState ? 0 : parts.state.byteLength,
            }
          : current.latest,
        lossThroughStep: Math.max(current.lossThroughStep, parts.step),
      };
    });
  }

  /** Saves a resume point mid-epoch (on pause or stop), with the epoch's losses so far. */
  async saveState(runId: string, parts: StateParts): Promise<RunRecord> {
    const lossKey: PartKey = [runId, parts.epoch + 1];
    const writeParts = async () => {
      // The unfinished epoch's chunk: replaced when the epoch ends, ignored beyond lossThroughStep.
      // Not removed on failure: it may hold points an earlier pause saved and the record vouches for.
      await set(lossKey, encodeLosses(parts.losses), this.stores.losses);
    };
    const resume = { step: parts.step, state: parts.state };
    return this.saveParts(runId, writeParts, resume, (current) => ({
      ...current,
      status: parts.status,
      latest: {
        step: parts.step,
        epoch: parts.epoch,
        wallTimeMs: parts.wallTimeMs,
        bytes: parts.state.byteLength,
      },
      lossThroughStep: Math.max(current.lossThroughStep, parts.step),
    }));
  }

  /**
   * The save `saveEpoch` and `saveState` share: `writeParts` writes the parts, the new resume
   * point (if any) goes under its own step's key, `list` changes the run record to list them,
   * and only then is the resume point it replaced deleted, unless an epoch keeps it as a full
   * state. So there is always one complete resume point. On failure the parts written through
   * `put` and the new resume point are removed again and the error is rethrown.
   */
  private async saveParts(
    runId: string,
    writeParts: (put: PutPart) => Promise<void>,
    resume: { step: number; state: ArrayBuffer } | undefined,
    list: (run: RunRecord) => RunRecord,
  ): Promise<RunRecord> {
    const written: [keyof LabStores, PartKey][] = [];
    const put: PutPart = async (store, key, value) => {
      written.push([store, key]);
      await set(key, value, this.stores[store]);
    };
    let replaced: number | null = null;
    let run: RunRecord;
    try {
      await writeParts(put);
      if (resume) await put('states', [runId, resume.step], resume.state);
      run = await this.updateRun(runId, (current) => {
        const previous = current.latest;
        replaced =
          resume && previous && previous.step !== resume.step && !isKept(current, previous.step)
            ? previous.step
            : null;
        return list(current);
      });
    } catch (error) {
      await this.removeParts(written);
      throw error;
    }
    // The record lists the new parts now: a failure here must not remove them, and the save
    // stands. An old resume point left behind is unlisted, so collectGarbage removes it.
    if (replaced !== null) await del([runId, replaced], this.stores.states).catch(() => undefined);
    return run;
  }

  async getGrid(runId: string, epoch: number): Promise<Uint8ClampedArray | undefined> {
    const record = await get<GridRecord>([runId, epoch], this.stores.grids);
    return record && decodeGrid(record);
  }

  /** Grids of several epochs at once, in the order asked; undefined where missing. */
  async getGrids(runId: string, epochs: number[]): Promise<(Uint8ClampedArray | undefined)[]> {
    const records = await getMany<GridRecord>(
      epochs.map((epoch) => [runId, epoch]),
      this.stores.grids,
    );
    return records.map((record) => record && decodeGrid(record));
  }

  /** Generator checkpoint bytes of an epoch the run record lists with a generator. */
  async getGenerator(runId: string, epoch: number): Promise<ArrayBuffer> {
    const run = await this.requireRun(runId);
    const entry = run.epochs.find((e) => e.epoch === epoch);
    if (!entry?.hasGenerator) {
      const kept = run.epochs.filter((e) => e.hasGenerator).map((e) => e.epoch);
      throw new StorageError(
        `Epoch ${epoch} of this run has no saved generator; epochs with one: ` +
          `${kept.length > 0 ? kept.join(', ') : 'none'}.`,
      );
    }
    const bytes = await get<ArrayBuffer>([runId, epoch], this.stores.generators);
    if (!bytes) {
      throw new StorageError(
        `The generator of epoch ${epoch} is listed but missing from this browser's storage; ` +
          'sample from another epoch.',
      );
    }
    return bytes;
  }

  /** The run's latest resume point: its record entry and checkpoint bytes. */
  async getLatestState(runId: string): Promise<{ run: RunRecord; state: ArrayBuffer }> {
    const run = await this.requireRun(runId);
    if (!run.latest) {
      throw new StorageError(`Run "${run.name}" has no saved training state yet, so it cannot resume.`);
    }
    const state = await get<ArrayBuffer>([runId, run.latest.step], this.stores.states);
    if (!state) {
      throw new StorageError(
        `The training state of run "${run.name}" at step ${run.latest.step} is listed but missing.`,
      );
    }
    return { run, state };
  }

  /** Every stored loss point of a run, in step order, up to what the run record vouches for. */
  async getLosses(run: RunRecord): Promise<LossPoint[]> {
    const chunks = Math.ceil(run.lossThroughStep / run.config.stepsPerEpoch);
    if (!(chunks >= 1)) return [];
    // One request for all the chunks (their keys sort together, epoch by epoch), not one a
    // chunk: a long run has hundreds, and each request costs the page's main thread.
    const range = IDBKeyRange.bound([run.id, 1], [run.id, chunks]);
    const arrays = await this.stores.losses('readonly', (store) => promisifyRequest(store.getAll(range) as IDBRequest<StoredLosses[]>));
    const points: LossPoint[] = [];
    for (const array of arrays) {
      for (const point of decodeLosses(array)) {
        if (point.step <= run.lossThroughStep) points.push(point);
      }
    }
    return points;
  }

  /** Deletes a run: its record first (readers stop trusting it), then all its parts. */
  async deleteRun(runId: string): Promise<void> {
    await del(runId, this.stores.runs);
    for (const store of PART_STORES) {
      const own = (await keys<PartKey>(this.stores[store])).filter(([id]) => id === runId);
      if (own.length > 0) await delMany(own, this.stores[store]);
    }
  }

  /**
   * Frees space: keeps every grid, the losses, the last generator checkpoint and the latest
   * resume point; drops the other generators and kept full states (the record first, then the
   * parts it no longer lists). Safe while the run trains. Returns the bytes freed.
   */
  async pruneRun(runId: string): Promise<number> {
    const generators: PartKey[] = [];
    const states: PartKey[] = [];
    let freed = 0;
    await this.updateRun(runId, (run) => {
      generators.length = 0;
      states.length = 0;
      freed = 0;
      const lastGenerator = run.epochs.filter((e) => e.hasGenerator).at(-1)?.epoch;
      const epochs = run.epochs.map((entry) => {
        const dropGenerator = entry.hasGenerator && entry.epoch !== lastGenerator;
        const dropState = entry.hasFullState && entry.step !== run.latest?.step;
        if (!dropGenerator && !dropState) return entry;
        const next = { ...entry };
        if (dropGenerator) {
          generators.push([runId, entry.epoch]);
          next.hasGenerator = false;
          next.bytes -= entry.generatorBytes;
          freed += entry.generatorBytes;
          next.generatorBytes = 0;
        }
        if (dropState) {
          states.push([runId, entry.step]);
          next.hasFullState = false;
          next.bytes -= entry.stateBytes;
          freed += entry.stateBytes;
          next.stateBytes = 0;
        }
        return next;
      });
      return { ...run, epochs };
    });
    if (generators.length > 0) await delMany(generators, this.stores.generators);
    if (states.length > 0) await delMany(states, this.stores.states);
    return freed;
  }

  /**
   * Removes parts no run record lists: leftovers of a crash mid-save, of a failed save, or of a
   * deleted run. Only call it while no run is being written, or it may take parts in flight.
   */
  async collectGarbage(onlyRunId?: string): Promise<void> {
    const runs = new Map((await this.listRuns()).map((run) => [run.id, run]));
    const listed: Record<(typeof PART_STORES)[number], (run: RunRecord, n: number) => boolean> = {
      grids: (run, epoch) => run.epochs.some((e) => e.epoch === epoch),
      losses: (run, epoch) => epoch <= Math.ceil(run.lossThroughStep / run.config.stepsPerEpoch),
      generators: (run, epoch) => run.epochs.some((e) => e.epoch === epoch && e.hasGenerator),
      states: (run, step) =>
        run.latest?.step === step || run.epochs.some((e) => e.step === step && e.hasFullState),
    };
    for (const [store, isListed] of Object.entries(listed)) {
      const name = store as keyof typeof listed;
      const stale = (await keys<PartKey>(this.stores[name])).filter(([runId, n]) => {
        if (onlyRunId !== undefined && runId !== onlyRunId) return false;
        const run = runs.get(runId);
        return !run || !isListed(run, n);
      });
      if (stale.length > 0) await delMany(stale, this.stores[name]);
    }
  }

  private async removeParts(written: [keyof LabStores, PartKey][]): Promise<void> {
    for (const [store, key] of written) {
      try {
        await del(key, this.stores[store]);
      } catch {
        // Best effort: collectGarbage removes what is left.
      }
    }
  }
}

function isKept(run: RunRecord, step: number): boolean {
  return run.epochs.some((e) => e.step === step && e.hasFullState);
}

export function encodeGrid(pixels: Uint8ClampedArray | Uint8Array, rows: number, cols: number): GridRecord {
  const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  return { rows, cols, encoding: 'deflate', data: deflateSync(bytes, { level: 6 }) };
}

export function decodeGrid(record: GridRecord): Uint8ClampedArray {
  const bytes = inflateSync(record.data);
  const expected = gridBytes(record.rows, record.cols);
  if (bytes.length !== expected) {
    throw new StorageError(
      `A stored ${record.rows}x${record.cols} grid unpacked to ${bytes.length} bytes, not ${expected}.`,
    );
  }
  return new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * An epoch's loss points as stored: LOSS_FIELDS numbers a point (step, d loss, g loss, D(x),
 * D(G(z))). Float64Array, so that steps stay exact past 2^24, where float32 stops holding every
 * integer; runs saved before that hold Float32Array, read the same way.
 */
type StoredLosses = Float64Array | Float32Array;
const LOSS_FIELDS = 5;

function encodeLosses(points: LossPoint[]): Float64Array {
  const out = new Float64Array(points.length * LOSS_FIELDS);
  points.forEach((p, i) => out.set([p.step, p.dLoss, p.gLoss, p.dReal, p.dFake], i * LOSS_FIELDS));
  return out;
}

function decodeLosses(array: StoredLosses): LossPoint[] {
  if (!(array instanceof Float64Array || array instanceof Float32Array)) {
    const found = Object.prototype.toString.call(array).slice(8, -1);
    throw new StorageError(
      `The saved losses of this run are unreadable: a chunk is a ${found}, not a Float64Array ` +
        'or Float32Array of loss points.',
    );
  }
  const points: LossPoint[] = [];
  for (let i = 0; i + LOSS_FIELDS <= array.length; i += LOSS_FIELDS) {
    points.push({
      step: array[i],
      dLoss: array[i + 1],
      gLoss: array[i + 2],
      dReal: array[i + 3],
      dFake: array[i + 4],
    });
  }
  return points;
}

export function summarise(points: LossPoint[]): LossSummary | null {
  if (points.length === 0) return null;
  const sum = { dLoss: 0, gLoss: 0, dReal: 0, dFake: 0 };
  for (const p of points) {
    sum.dLoss += p.dLoss;
    sum.gLoss += p.gLoss;
    sum.dReal += p.dReal;
    sum.dFake += p.dFake;
  }
  const n = points.length;
  return {
    dLoss: sum.dLoss / n,
    gLoss: sum.gLoss / n,
    dReal: sum.dReal / n,
    dFake: sum.dFake / n,
    points: n,
  };
}
