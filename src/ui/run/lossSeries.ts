/**
 * All loss points of a run, kept in growable typed arrays outside React (a seed run logs
 * thousands of them), and a downsampler that hands the charts a few hundred bucket means.
 */
import { describeLiveChange } from '../../core/liveSettings';
import type { LiveChange, LossPoint } from '../../worker/protocol';
import type { LabState } from '../shared/labState';

const FIELDS = ['step', 'dLoss', 'gLoss', 'dReal', 'dFake'] as const;
export type LossColumn = (typeof FIELDS)[number];

/** One point as the charts see it: a bucket mean of consecutive logged points. */
export type ChartPoint = LossPoint;

export class LossSeries {
  private columns: Record<LossColumn, Float64Array>;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.columns = allocate(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.count;
  }

  append(points: readonly LossPoint[]): void {
    const needed = this.count + points.length;
    if (needed > this.columns.step.length) this.grow(needed);
    for (const point of points) {
      for (const field of FIELDS) this.columns[field][this.count] = point[field];
      this.count += 1;
    }
  }

  clear(): void {
    this.count = 0;
  }

  /**
   * One column of every point (step or a loss), without copying: a view that a later `clear`
   * overwrites, so read it at once.
   */
  column(field: LossColumn): Float64Array {
    return this.columns[field].subarray(0, this.count);
  }

  at(index: number): LossPoint {
    const { step, dLoss, gLoss, dReal, dFake } = this.columns;
    return {
      step: step[index],
      dLoss: dLoss[index],
      gLoss: gLoss[index],
      dReal: dReal[index],
      dFake: dFake[index],
    };
  }

  /**
   * At most `maxPoints` bucket means. Buckets hold a power-of-two number of points and start
   * at multiples of it, so earlier buckets keep their values as the run grows and the drawn
   * curves do not wobble; only the last, partial bucket changes.
   */
  downsample(maxPoints: number): ChartPoint[] {
    const bucket = bucketSize(this.count, maxPoints);
    const result: ChartPoint[] = [];
    for (let start = 0; start < this.count; start += bucket) {
      const end = Math.min(start + bucket, this.count);
      const point = {} as ChartPoint;
      for (const field of FIELDS) {
        const column = this.columns[field];
        let sum = 0;
        for (let i = start; i < end; i += 1) sum += column[i];
        point[field] = sum / (end - start);
      }
      result.push(point);
    }
    return result;
  }

  private grow(needed: number): void {
    let capacity = this.columns.step.length;
    while (capacity < needed) capacity *= 2;
    const next = allocate(capacity);
    for (const field of FIELDS) next[field].set(this.columns[field].subarray(0, this.count));
    this.columns = next;
  }
}

/** A change of the live settings as the charts mark it. */
export interface LiveMark {
  /** The first step trained with the change. */
  step: number;
  /** What it set, e.g. "G lr 1e-4". */
  label: string;
}

const NO_CHANGES: readonly LiveChange[] = [];

/**
 * The live-setting changes of the run the charts show: the current run's as they arrive, a
 * saved run's from its record. The same array until they change.
 */
export function chartLiveChanges(state: LabState): readonly LiveChange[] {
  const runId = state.live.chartRunId;
  if (runId === null) return NO_CHANGES;
  if (state.run?.runId === runId) return state.run.liveChanges;
  return state.history.runs?.find((run) => run.id === runId)?.liveChanges ?? NO_CHANGES;
}

/** One mark per change of the live settings, in the order they were made. */
export function liveMarks(changes: readonly LiveChange[]): LiveMark[] {
  return changes.map((change) => ({ step: change.step, label: describeLiveChange(change) }));
}

/** The smallest power of two that fits `count` points into `maxPoints` buckets. */
export function bucketSize(count: number, maxPoints: number): number {
  const limit = Math.max(1, Math.floor(maxPoints));
  let size = 1;
  while (Math.ceil(count / size) > limit) size *= 2;
  return size;
}

function allocate(capacity: number): Record<LossColumn, Float64Array> {
  return {
    step: new Float64Array(capacity),
    dLoss: new Float64Array(capacity),
    gLoss: new Float64Array(capacity),
    dReal: new Float64Array(capacity),
    dFake: new Float64Array(capacity),
  };
}
