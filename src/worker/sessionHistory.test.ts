/**
 * The session with storage: what a run saves as it trains, resuming it in a fresh worker,
 * sampling from saved generators, and a full disk that does not stop training.
 */
import { keys } from 'idb-keyval';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config';
import { checkpointEpochs } from '../storage/records';
import { RunRepository } from '../storage/runRepository';
import { openLabStores } from '../storage/storeNames';
import type { HistoryStorage } from './runHistory';
import { sessionHarness } from '../testing/sessionHarness';

function harness(storage: HistoryStorage) {
  return sessionHarness({
    storage,
    estimateStorage: async () => ({ usage: 9_900_000_000, quota: 10_000_000_000 }),
  });
}

const tiny = parseConfig({
  backend: 'cpu',
  epochs: 3,
  stepsPerEpoch: 1,
  batchSize: 2,
  logEvery: 1,
  checkpointEvery: 2,
  seed: 3,
}).config;

let repo: RunRepository;
beforeEach(async () => {
  repo = new RunRepository(openLabStores());
  for (const run of await repo.listRuns()) await repo.deleteRun(run.id);
});

describe('training session with history', () => {
  it('saves every epoch, generators at checkpoints, and resumes a stopped run in a new worker', async () => {
    const first = harness(repo);
    // Stop as soon as epoch 2 is saved, before step 3.
    first.on((event) => {
      if (event.type === 'checkpoint-saved' && event.epoch === 2) {
        void first.send({ type: 'stop', runId: 'h1' });
      }
    });
    await first.send({ type: 'start', runId: 'h1', config: tiny });
    expect(first.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'stopped', step: 2 });
    let run = await repo.requireRun('h1');
    expect(run.status).toBe('stopped');
    expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(checkpointEpochs(run)).toEqual([1, 2]);
    expect(run.latest).toMatchObject({ step: 2, epoch: 2 });
    expect(run.epochs[0].loss?.points).toBe(1);

    // A reload: a fresh worker resumes from storage and finishes the run.
    const second = harness(repo);
    await second.send({ type: 'resume-run', runId: 'h1' });
    expect(second.of('started')[0]).toMatchObject({ startStep: 2, totalSteps: 3 });
    expect(second.of('losses').flatMap((e) => e.points.map((p) => p.step))).toEqual([3]);
    expect(second.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'completed', step: 3 });
    run = await repo.requireRun('h1');
    expect(run.status).toBe('completed');
    expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    // The last epoch keeps its generator, like the first and every checkpointEvery-th.
    expect(checkpointEpochs(run)).toEqual([1, 2, 3]);
    expect((await repo.getLosses(run)).map((p) => p.step)).toEqual([1, 2, 3]);
    expect(await keys(openLabStores().states)).toEqual([['h1', 3]]);

    // Extending the finished run needs more epochs; then it goes on.
    await second.send({ type: 'resume-run', runId: 'h1' });
    expect(second.of('error').at(-1)?.message).toMatch(/done all 3 of its epochs/);
  });

  it('samples the same digits for the same seed, from any saved generator', async () => {
    const h = harness(repo);
    await h.send({ type: 'start', runId: 's1', config: { ...tiny, epochs: 1 } });
    await h.send({ type: 'sample', requestId: 1, runId: 's1', epoch: 1, seed: 9, count: 12 });
    await h.send({ type: 'sample', requestId: 2, runId: 's1', epoch: 1, seed: 9, count: 12 });
    await h.send({ type: 'sample', requestId: 3, runId: 's1', epoch: 1, seed: 10, count: 12 });
    await h.send({ type: 'interpolate', requestId: 4, runId: 's1', epoch: 1, seedA: 9, seedB: 10, steps: 10 });
    const [a, b, c, row] = h.of('sample-result');
    expect(a).toMatchObject({ requestId: 1, rows: 2, cols: 10, count: 12 });
    expect(a.pixels.length).toBe(20 * 784);
    expect(Array.from(b.pixels)).toEqual(Array.from(a.pixels));
    expect(Array.from(c.pixels)).not.toEqual(Array.from(a.pixels));
    // Cells past the 12th digit are black.
    expect(a.pixels.subarray(12 * 784).every((v) => v === 0)).toBe(true);
    expect(row).toMatchObject({ requestId: 4, rows: 1, cols: 10 });

    await h.send({ type: 'sample', requestId: 5, runId: 's1', epoch: 7, seed: 1, count: 1 });
    await h.send({ type: 'sample', requestId: 6, runId: 's1', epoch: 1, seed: 1, count: 101 });
    const errors = h.of('error');
    expect(errors[0]).toMatchObject({ requestId: 5, code: 'storage', message: expect.stringMatching(/Epoch 7 .* no saved generator/) });
    expect(errors[1]).toMatchObject({ requestId: 6, code: 'config', message: expect.stringMatching(/count .* 1 to 100/) });
  });

  it('keeps training through a full disk, tells the numbers and loses nothing saved', async () => {
    let full = false;
    const quota = new DOMException('Quota exceeded.', 'QuotaExceededError');
    const storage: HistoryStorage = Object.assign(Object.create(repo) as RunRepository, {
      saveEpoch: async (...args: Parameters<RunRepository['saveEpoch']>) => {
        if (full) throw quota;
        const run = await repo.saveEpoch(...args);
        full = true;
        return run;
      },
    });
    const h = harness(storage);
    await h.send({ type: 'start', runId: 'q1', config: tiny });
    expect(h.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'completed', step: 3 });
    const problems = h.of('storage-error');
    expect(problems.map((e) => e.epoch)).toEqual([2, 3]);
    expect(problems[0]).toMatchObject({ code: 'quota', usedBytes: 9_900_000_000, quotaBytes: 10_000_000_000 });
    expect(problems[0].message).toMatch(/Epoch 2 was not saved: .* full\. This site uses 9\.90 GB of the 10\.00 GB/);
    const run = await repo.requireRun('q1');
    expect(run.epochs.map((e) => e.epoch)).toEqual([1]);
    expect(run.latest?.step).toBe(1);
    expect((await repo.getLatestState('q1')).state.byteLength).toBeGreaterThan(30_000_000);
  });
});
