import { keys, set } from 'idb-keyval';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config';
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
  const pixels = new Uint8ClampedArray(100 * 784);
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
    rows: 10,
    cols: 10,
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
    await set(['h', 2], encodeGrid(grid(2), 10, 10), stores.grids);
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
    const pixels = new Uint8ClampedArray(100 * 784);
    for (let i = 0; i < pixels.length; i += 13) pixels[i] = 200;
    const record = encodeGrid(pixels, 10, 10);
    expect(record.data.byteLength).toBeLessThan(pixels.length / 3);
    expect(Array.from(decodeGrid(record))).toEqual(Array.from(pixels));
  });
});
