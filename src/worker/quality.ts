/**
 * Quality metrics per generator checkpoint, in the worker: the evaluation classifier is loaded
 * once per backend, a `QualityMeter` fits the real digits once, and each checkpoint is measured
 * between steps (training waits for it: about a third of a second for FD, score and histogram of
 * the seed preset at N = 1000, and a few seconds for the C2ST's critic on wasm, which turns
 * itself off where it would take longer than its budget). Metrics are a bonus: when the
 * classifier cannot load or a measurement fails, the page gets a notice and training goes on
 * without them.
 */
import type { BackendName } from '../core/config';
import { DIGIT_PIXELS } from '../core/digits';
import { describeError } from '../core/errors';
import type { Gan } from '../core/gan';
import type { Classifier } from '../core/metrics/classifier';
import { CriticOverBudget } from '../core/metrics/c2st';
import { CheckpointC2st, type CheckpointC2stResult } from '../core/metrics/checkpointC2st';
import { QualityMeter, type QualityMetrics, type QualityReference, pickDisjoint } from '../core/metrics/quality';
import { MNIST_DATASET } from '../core/config';
import type { TrainingData } from './trainingData';
import type { QualityEvent } from './protocol';

/** Digits generated (and real test digits compared) per checkpoint. */
export const QUALITY_N = 1000;

/** Loads the evaluation classifier (from the app's `classifier/` in the browser, from disk in tests). */
export type ClassifierLoader = () => Promise<Classifier>;

/** The seed of the C2ST's two real sets (training digits), apart from the meter's. */
const C2ST_REAL_SEED = 3;

/** A checkpoint's measurement: the event, and why the C2ST stopped if it did just now. */
export interface TrackerMeasurement {
  event: QualityEvent;
  c2stOff?: string;
}

export class QualityTracker {
  private constructor(
    readonly backend: BackendName,
    readonly dataset: string,
    private readonly classifier: Classifier,
    private readonly meter: QualityMeter,
    /** Null once it is off (too slow on this backend, or it failed). */
    private c2st: CheckpointC2st | null,
  ) {}

  /**
   * Loads the classifier and measures the real-data reference on `data`. N is QUALITY_N, or
   * fewer when the splits are smaller (synthetic test data); the C2ST compares the same N
   * generated digits with as many real training digits (half the split at most: its floor
   * needs two disjoint sets).
   */
  static async open(load: ClassifierLoader, data: TrainingData, backend: BackendName): Promise<QualityTracker> {
    const classifier = await load();
    try {
      const n = Math.min(QUALITY_N, data.train.count, data.test.count);
      const meter = await QualityMeter.create(classifier, data.train, data.test, n);
      const c2stN = Math.min(n, Math.floor(data.train.count / 2));
      const [real, otherReal] = pickDisjoint(data.train, c2stN, 2, C2ST_REAL_SEED);
      return new QualityTracker(backend, data.dataset, classifier, meter, new CheckpointC2st(real, otherReal));
    } catch (error) {
      classifier.dispose();
      throw error;
    }
  }

  get reference(): QualityReference {
    return this.meter.reference;
  }

  /**
   * Metrics of the generator as it stands, as the `quality` event carries them: FD, score and
   * histogram, then the C2ST on the same digits while it is on. A C2ST that is too slow here
   * or fails turns off (the reason comes back once); FD and the rest go on.
   */
  async measure(gan: Gan, runId: string, epoch: number, step: number): Promise<TrackerMeasurement> {
    const started = Date.now();
    const digits = await this.meter.generatedDigits(gan);
    const metrics = await this.meter.measure(digits);
    let c2st: CheckpointC2stResult | undefined;
    let c2stOff: string | undefined;
    if (this.c2st) {
      try {
        c2st = await this.c2st.judge(digits.subarray(0, this.c2st.n * DIGIT_PIXELS));
      } catch (error) {
        this.c2st = null;
        c2stOff = c2stNotice(error, this.backend);
      }
    }
    const event = qualityEvent(runId, epoch, step, { ...metrics, ms: Date.now() - started }, this.reference, c2st);
    return { event, c2stOff };
  }

  dispose(): void {
    try {
      this.classifier.dispose();
    } catch {
      // A lost WebGL context took its textures already.
    }
  }
}

