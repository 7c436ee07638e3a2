/**
 * Changing the learning rates and the average's decay while a run trains: applied from the
 * next step (the Adam updates use the new rate), recorded with that step and saved with the
 * run, used by a resume in a fresh worker; values that cannot be used change nothing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KerasAdam } from '../core/adam';
import { parseConfig } from '../core/config';
import { RunRepository } from '../storage/runRepository';
import { openLabStores } from '../storage/storeNames';
import { sessionHarness } from '../testing/sessionHarness';

const config = (extra: Record<string, number | string> = {}) =>
  parseConfig({ backend: 'cpu', epochs: 3, stepsPerEpoch: 2, batchSize: 2, logEvery: 1, checkpointEvery: 1, seed: 3, ...extra })
    .config;

/**
 * The rate of every Adam update, by optimizer: D's updates come first in each step (one per
 * step in these recipes), then G's.
 */
function watchAdamRates() {
  const rates = { g: [] as number[], d: [] as number[] };
  const seen: KerasAdam[] = [];
  const original = KerasAdam.prototype.apply;
  vi.spyOn(KerasAdam.prototype, 'apply').mockImplementation(function (this: KerasAdam, grads) {
    if (!seen.includes(this)) seen.push(this);
    // Each GAN has two optimizers; a resumed run builds two fresh ones.
    const isD = seen.indexOf(this) % 2 === 0;
    (isD ? rates.d : rates.g).push(this.lr);
    return original.call(this, grads);
  });
  return rates;
}

