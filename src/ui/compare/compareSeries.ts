/**
 * The comparison's curves, built from plain data: one run's every logged loss point and its
 * epoch records become curves against step or wall time, each loss smoothed the way TensorBoard
 * smooths (a debiased moving average), with the raw values kept to draw faintly beneath. Quality
 * (FD, score and the checkpoint C2ST) comes from the checkpoint records. Curves are columns of numbers at full
 * resolution; the charts thin them to their width (shared/lineDecimation.ts) when they draw.
 */
import type { EpochEntry, RunRecord } from '../../storage/records';
import { latestC2stPoint, pointFromEntry, type QualityPoint } from '../quality/qualityState';
import type { LossColumn } from '../run/lossSeries';
import type { LineColumns } from '../shared/lineDecimation';

export const LOSS_FIELDS = ['dLoss', 'gLoss', 'dReal', 'dFake'] as const;
export type LossField = (typeof LOSS_FIELDS)[number];
export type QualityField = 'fd' | 'score' | 'c2st';
export type Axis = 'step' | 'time';

/** One curve: each point's x (step, or seconds of training; increasing) and y. */
export interface Curve extends LineColumns {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/** A run's checkpoint metrics as curves; each is empty where the run never measured it. */
export interface QualityCurves extends Record<QualityField, Curve> {
  /** The C2ST of real digits against real ones, the C2ST's floor (the latest measured), or null. */
  c2stFloor: number | null;
}

export interface RunSeries {
  raw: Record<LossField, Curve>;
  smooth: Record<LossField, Curve>;
  quality: QualityCurves;
}

/** A run's logged loss points as columns (a LossSeries). */
export interface LossColumns {
  readonly length: number;
  column(field: LossColumn): ArrayLike<number>;
}

/** How much of the previous smoothed value each point keeps (TensorBoard's default slider is 0.6). */
export const DEFAULT_SMOOTHING = 0.6;

/**
 * Exponential moving average with TensorBoard's debiasing: the first values are not pulled
 * toward 0. `weight` 0 returns the values unchanged; non-finite values pass through as they are
 * and do not enter the average.
 */
export function smoothValues(values: ArrayLike<number>, weight: number): Float64Array {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out = new Float64Array(values.length);
  let last = 0;
  // w to the power of the values averaged so far: what debiasing divides out.
  let bias = 1;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!Number.isFinite(value)) {
      out[i] = value;
      continue;
    }
    last = last * w + (1 - w) * value;
    bias *= w;
    out[i] = last / (1 - bias);
  }
  return out;
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
    // The first anchor at or past the step, by halving (a long run has hundreds of epochs).
    let lo = 1;
    let hi = anchors.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (anchors[mid].step < step) lo = mid + 1;
      else hi = mid;
    }
    const a = anchors[lo - 1];
    const b = anchors[lo];
    const t = b.step === a.step ? 1 : (step - a.step) / (b.step - a.step);
    return (a.wallTimeMs + t * (b.wallTimeMs - a.wallTimeMs)) / 1000;
  };
}

/** The run's measured checkpoints (FD and score, or the C2ST alone, or both), in epoch order. */
export function qualityPoints(run: RunRecord): QualityPoint[] {
  return run.epochs.map(pointFromEntry).filter((p): p is QualityPoint => p !== null);
}

/** One run's loss curves against `axis`; points whose time is unknown are left out of a time axis. */
export function lossCurves(
  run: RunRecord,
  points: LossColumns,
  axis: Axis,
  smoothing = DEFAULT_SMOOTHING,
): Pick<RunSeries, 'raw' | 'smooth'> {
  const steps = points.column('step');
  const timeAt = wallTimeAt(run.epochs);
  // The points that have an x (all of them against step), and that x.
  const kept = new Int32Array(points.length);
  const allX = new Float64Array(points.length);
  let n = 0;
  for (let i = 0; i < points.length; i++) {
    const x = axis === 'step' ? steps[i] : timeAt(steps[i]);
    if (x === null) continue;
    kept[n] = i;
    allX[n] = x;
    n += 1;
  }
  const x = allX.subarray(0, n);
  const raw = {} as Record<LossField, Curve>;
  const smooth = {} as Record<LossField, Curve>;
  for (const field of LOSS_FIELDS) {
    const column = points.column(field);
    const y = new Float64Array(n);
    for (let k = 0; k < n; k++) y[k] = column[kept[k]];
    raw[field] = { x, y };
    smooth[field] = { x, y: smoothValues(y, smoothing) };
  }
  return { raw, smooth };
}

/**
 * One run's FD, score and C2ST against `axis`, a point per checkpoint that measured each:
 * checkpoints on unlabelled data have a C2ST and no FD or score; those where the C2ST was off
 * have FD and score alone.
 */
export function qualityCurves(run: RunRecord, axis: Axis): QualityCurves {
  const points = run.epochs.flatMap((entry) => {
    const point = pointFromEntry(entry);
    return point ? [{ point, x: axis === 'step' ? entry.step : entry.wallTimeMs / 1000 }] : [];
  });
  const curve = (field: QualityField): Curve => {
    const measured = points.filter(({ point }) => point[field] !== null);
    return { x: Float64Array.from(measured, (m) => m.x), y: Float64Array.from(measured, (m) => m.point[field] ?? Number.NaN) };
  };
  return {
    fd: curve('fd'),
    score: curve('score'),
    c2st: curve('c2st'),
    c2stFloor: latestC2stPoint(points.map((m) => m.point))?.c2stFloor ?? null,
  };
}