export function qualityEvent(
  runId: string,
  epoch: number,
  step: number,
  metrics: QualityMetrics,
  reference: QualityReference,
  c2st?: CheckpointC2stResult,
): QualityEvent {
  const { n, fd, score, histogram, ms } = metrics;
  return {
    type: 'quality',
    runId,
    epoch,
    step,
    n,
    fd,
    score,
    histogram: { counts: [...histogram.counts], modes: histogram.modes, smallestShare: histogram.smallestShare },
    ms,
    reference: { ...reference },
    ...(c2st ? { c2st: { ...c2st } } : {}),
  };
}

/**
 * The metrics as a checkpoint record keeps them (flat numbers, also written into exported
 * generators' manifests): fd, score, n, modes, smallestShare, ms, referenceFd, referenceScore,
 * the histogram as count0 … count9, and where the C2ST ran c2st, c2stFloor, c2stN and c2stMs.
 */
export function metricsRecord(event: QualityEvent): Record<string, number> {
  const record: Record<string, number> = {
    fd: event.fd,
    score: event.score,
    n: event.n,
    modes: event.histogram.modes,
    smallestShare: event.histogram.smallestShare,
    ms: event.ms,
    referenceFd: event.reference.fd,
    referenceScore: event.reference.score,
  };
  event.histogram.counts.forEach((count, digit) => {
    record[`count${digit}`] = count;
  });
  if (event.c2st) {
    record.c2st = event.c2st.accuracy;
    record.c2stFloor = event.c2st.floor;
    record.c2stN = event.c2st.n;
    record.c2stMs = event.c2st.ms;
  }
  return record;
}

/** Why the checkpoint C2ST stopped, as a notice. */
export function c2stNotice(error: unknown, backend: BackendName): string {
  const why = error instanceof CriticOverBudget ? `on ${backend} ${error.message}` : `it failed (${describeError(error)})`;
  return `The checkpoint C2ST is off for this session: ${why}. FD, score and the histogram go on.`;
}

/** Why metrics are off, as a notice the user can read. */
export function qualityNotice(error: unknown, when: 'load' | 'measure', epoch?: number): string {
  const reason = describeError(error);
  return when === 'load'
    ? `Quality metrics are off for this run: the evaluation classifier could not be loaded (${reason}). Training goes on.`
    : `Quality metrics of epoch ${epoch} could not be measured (${reason}). Training goes on.`;
}

/**
 * The session's metrics: one tracker, kept across runs while the backend stays the same (the
 * data and the classifier do not change), measuring each checkpoint and posting `quality`.
 */
export class CheckpointQuality {
  private tracker: QualityTracker | null = null;

  constructor(private readonly post: (event: QualityEvent | { type: 'notice'; runId: string; message: string }) => void) {}

  /** Before a run trains on `backend`; without a loader (or when it fails) metrics are off. */
  async prepare(load: ClassifierLoader | undefined, runId: string, data: TrainingData, backend: BackendName): Promise<void> {
    if (this.tracker?.backend === backend && this.tracker.dataset === data.dataset) return;
    this.tracker?.dispose();
    this.tracker = null;
    if (!load) return;
    if (data.dataset !== MNIST_DATASET) {
      this.post({ type: 'notice', runId, message: 'FD, score and the C2ST are measured against MNIST; on an imported dataset they are not measured.' });
      return;
    }
    try {
      this.tracker = await QualityTracker.open(load, data, backend);
    } catch (error) {
      this.post({ type: 'notice', runId, message: qualityNotice(error, 'load') });
    }
  }

  /** Measures the generator and posts the result; the metrics to save, or undefined when off. */
  async measure(gan: Gan, runId: string, epoch: number, step: number): Promise<Record<string, number> | undefined> {
    if (!this.tracker) return undefined;
    try {
      const { event, c2stOff } = await this.tracker.measure(gan, runId, epoch, step);
      if (c2stOff) this.post({ type: 'notice', runId, message: c2stOff });
      this.post(event);
      return metricsRecord(event);
    } catch (error) {
      this.post({ type: 'notice', runId, message: qualityNotice(error, 'measure', epoch) });
      return undefined;
    }
  }
}
