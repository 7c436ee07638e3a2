import { del, keys, set } from 'idb-keyval';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config';
import { GRID_COLS, GRID_ROWS, gridBytes } from '../core/digits';
import { StorageError, errorCode } from '../core/errors';
import type { LossPoint } from '../core/lossPoint';
import { checkpointEpochs, isQuotaError, runBytes, type RunRecord } from './records';
import { type EpochParts, RunRepository, decodeGrid, encodeGrid } from './runRepository';
import { type LabStores, openLabStores } from './storeNames';

const config = parseConfig({ epochs: 6, stepsPerEpoch: 2, checkpointEvery: 2, seed: 5 }).config;

function newRun(id: string, createdAt = 1000): RunRecord {
  return {
    id,
    name: `run ${id}`,
    createdAt,
    updatedAt: createdAt,
    config,
    status: 'training',
    backend: 'cpu',
    keepFullStates: false,
    epochs: [],
    latest: null,
    lossThroughStep: 0,
  };
}

function grid(fill: number): Uint8ClampedArray {
  const pixels = new Uint8ClampedArray(gridBytes(GRID_ROWS, GRID_COLS));
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + fill) % 256;
  return pixels;
}

function points(from: number, to: number): LossPoint[] {
  const out: LossPoint[] = [];
  for (let step = from; step <= to; step++) {
    out.push({ step, dLoss: step / 10, gLoss: 1 + step / 10, dReal: 0.75, dFake: 0.25 });
  }
  return out;
}

function epochParts(epoch: number, extra: Partial<EpochParts> = {}): EpochParts {
  return {
    epoch,
    step: epoch * 2,
    wallTimeMs: epoch * 100,
    grid: grid(epoch),
    rows: GRID_ROWS,
    cols: GRID_COLS,
    losses: points(epoch * 2 - 1, epoch * 2),
    state: new ArrayBuffer(4000 + epoch),
    status: 'training',
    ...extra,
  };
}

/** Stores wrapped so that writes to `failStore` throw a QuotaExceededError. */
function quotaStores(stores: LabStores, failStore: keyof LabStores): LabStores {
  const failing: LabStores[keyof LabStores] = (mode, callback) => {
    if (mode === 'readwrite') {
      return stores[failStore](mode, (store) => {
        store.transaction.abort();
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      });
    }
    return stores[failStore](mode, callback);
  };
  return { ...stores, [failStore]: failing };
}

