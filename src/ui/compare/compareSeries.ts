/**
 * The comparison's curves, built from plain data: one run's loss points (bucket means, as the
 * live chart has them) and its epoch records become x/y series against step or wall time, each
 * loss smoothed the way TensorBoard smooths (a debiased moving average), with the raw values kept
 * to draw faintly beneath. Quality (FD and score) comes from the checkpoint records.
 */
import type { LossPoint } from '../../core/lossPoint';
import type { EpochEntry, RunRecord } from '../../storage/records';
import { pointFromEntry, type QualityPoint } from '../quality/qualityState';

export const LOSS_FIELDS = ['dLoss', 'gLoss', 'dReal', 'dFake'] as const;
export type LossField = (typeof LOSS_FIELDS)[number];
export type QualityField = 'fd' | 'score';
export type Axis = 'step' | 'time';

export interface XY {
  x: number;
  y: number;
}

export interface RunSeries {
  raw: Record<LossField, XY[]>;
  smooth: Record<LossField, XY[]>;
  quality: Record<QualityField, XY[]>;
}

/** How much of the previous smoothed value each point keeps (TensorBoard's default slider is 0.6). */
export const DEFAULT_SMOOTHING = 0.6;

/**
 * Exponential moving average with TensorBoard's debiasing: the first values are not pulled
 * toward 0. `weight` 0 returns the values unchanged; non-finite values pass through as they are
 * and do not enter the average.
 */
export function smoothValues(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  let last = 0;
  let seen = 0;
  return values.map((value) => {
    if (!Number.isFinite(value)) return value;
    last = last * w + (1 - w) * value;
    seen += 1;
    return last / (1 - w ** seen);
  });
}

/**
 * Training time (seconds, pauses excluded) at a step, interpolated between the saved epochs'
 * ends and extrapolated past the last at the run's mean rate (a run still training); null when
 * no epoch has been saved yet, so its time is unknown.
 */
export function wallTimeAt(epochs: readonly Pick<EpochEntry, 'step' | 'wallTimeMs'>[]): (step: number) => number | null {
  const anchors = [{ step: 0, wallTimeMs: 0 }, ...epochs].sort((a, b) => a.step - b.step);
  const last = anchors[anchors.length - 1];
  if (last.step === 0) return () => null;
  return (step) => {
    if (step >= last.step) return (last.wallTimeMs * (step / last.step)) / 1000;
    let i = 1;
    while (anchors[i].step < step) i += 1;
    const a = anchors[i - 1];
    const b = anchors[i];
    const t = b.step === a.step ? 1 : (step - a.step) / (b.step - a.step);
    return (a.wallTimeMs + t * (b.wallTimeMs - a.wallTimeMs)) / 1000;
  };
}

/** The run's checkpoints that carry FD and score, in epoch order. */
export function qualityPoints(run: RunRecord): QualityPoint[] {
  return run.epochs.map(pointFromEntry).filter((p): p is QualityPoint => p !== null);
}

/** One run's curves against `axis`; points whose time is unknown are left out of a time axis. */
export function buildRunSeries(
  run: RunRecord,
  points: readonly LossPoint[],
  axis: Axis,
  smoothing = DEFAULT_SMOOTHING,
): RunSeries {
  const timeAt = wallTimeAt(run.epochs);
  const xOf = (step: number): number | null => (axis === 'step' ? step : timeAt(step));
  const placed: { x: number; point: LossPoint }[] = [];
  for (const point of points) {
    const x = xOf(point.step);
    if (x !== null) placed.push({ x, point });
  }
  const raw = {} as Record<LossField, XY[]>;
  const smooth = {} as Record<LossField, XY[]>;
  for (const field of LOSS_FIELDS) {
    raw[field] = placed.map(({ x, point }) => ({ x, y: point[field] }));
    const smoothed = smoothValues(raw[field].map((p) => p.y), smoothing);
    smooth[field] = raw[field].map((p, i) => ({ x: p.x, y: smoothed[i] }));
  }
  const checkpoints = run.epochs.flatMap((entry) => {
    const q = pointFromEntry(entry);
    return q ? [{ x: axis === 'step' ? entry.step : entry.wallTimeMs / 1000, q }] : [];
  });
  return {
    raw,
    smooth,
    quality: {
      fd: checkpoints.map(({ x, q }) => ({ x, y: q.fd })),
      score: checkpoints.map(({ x, q }) => ({ x, y: q.score })),
    },
  };
}
