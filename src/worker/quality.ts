/**
 * Quality metrics per generator checkpoint, in the worker: the evaluation classifier is loaded
 * once per backend, a `QualityMeter` fits the real digits once, and each checkpoint is measured
 * between steps (training waits for it, about a third of a second for the seed preset at
 * N = 1000). Metrics are a bonus: when the classifier cannot load or a measurement fails, the
 * page gets a notice and training goes on without them.
 */
import type { BackendName } from '../core/config';
import { describeError } from '../core/errors';
import type { Gan } from '../core/gan';
import type { Classifier } from '../core/metrics/classifier';
import { QualityMeter, type QualityMetrics, type QualityReference } from '../core/metrics/quality';
import type { MnistData } from './mnistLoader';
import type { QualityEvent } from './protocol';

/** Digits generated (and real test digits compared) per checkpoint. */
export const QUALITY_N = 1000;

/** Loads the evaluation classifier (from the app's `classifier/` in the browser, from disk in tests). */
export type ClassifierLoader = () => Promise<Classifier>;

export class QualityTracker {
  private constructor(
    readonly backend: BackendName,
    private readonly classifier: Classifier,
    private readonly meter: QualityMeter,
  ) {}

  /**
   * Loads the classifier and measures the real-data reference on `data`. N is QUALITY_N, or
   * fewer when the splits are smaller (synthetic test data).
   */
  static async open(load: ClassifierLoader, data: MnistData, backend: BackendName): Promise<QualityTracker> {
    const classifier = await load();
    try {
      const n = Math.min(QUALITY_N, data.train.count, data.test.count);
      const meter = await QualityMeter.create(classifier, data.train, data.test, n);
      return new QualityTracker(backend, classifier, meter);
    } catch (error) {
      classifier.dispose();
      throw error;
    }
  }

  get reference(): QualityReference {
    return this.meter.reference;
  }

  /** Metrics of the generator as it stands, as the `quality` event carries them. */
  async measure(gan: Gan, runId: string, epoch: number, step: number): Promise<QualityEvent> {
    const metrics = await this.meter.measureGenerator(gan);
    return qualityEvent(runId, epoch, step, metrics, this.reference);
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
  };
}

/**
 * The metrics as a checkpoint record keeps them (flat numbers, also written into exported
 * generators' manifests): fd, score, n, modes, smallestShare, ms, referenceFd, referenceScore
 * and the histogram as count0 … count9.
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
  return record;
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
  async prepare(load: ClassifierLoader | undefined, runId: string, data: MnistData, backend: BackendName): Promise<void> {
    if (this.tracker?.backend === backend) return;
    this.tracker?.dispose();
    this.tracker = null;
    if (!load) return;
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
      const event = await this.tracker.measure(gan, runId, epoch, step);
      this.post(event);
      return metricsRecord(event);
    } catch (error) {
      this.post({ type: 'notice', runId, message: qualityNotice(error, 'measure', epoch) });
      return undefined;
    }
  }
}