/** What `promise` rejects with; it must reject. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('The call was expected to fail, and it succeeded.');
}

/** Stores wrapped so that deletes from the states store fail. */
function undeletableStates(stores: LabStores): LabStores {
  const states: LabStores['states'] = (mode, callback) =>
    stores.states(mode, (store) =>
      callback(
        new Proxy(store, {
          get(target, name) {
            if (name === 'delete') {
              return () => {
                throw new DOMException('The delete failed.', 'UnknownError');
              };
            }
            const value = Reflect.get(target, name);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }),
      ),
    );
  return { ...stores, states };
}

let stores: LabStores;
let repo: RunRepository;

beforeEach(async () => {
  stores = openLabStores();
  repo = new RunRepository(stores);
  for (const run of await repo.listRuns()) await repo.deleteRun(run.id);
});

describe('run repository', () => {
  it('lists runs newest first and finds none after delete', async () => {
    await repo.createRun(newRun('a', 1));
    await repo.createRun(newRun('b', 2));
    expect((await repo.listRuns()).map((r) => r.id)).toEqual(['b', 'a']);
    await repo.deleteRun('b');
    expect((await repo.listRuns()).map((r) => r.id)).toEqual(['a']);
    await expect(repo.requireRun('b')).rejects.toThrow(/No saved run b/);
  });

  it('keeps a grid for every epoch and generators at checkpoint epochs, with one resume point', async () => {
    await repo.createRun(newRun('r'));
    for (let epoch = 1; epoch <= 3; epoch++) {
      const generator = epoch === 1 || epoch % 2 === 0 ? new ArrayBuffer(1000 * epoch) : undefined;
      await repo.saveEpoch('r', epochParts(epoch, { generator }));
    }
    const run = await repo.requireRun('r');
    expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(checkpointEpochs(run)).toEqual([1, 2]);
    expect(run.latest).toMatchObject({ step: 6, epoch: 3 });
    expect(run.epochs[1].loss).toEqual({ dLoss: 0.35, gLoss: 1.35, dReal: 0.75, dFake: 0.25, points: 2 });
    // Only the latest resume point is kept.
    expect(await keys(stores.states)).toEqual([['r', 6]]);
    expect(Array.from((await repo.getGrid('r', 2))!)).toEqual(Array.from(grid(2)));
    const grids = await repo.getGrids('r', [3, 1, 9]);
    expect(grids[0]![5]).toBe(grid(3)[5]);
    expect(grids[2]).toBeUndefined();
    expect((await repo.getGenerator('r', 2)).byteLength).toBe(2000);
    await expect(repo.getGenerator('r', 3)).rejects.toThrow(/Epoch 3 .* no saved generator; epochs with one: 1, 2/);
    const { state } = await repo.getLatestState('r');
    expect(state.byteLength).toBe(4003);
    expect((await repo.getLosses(run)).map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(runBytes(run)).toBeGreaterThan(1000 + 2000 + 4003);
  });

  it('keeps a full state at checkpoints when asked', async () => {
    await repo.createRun({ ...newRun('k'), keepFullStates: true });
    await repo.saveEpoch('k', epochParts(1, { generator: new ArrayBuffer(10), keepState: true }));
    await repo.saveEpoch('k', epochParts(2));
    await repo.saveEpoch('k', epochParts(3));
    expect(await keys(stores.states)).toEqual([['k', 2], ['k', 6]]);
  });

  it('stores a mid-epoch resume point with the unfinished epoch losses', async () => {
    await repo.createRun(newRun('m'));
    await repo.saveEpoch('m', epochParts(1));
    const run = await repo.saveState('m', {
      step: 3,
      epoch: 1,
      wallTimeMs: 150,
      state: new ArrayBuffer(64),
      losses: points(3, 3),
      status: 'paused',
    });
    expect(run.status).toBe('paused');
    expect(run.latest).toMatchObject({ step: 3, epoch: 1 });
    expect(await keys(stores.states)).toEqual([['m', 3]]);
    expect((await repo.getLosses(run)).map((p) => p.step)).toEqual([1, 2, 3]);
  });

  it('makes a half-written epoch invisible and sweeps its parts', async () => {
    await repo.createRun(newRun('h'));
    await repo.saveEpoch('h', epochParts(1));
    // A crash after the parts of epoch 2, before its record update.
    await set(['h', 2], encodeGrid(grid(2), GRID_ROWS, GRID_COLS), stores.grids);
    await set(['h', 4], new ArrayBuffer(8), stores.states);
    const run = await repo.requireRun('h');
    expect(run.epochs.map((e) => e.epoch)).toEqual([1]);
    expect(run.latest?.step).toBe(2);
    await repo.collectGarbage();
    expect(await keys(stores.grids)).toEqual([['h', 1]]);
    expect(await keys(stores.states)).toEqual([['h', 2]]);
  });

  it('on a quota error loses nothing already saved and leaves no half record', async () => {
    await repo.createRun(newRun('q'));
    await repo.saveEpoch('q', epochParts(1, { generator: new ArrayBuffer(100) }));
    const full = new RunRepository(quotaStores(stores, 'states'));
    const error = await full.saveEpoch('q', epochParts(2, { generator: new ArrayBuffer(100) })).catch((e) => e);
    expect(isQuotaError(error)).toBe(true);
    const run = await repo.requireRun('q');
    expect(run.epochs.map((e) => e.epoch)).toEqual([1]);
    expect(run.latest?.step).toBe(2);
    expect((await repo.getLatestState('q')).state.byteLength).toBe(4001);
    // The parts of epoch 2 written before the failure are gone again.
    expect(await keys(stores.grids)).toEqual([['q', 1]]);
    expect(await keys(stores.generators)).toEqual([['q', 1]]);
  });

  it('prunes generators and kept states but keeps grids, the last generator and the resume point', async () => {
    await repo.createRun({ ...newRun('p'), keepFullStates: true });
    for (let epoch = 1; epoch <= 4; epoch++) {
      await repo.saveEpoch('p', epochParts(epoch, { generator: new ArrayBuffer(1000), keepState: true }));
    }
    const before = runBytes(await repo.requireRun('p'));
    const freed = await repo.pruneRun('p');
    const run = await repo.requireRun('p');
    expect(checkpointEpochs(run)).toEqual([4]);
    expect(freed).toBe(3 * 1000 + 4001 + 4002 + 4003);
    expect(runBytes(run)).toBe(before - freed);
    expect(await keys(stores.generators)).toEqual([['p', 4]]);
    expect(await keys(stores.states)).toEqual([['p', 8]]);
    expect(await keys(stores.grids)).toHaveLength(4);
    expect((await repo.getLatestState('p')).state.byteLength).toBe(4004);
  });

  it('compresses grids several times over and restores them exactly', () => {
    const pixels = new Uint8ClampedArray(gridBytes(GRID_ROWS, GRID_COLS));
    for (let i = 0; i < pixels.length; i += 13) pixels[i] = 200;
    const record = encodeGrid(pixels, GRID_ROWS, GRID_COLS);
    expect(record.data.byteLength).toBeLessThan(pixels.length / 3);
    expect(Array.from(decodeGrid(record))).toEqual(Array.from(pixels));
  });
  it('reports a missing generator, a missing resume point and a damaged grid as storage errors', async () => {
    await repo.createRun(newRun('g'));
    expect(errorCode(await failure(repo.getLatestState('g')))).toBe('storage');
    await repo.saveEpoch('g', epochParts(1, { generator: new ArrayBuffer(10) }));
    await repo.saveEpoch('g', epochParts(2));
    // Listed by the record, gone from its store (a browser that cleared one database).
    await del(['g', 1], stores.generators);
    await del(['g', 4], stores.states);
    const missing = await failure(repo.getGenerator('g', 1));
    expect(missing).toBeInstanceOf(StorageError);
    expect(errorCode(missing)).toBe('storage');
    expect(String(missing)).toMatch(/generator of epoch 1 is listed but missing/);
    expect(errorCode(await failure(repo.getGenerator('g', 2)))).toBe('storage');
    expect(errorCode(await failure(repo.getLatestState('g')))).toBe('storage');
    const damaged = { ...encodeGrid(grid(1), GRID_ROWS, GRID_COLS), rows: GRID_ROWS + 1 };
    expect(errorCode(await failure(Promise.resolve().then(() => decodeGrid(damaged))))).toBe('storage');
  });

  it('keeps the one resume point whichever save replaces it, and keeps kept full states', async () => {
    await repo.createRun(newRun('s'));
    await repo.saveEpoch('s', epochParts(1));
    const pause = { epoch: 1, wallTimeMs: 150, losses: points(3, 3), status: 'paused' as const };
    await repo.saveState('s', { ...pause, step: 3, state: new ArrayBuffer(30) });
    expect(await keys(stores.states)).toEqual([['s', 3]]);
    await repo.saveEpoch('s', epochParts(2));
    expect(await keys(stores.states)).toEqual([['s', 4]]);
    // An epoch without a state leaves the resume point where it is.
    await repo.saveEpoch('s', epochParts(3, { state: undefined }));
    expect((await repo.requireRun('s')).latest?.step).toBe(4);
    expect(await keys(stores.states)).toEqual([['s', 4]]);

    await repo.createRun(newRun('t'));
    await repo.saveEpoch('t', epochParts(1, { keepState: true }));
    await repo.saveState('t', { ...pause, step: 3, state: new ArrayBuffer(30) });
    await repo.saveState('t', { ...pause, step: 4, state: new ArrayBuffer(40) });
    // The kept full state of epoch 1 stays; the pause at step 3 is replaced.
    const own = (await keys<[string, number]>(stores.states)).filter(([id]) => id === 't');
    expect(own).toEqual([['t', 2], ['t', 4]]);
  });

  it('keeps steps past 2^24 exact and still reads losses saved as Float32Array', async () => {
    const step = 2 ** 24 + 1;
    await repo.createRun({ ...newRun('x'), config: { ...config, stepsPerEpoch: 2 ** 25 } });
    const point = { step, dLoss: 0.1, gLoss: 2.3, dReal: 0.7, dFake: 0.3 };
    const run = await repo.saveEpoch('x', epochParts(1, { step, losses: [point] }));
    expect(await repo.getLosses(run)).toEqual([point]);

    // A run saved before losses were Float64Array.
    await repo.createRun({ ...newRun('o'), lossThroughStep: 2 });
    await set(['o', 1], new Float32Array([1, 0.5, 1.5, 0.75, 0.25, 2, 0.25, 2, 0.5, 0.125]), stores.losses);
    expect(await repo.getLosses(await repo.requireRun('o'))).toEqual([
      { step: 1, dLoss: 0.5, gLoss: 1.5, dReal: 0.75, dFake: 0.25 },
      { step: 2, dLoss: 0.25, gLoss: 2, dReal: 0.5, dFake: 0.125 },
    ]);
  });

  it('stands by a saved epoch when the old resume point cannot be deleted, and sweeps it later', async () => {
    await repo.createRun(newRun('d'));
    await repo.saveEpoch('d', epochParts(1));
    const run = await new RunRepository(undeletableStates(stores)).saveEpoch('d', epochParts(2));
    expect(run.latest?.step).toBe(4);
    expect((await repo.getLatestState('d')).state.byteLength).toBe(4002);
    expect(await keys(stores.grids)).toEqual([['d', 1], ['d', 2]]);
    expect(await keys(stores.states)).toEqual([['d', 2], ['d', 4]]);
    await repo.collectGarbage();
    expect(await keys(stores.states)).toEqual([['d', 4]]);
  });
});
