import { describe, expect, it } from 'vitest';
import { parseConfigFromSearch } from '../../core/config';
import type { LossPoint } from '../../core/lossPoint';
import { runRecord } from '../../testing/testLab';
import { buildRunSeries, smoothValues, wallTimeAt } from './compareSeries';

describe('comparison curves', () => {
  it('smooths like TensorBoard: debiased, so the first value is kept, then an average', () => {
    expect(smoothValues([4, 4, 4], 0.6)).toEqual([4, 4, 4]);
    const [a, b, c] = smoothValues([1, 2, 3], 0.5);
    expect(a).toBeCloseTo(1);
    // (0.25·1 + 0.5·2) / (1 − 0.25) and ((0.25·1 + 0.5·2)·0.5 + 0.5·3) / (1 − 0.125)
    expect(b).toBeCloseTo(1.25 / 0.75);
    expect(c).toBeCloseTo((1.25 * 0.5 + 1.5) / 0.875);
    expect(smoothValues([1, 5, 2], 0)).toEqual([1, 5, 2]);
    expect(smoothValues([1, Number.NaN, 1], 0.9)).toEqual([1, Number.NaN, 1]);
  });

  it('places steps in training time between saved epochs and past the last one', () => {
    const at = wallTimeAt([
      { step: 10, wallTimeMs: 2000 },
      { step: 20, wallTimeMs: 6000 },
    ]);
    expect(at(0)).toBe(0);
    expect(at(5)).toBeCloseTo(1);
    expect(at(15)).toBeCloseTo(4);
    expect(at(20)).toBeCloseTo(6);
    // A run still training: on at its mean rate (20 steps in 6 s).
    expect(at(30)).toBeCloseTo(9);
    expect(wallTimeAt([])(5)).toBeNull();
  });

  it('builds raw and smoothed series per loss and FD/score per checkpoint, against step or time', () => {
    const run = runRecord('a', [1, 2]);
    run.epochs[0] = { ...run.epochs[0], wallTimeMs: 1000, metrics: { fd: 80, score: 2 } };
    run.epochs[1] = { ...run.epochs[1], wallTimeMs: 3000, metrics: { fd: 40, score: 4 } };
    const points: LossPoint[] = [1, 2, 3, 4].map((step) => ({ step, dLoss: step, gLoss: 10 - step, dReal: 0.9, dFake: 0.1 }));
    const bySteps = buildRunSeries(run, points, 'step', 0);
    expect(bySteps.raw.dLoss).toEqual([1, 2, 3, 4].map((s) => ({ x: s, y: s })));
    expect(bySteps.smooth.gLoss.map((p) => p.y)).toEqual([9, 8, 7, 6]);
    expect(bySteps.quality.fd).toEqual([
      { x: 2, y: 80 },
      { x: 4, y: 40 },
    ]);
    const byTime = buildRunSeries(run, points, 'time', 0.5);
    expect(byTime.raw.dLoss.map((p) => p.x)).toEqual([0.5, 1, 2, 3]);
    expect(byTime.quality.score).toEqual([
      { x: 1, y: 2 },
      { x: 3, y: 4 },
    ]);
    expect(byTime.smooth.dLoss[1].y).toBeGreaterThan(1);
    expect(byTime.smooth.dLoss[1].y).toBeLessThan(2);
  });

  it('leaves points out of a time axis while no epoch says how long they took', () => {
    const run = { ...runRecord('b', []), config: parseConfigFromSearch('?backend=cpu').config };
    const series = buildRunSeries(run, [{ step: 1, dLoss: 1, gLoss: 1, dReal: 1, dFake: 1 }], 'time');
    expect(series.raw.dLoss).toEqual([]);
    expect(buildRunSeries(run, [{ step: 1, dLoss: 1, gLoss: 1, dReal: 1, dFake: 1 }], 'step').raw.dLoss).toHaveLength(1);
  });
});
