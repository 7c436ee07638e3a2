import { describe, expect, it } from 'vitest';
import type { LossPoint } from '../../worker/protocol';
import { LossSeries, bucketSize } from './lossSeries';

function point(step: number): LossPoint {
  return { step, dLoss: step * 2, gLoss: -step, dReal: 0.5, dFake: step % 2 };
}

function range(from: number, to: number): LossPoint[] {
  return Array.from({ length: to - from }, (_, i) => point(from + i));
}

describe('LossSeries', () => {
  it('keeps every point across growth', () => {
    const series = new LossSeries(2);
    series.append(range(0, 3));
    series.append(range(3, 1000));
    expect(series.length).toBe(1000);
    expect(series.at(0)).toEqual(point(0));
    expect(series.at(999)).toEqual(point(999));
  });

  it('returns the points themselves while they fit', () => {
    const series = new LossSeries();
    series.append(range(1, 11));
    expect(series.downsample(600)).toEqual(range(1, 11));
  });

  it('returns bucket means and never more than the limit', () => {
    const series = new LossSeries();
    series.append(range(0, 25_600));
    const points = series.downsample(600);
    expect(points.length).toBeLessThanOrEqual(600);
    // 25,600 points into at most 600 buckets: 64 points per bucket, 400 buckets.
    expect(points).toHaveLength(400);
    expect(points[0].step).toBeCloseTo(31.5);
    expect(points[0].dLoss).toBeCloseTo(63);
    expect(points[0].dFake).toBeCloseTo(0.5);
    expect(points[399].step).toBeCloseTo(25_600 - 32.5);
  });

  it('keeps finished buckets unchanged as the run grows', () => {
    const series = new LossSeries();
    series.append(range(0, 1000));
    const before = series.downsample(100);
    series.append(range(1000, 1020));
    const after = series.downsample(100);
    // 1000 and 1020 points both use buckets of 16; only the last, partial bucket moves.
    expect(after.slice(0, before.length - 1)).toEqual(before.slice(0, -1));
    expect(after.at(-1)!.step).toBeCloseTo((1008 + 1019) / 2);
  });

  it('empties on clear', () => {
    const series = new LossSeries();
    series.append(range(0, 5));
    series.clear();
    expect(series.length).toBe(0);
    expect(series.downsample(600)).toEqual([]);
  });
});

describe('bucketSize', () => {
  it('is the smallest power of two that fits', () => {
    expect(bucketSize(0, 600)).toBe(1);
    expect(bucketSize(600, 600)).toBe(1);
    expect(bucketSize(601, 600)).toBe(2);
    expect(bucketSize(3200, 600)).toBe(8);
  });
});
