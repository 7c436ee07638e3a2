/**
 * Quality metrics per checkpoint, as the Quality panel shows them: the points a training run
 * posts live (`quality` events) merged with those saved in the viewed run's checkpoint records,
 * so a reloaded run shows what it measured.
 */
import type { EpochEntry, RunRecord } from '../../storage/records';
import { DIGIT_CLASSES } from '../../core/digits';
import type { QualityEvent } from '../../worker/protocol';
import type { Slice } from '../shared/labEvents';

export interface QualityPoint {
  epoch: number;
  step: number;
  n: number;
  /** FD and the score; null where no classifier judged (unlabelled data: the C2ST alone). */
  fd: number | null;
  score: number | null;
  /** Digits the classifier assigns to each of its classes (0-9 for MNIST); empty where none judged. */
  counts: number[];
  modes: number | null;
  smallestShare: number | null;
  /** The test accuracy of the dataset's own classifier that judged; null for MNIST's (or none). */
  classifierAccuracy: number | null;
  /** What real training digits score at the same N (FD's floor); null when not known. */
  referenceFd: number | null;
  referenceScore: number | null;
  /** How long training waited for the measurement, in ms; null when not known. */
  ms: number | null;
  /** The checkpoint C2ST (0.5 = the critic cannot tell generated from real) and its floor; null where it did not run. */
  c2st: number | null;
  c2stFloor: number | null;
  /** Of `ms`, the C2ST's part (its floor's run included at the first checkpoint); null where it did not run. */
  c2stMs: number | null;
}

/** The live points of the current run, in epoch order. */
export interface QualityState {
  runId: string | null;
  points: QualityPoint[];
}

export const initialQualityState: QualityState = { runId: null, points: [] };

export const qualitySlice: Slice<QualityState> = {
  initial: () => initialQualityState,
  on: {
    quality: (quality, event, { runId }) => (event.runId === runId ? qualityReceived(quality, event) : quality),
  },
};

export function pointFromEvent(event: QualityEvent): QualityPoint {
  return {
    epoch: event.epoch,
    step: event.step,
    n: event.n,
    fd: event.fd ?? null,
    score: event.score ?? null,
    counts: event.histogram?.counts ?? [],
    modes: event.histogram?.modes ?? null,
    smallestShare: event.histogram?.smallestShare ?? null,
    classifierAccuracy: event.classifier?.testAccuracy ?? null,
    referenceFd: event.reference?.fd ?? null,
    referenceScore: event.reference?.score ?? null,
    ms: event.ms,
    c2st: event.c2st?.accuracy ?? null,
    c2stFloor: event.c2st?.floor ?? null,
    c2stMs: event.c2st?.ms ?? null,
  };
}

/** A `quality` event: a new run's first point starts a new series. */
export function qualityReceived(state: QualityState, event: QualityEvent): QualityState {
  const previous = state.runId === event.runId ? state.points : [];
  return { runId: event.runId, points: withPoint(previous, pointFromEvent(event)) };
}

/** A saved checkpoint's metrics (see worker/quality.ts metricsRecord), or null when it has none. */
export function pointFromEntry(entry: EpochEntry): QualityPoint | null {
  const m = entry.metrics;
  if (!m) return null;
  const judged = Number.isFinite(m.fd) && Number.isFinite(m.score);
  if (!judged && !Number.isFinite(m.c2st)) return null;
  const counts = judged ? Array.from({ length: m.classes ?? DIGIT_CLASSES }, (_, digit) => m[`count${digit}`] ?? 0) : [];
  return {
    epoch: entry.epoch,
    step: entry.step,
    n: m.n ?? counts.reduce((a, b) => a + b, 0),
    fd: judged ? m.fd : null,
    score: judged ? m.score : null,
    counts,
    modes: judged ? (m.modes ?? counts.filter((c) => c > 0).length) : null,
    smallestShare: judged ? (m.smallestShare ?? 0) : null,
    classifierAccuracy: m.classifierAccuracy ?? null,
    referenceFd: m.referenceFd ?? null,
    referenceScore: m.referenceScore ?? null,
    ms: m.ms ?? null,
    c2st: m.c2st ?? null,
    c2stFloor: m.c2stFloor ?? null,
    c2stMs: m.c2stMs ?? null,
  };
}

/**
 * The points of `run` (the viewed run): its saved ones plus the live ones when it is the run
 * training now. Without a viewed run, the live points alone.
 */
export function qualitySeries(live: QualityState, run: RunRecord | null): QualityPoint[] {
  if (!run) return live.points;
  let points = run.epochs.map(pointFromEntry).filter((p): p is QualityPoint => p !== null);
  if (live.runId === run.id) for (const point of live.points) points = withPoint(points, point);
  return points;
}

/** The checkpoint the histogram shows: the latest at or before the selected epoch, else the latest. */
export function shownPoint(points: readonly QualityPoint[], selectedEpoch: number | null): QualityPoint | null {
  if (selectedEpoch !== null) {
    const before = points.filter((p) => p.epoch <= selectedEpoch);
    if (before.length > 0) return before[before.length - 1];
  }
  return points.at(-1) ?? null;
}

/** The reference FD and score (the latest known), or null. */
export function qualityReference(points: readonly QualityPoint[]): { fd: number; score: number } | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const { referenceFd, referenceScore } = points[i];
    if (referenceFd !== null && referenceScore !== null) return { fd: referenceFd, score: referenceScore };
  }
  return null;
}

/** The latest point that carries a checkpoint C2ST, or null. */
export function latestC2stPoint(points: readonly QualityPoint[]): QualityPoint | null {
  return points.filter((p) => p.c2st !== null).at(-1) ?? null;
}

function withPoint(points: readonly QualityPoint[], point: QualityPoint): QualityPoint[] {
  return [...points.filter((p) => p.epoch !== point.epoch), point].sort((a, b) => a.epoch - b.epoch);
}
