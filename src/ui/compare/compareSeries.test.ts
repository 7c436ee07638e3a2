import { describe, expect, it } from 'vitest';
import { parseConfigFromSearch } from '../../core/config';
import type { LossPoint } from '../../core/lossPoint';
import type { RunRecord } from '../../storage/records';
import { LossSeries } from '../run/lossSeries';
import { runRecord } from '../../testing/testLab';
import { type Axis, type Curve, type LossColumns, type RunSeries, lossCurves, qualityCurves, smoothValues, wallTimeAt } from './compareSeries';

function columns(points: LossPoint[]): LossSeries {
  const series = new LossSeries();
  series.append(points);
  return series;
}

function buildRunSeries(run: RunRecord, points: LossColumns, axis: Axis, smoothing?: number): RunSeries {
  return { ...lossCurves(run, points, axis, smoothing), quality: qualityCurves(run, axis) };
}

/** A curve as plain points, to compare. */
function xy(curve: Curve): { x: number; y: number }[] {
  return Array.from(curve.x, (x, i) => ({ x, y: curve.y[i] }));
}

describe('comparison curves', () => {
  it('smooths like TensorBoard: debiased, so the first value is kept, then an average', () => {
    expect([...smoothValues([4, 4, 4], 0.6)]).toEqual([4, 4, 4]);
    const [a, b, c] = smoothValues([1, 2, 3], 0.5);
    expect(a).toBeCloseTo(1);
    // (0.25·1 + 0.5·2) / (1 − 0.25) and ((0.25·1 + 0.5·2)·0.5 + 0.5·3) / (1 − 0.125)
    expect(b).toBeCloseTo(1.25 / 0.75);
    expect(c).toBeCloseTo((1.25 * 0.5 + 1.5) / 0.875);
    expect([...smoothValues([1, 5, 2], 0)]).toEqual([1, 5, 2]);
    expect([...smoothValues([1, Number.NaN, 1], 0.9)]).toEqual([1, Number.NaN, 1]);
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
    // 200 epochs of 128 steps, a quarter of a second a step for 100 epochs, then half a second.
    const ms = (step: number) => (Math.min(step, 12_800) * 250 + Math.max(0, step - 12_800) * 500);
    const many = wallTimeAt(Array.from({ length: 200 }, (_, i) => ({ step: (i + 1) * 128, wallTimeMs: ms((i + 1) * 128) })));
    expect(many(12_800 + 64)).toBeCloseTo(3232);
    expect(many(64)).toBeCloseTo(64 * 0.25);
    expect(wallTimeAt([])(5)).toBeNull();
  });

  it('builds raw and smoothed series per loss and FD/score per checkpoint, against step or time', () => {
    const run = runRecord('a', [1, 2]);
    run.epochs[0] = { ...run.epochs[0], wallTimeMs: 1000, metrics: { fd: 80, score: 2 } };
    run.epochs[1] = { ...run.epochs[1], wallTimeMs: 3000, metrics: { fd: 40, score: 4 } };
    const points: LossPoint[] = [1, 2, 3, 4].map((step) => ({ step, dLoss: step, gLoss: 10 - step, dReal: 0.9, dFake: 0.1 }));
    const bySteps = buildRunSeries(run, columns(points), 'step', 0);
    expect(xy(bySteps.raw.dLoss)).toEqual([1, 2, 3, 4].map((s) => ({ x: s, y: s })));
    expect([...bySteps.smooth.gLoss.y]).toEqual([9, 8, 7, 6]);
    expect(xy(bySteps.quality.fd)).toEqual([
      { x: 2, y: 80 },
      { x: 4, y: 40 },
    ]);
    const byTime = buildRunSeries(run, columns(points), 'time', 0.5);
    expect([...byTime.raw.dLoss.x]).toEqual([0.5, 1, 2, 3]);
    expect(xy(byTime.quality.score)).toEqual([
      { x: 1, y: 2 },
      { x: 3, y: 4 },
    ]);
    expect(byTime.smooth.dLoss.y[1]).toBeGreaterThan(1);
    expect(byTime.smooth.dLoss.y[1]).toBeLessThan(2);
  });

  it('gives the checkpoint C2ST and its floor per run, against step or time, and nothing for runs without it', () => {
    const judged = runRecord('judged', [1, 2, 3]);
    judged.epochs[0] = { ...judged.epochs[0], wallTimeMs: 1000, metrics: { fd: 80, score: 2, c2st: 0.97, c2stFloor: 0.52 } };
    // The C2ST was off at this checkpoint: FD and score alone.
    judged.epochs[1] = { ...judged.epochs[1], wallTimeMs: 2000, metrics: { fd: 60, score: 3 } };
    judged.epochs[2] = { ...judged.epochs[2], wallTimeMs: 3000, metrics: { fd: 40, score: 4, c2st: 0.81, c2stFloor: 0.51 } };
    const bySteps = qualityCurves(judged, 'step');
    expect(xy(bySteps.c2st)).toEqual([
      { x: 2, y: 0.97 },
      { x: 6, y: 0.81 },
    ]);
    expect(xy(bySteps.fd).map((p) => p.x)).toEqual([2, 4, 6]);
    expect(bySteps.c2stFloor).toBe(0.51);
    expect(xy(qualityCurves(judged, 'time').c2st)).toEqual([
      { x: 1, y: 0.97 },
      { x: 3, y: 0.81 },
    ]);

    // Unlabelled data: the C2ST alone, no FD or score.
    const unlabelled = runRecord('unlabelled', [1, 2]);
    unlabelled.epochs = unlabelled.epochs.map((e, i) => ({ ...e, wallTimeMs: 500 * (i + 1), metrics: { c2st: 0.9 - i / 10, c2stFloor: 0.5 } }));
    const alone = qualityCurves(unlabelled, 'step');
    expect(xy(alone.c2st)).toEqual([
      { x: 2, y: 0.9 },
      { x: 4, y: 0.8 },
    ]);
    expect(alone.fd.x).toHaveLength(0);
    expect(alone.score.x).toHaveLength(0);

    // A run whose C2ST never ran has an empty curve and no floor.
    const without = runRecord('without', [1]);
    without.epochs[0] = { ...without.epochs[0], metrics: { fd: 50, score: 5 } };
    const none = qualityCurves(without, 'step');
    expect(none.c2st.x).toHaveLength(0);
    expect(none.c2st.y).toHaveLength(0);
    expect(none.c2stFloor).toBeNull();
    expect(qualityCurves(runRecord('unmeasured', [1, 2]), 'step').c2st.x).toHaveLength(0);
  });

  it('leaves points out of a time axis while no epoch says how long they took', () => {
    const run = { ...runRecord('b', []), config: parseConfigFromSearch('?backend=cpu').config };
    const one = columns([{ step: 1, dLoss: 1, gLoss: 1, dReal: 1, dFake: 1 }]);
    expect(buildRunSeries(run, one, 'time').raw.dLoss.x).toHaveLength(0);
    expect(buildRunSeries(run, one, 'step').raw.dLoss.x).toHaveLength(1);
  });
});