let repo: RunRepository;
beforeEach(async () => {
  repo = new RunRepository(openLabStores());
  for (const run of await repo.listRuns()) await repo.deleteRun(run.id);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('live settings', () => {
  it('applies a learning-rate change at the next step, records it with that step, saves it, and a resume uses it', async () => {
    const rates = watchAdamRates();
    const first = sessionHarness({ storage: repo });
    first.on((event) => {
      if (event.type !== 'progress') return;
      if (event.step === 2) void first.send({ type: 'set-live', runId: 'v1', settings: { gLr: 1e-3 } });
      if (event.step === 4) void first.send({ type: 'stop', runId: 'v1' });
    });
    await first.send({ type: 'start', runId: 'v1', config: config() });
    expect(first.of('error')).toEqual([]);
    expect(first.of('live-changed')).toEqual([
      {
        type: 'live-changed',
        runId: 'v1',
        change: { step: 3, gLr: 1e-3 },
        settings: { gLr: 1e-3, dLr: 2e-4, averageDecay: null },
      },
    ]);
    expect(first.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'stopped', step: 4 });
    // Steps 1 and 2 ran with the recipe's rate, 3 and 4 with the new one; D's is untouched.
    expect(rates.g).toEqual([2e-4, 2e-4, 1e-3, 1e-3]);
    expect(rates.d).toEqual([2e-4, 2e-4, 2e-4, 2e-4]);
    const saved = await repo.requireRun('v1');
    expect(saved.liveChanges).toEqual([{ step: 3, gLr: 1e-3 }]);
    expect(saved.latest?.step).toBe(4);

    // A reload: a fresh worker resumes with the changed rate, not the recipe's.
    rates.g.length = 0;
    rates.d.length = 0;
    const second = sessionHarness({ storage: repo });
    await second.send({ type: 'resume-run', runId: 'v1' });
    expect(second.of('started')[0]).toMatchObject({ startStep: 4, liveChanges: [{ step: 3, gLr: 1e-3 }] });
    expect(second.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'completed', step: 6 });
    expect(rates.g).toEqual([1e-3, 1e-3]);
    expect(rates.d).toEqual([2e-4, 2e-4]);
    expect((await repo.requireRun('v1')).liveChanges).toEqual([{ step: 3, gLr: 1e-3 }]);
  });

  it('edits what the next step uses while paused, and keeps it through a stop', async () => {
    const rates = watchAdamRates();
    const first = sessionHarness({ storage: repo });
    first.on((event) => {
      if (event.type === 'progress' && event.step === 1) void first.send({ type: 'pause', runId: 'p1' });
      if (event.type === 'paused') {
        void first.send({ type: 'set-live', runId: 'p1', settings: { dLr: 5e-4, averageDecay: 0.9 } }).then(() =>
          first.send({ type: 'stop', runId: 'p1' }),
        );
      }
    });
    await first.send({ type: 'start', runId: 'p1', config: config({ preset: 'seed-ema' }) });
    expect(first.of('error')).toEqual([]);
    expect(first.of('live-changed').map((e) => [e.change, e.settings])).toEqual([
      [{ step: 2, dLr: 5e-4, averageDecay: 0.9 }, { gLr: 2e-4, dLr: 5e-4, averageDecay: 0.9 }],
    ]);
    expect(rates.d).toEqual([2e-4]);
    expect(await repo.requireRun('p1')).toMatchObject({ latest: { step: 1 }, liveChanges: [{ step: 2, dLr: 5e-4, averageDecay: 0.9 }] });

    rates.d.length = 0;
    const second = sessionHarness({ storage: repo });
    second.on((event) => {
      if (event.type === 'progress' && event.step === 2) void second.send({ type: 'stop', runId: 'p1' });
    });
    await second.send({ type: 'resume-run', runId: 'p1' });
    expect(rates.d).toEqual([5e-4]);
  });

  it('forgets on resume the changes made after the resume point, as that training is done again', async () => {
    const first = sessionHarness({ storage: repo });
    first.on((event) => {
      if (event.type === 'progress' && event.step === 2) void first.send({ type: 'stop', runId: 'c1' });
    });
    await first.send({ type: 'start', runId: 'c1', config: config() });
    // As if the tab had died after more steps and changes than its last resume point (step 2).
    await repo.updateRun('c1', (run) => ({
      ...run,
      liveChanges: [{ step: 2, dLr: 1e-3 }, { step: 3, gLr: 5e-4 }, { step: 4, gLr: 9e-4 }],
    }));
    const rates = watchAdamRates();
    const second = sessionHarness({ storage: repo });
    second.on((event) => {
      if (event.type === 'progress' && event.step === 3) void second.send({ type: 'stop', runId: 'c1' });
    });
    await second.send({ type: 'resume-run', runId: 'c1' });
    const kept = [{ step: 2, dLr: 1e-3 }, { step: 3, gLr: 5e-4 }];
    expect(second.of('started')[0]).toMatchObject({ startStep: 2, liveChanges: kept });
    expect(rates).toEqual({ g: [5e-4], d: [1e-3] });
    expect((await repo.requireRun('c1')).liveChanges).toEqual(kept);
  });

  it('refuses values that cannot be used, with a message naming them, and changes nothing', async () => {
    const rates = watchAdamRates();
    const h = sessionHarness({ storage: repo });
    const bad: unknown[] = [
      { gLr: -1e-4 },
      { dLr: 0 },
      { gLr: 2e6 },
      { gLr: Number.NaN },
      { dLr: Number.POSITIVE_INFINITY },
      { gLr: '1e-4' },
      // One good field does not go through with a bad one.
      { gLr: 1e-3, dLr: -1 },
      // The seed recipe keeps no average.
      { averageDecay: 0.99 },
      { beta1: 0.9 },
      null,
    ];
    let sent = false;
    h.on((event) => {
      if (event.type !== 'progress') return;
      // The step after the refused changes still trains with the recipe's rates.
      if (event.step === 2) void h.send({ type: 'stop', runId: 'x1' });
      if (sent || event.step !== 1) return;
      sent = true;
      for (const settings of bad) void h.send({ type: 'set-live', runId: 'x1', settings } as never);
    });
    await h.send({ type: 'start', runId: 'x1', config: config() });
    const errors = h.of('error');
    expect(errors).toHaveLength(bad.length);
    for (const error of errors) expect(error).toMatchObject({ runId: 'x1', code: 'config', message: expect.stringMatching(/Nothing was changed\.$|must be an object/) });
    expect(errors[0].message).toMatch(/G's learning rate \(gLr\) must be above 0 and at most 1000000, got -0\.0001/);
    expect(errors[2].message).toMatch(/gLr\) must be above 0 and at most 1000000, got 2000000/);
    expect(errors[3].message).toMatch(/gLr\) must be a number/);
    expect(errors[6].message).toMatch(/D's learning rate \(dLr\)/);
    expect(errors[6].message).not.toMatch(/gLr/);
    expect(errors[7].message).toMatch(/keeps no weight average/);
    expect(errors[8].message).toMatch(/"beta1" cannot be changed while training/);
    expect(h.of('live-changed')).toEqual([]);
    expect(rates.g).toEqual([2e-4, 2e-4]);
    expect(rates.d).toEqual([2e-4, 2e-4]);
    expect((await repo.requireRun('x1')).liveChanges).toBeUndefined();

    // A decay outside [0, 1) on a recipe that has an average.
    const ema = sessionHarness({ storage: repo });
    ema.on((event) => {
      if (event.type !== 'progress') return;
      if (event.step === 1) void ema.send({ type: 'set-live', runId: 'x2', settings: { averageDecay: 1 } });
      if (event.step === 2) void ema.send({ type: 'stop', runId: 'x2' });
    });
    await ema.send({ type: 'start', runId: 'x2', config: config({ preset: 'seed-ema' }) });
    expect(ema.of('error')).toEqual([
      expect.objectContaining({ code: 'config', message: expect.stringMatching(/decay \(averageDecay\) must be at least 0 and below 1, got 1\./) }),
    ]);
    expect(ema.of('live-changed')).toEqual([]);
  });

  it('refuses a change for a run that is not training here', async () => {
    const h = sessionHarness({ storage: repo });
    await h.send({ type: 'set-live', runId: 'none', settings: { gLr: 1e-3 } });
    await h.send({ type: 'start', runId: 'done', config: config({ epochs: 1 }) });
    await h.send({ type: 'set-live', runId: 'done', settings: { gLr: 1e-3 } });
    expect(h.of('error').map((e) => [e.runId, e.code, e.message])).toEqual([
      ['none', 'protocol', 'No run none in this worker.'],
      ['done', 'protocol', 'Run done is not training; resume it to change its settings.'],
    ]);
    expect((await repo.requireRun('done')).liveChanges).toBeUndefined();
  });
});
