/**
 * Quality metrics per generator checkpoint, in the worker: the evaluation classifier is loaded
 * once per backend and dataset (MNIST's shipped one, or an imported labelled dataset's own,
 * datasetEvaluator.ts; unlabelled data gets the C2ST alone), a `QualityMeter` fits the real
 * digits once, and each checkpoint is measured
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
import { CHECKPOINT_C2ST, CheckpointC2st, type CheckpointC2stResult } from '../core/metrics/checkpointC2st';
import { QualityMeter, type QualityMetrics, type QualityReference, checkpointDigits, pickDisjoint } from '../core/metrics/quality';
import { MNIST_DATASET } from '../core/config';
import { type EvaluatorStore, canTrainEvaluator, datasetEvaluator } from './datasetEvaluator';
import type { TrainingData } from './trainingData';
import type { QualityEvent, WorkerEvent } from './protocol';

/** Digits generated (and real test digits compared) per checkpoint. */
export const QUALITY_N = 1000;

/** Fewer real training images than this on each side of the C2ST and it does not run: its verdict would be noise. */
export const MIN_C2ST_N = 50;

/** Fewer images than this to fit FD's Gaussians on (or to test a dataset's classifier on) and FD is not measured. */
export const MIN_JUDGE_N = 50;

/** Loads the evaluation classifier (from the app's `classifier/` in the browser, from disk in tests). */
export type ClassifierLoader = () => Promise<Classifier>;

/** The seed of the C2ST's two real sets (training digits), apart from the meter's. */
const C2ST_REAL_SEED = 3;

/** A classifier that judges the run's digits: the shipped MNIST one, or one trained for the dataset (with its test accuracy). */
export interface Judge {
  classifier: Classifier;
  testAccuracy?: number;
}

/** A checkpoint's measurement: the event, and why the C2ST stopped if it did just now. */
export interface TrackerMeasurement {
  event: QualityEvent;
  c2stOff?: string;
}

export class QualityTracker {
  private constructor(
    readonly backend: BackendName,
    readonly dataset: string,
    /** The C2ST critic's epochs asked for (0: no C2ST). */
    readonly c2stEpochs: number,
    /** Digits generated per checkpoint (the classifier's N or the C2ST's, whichever is larger). */
    private readonly n: number,
    /** Absent on data without labels: the C2ST alone measures it. */
    private readonly judged: { judge: Judge; meter: QualityMeter } | null,
    /** Null once it is off (too slow on this backend, or it failed). */
    private c2st: CheckpointC2st | null,
  ) {}

  /**
   * Measures the real-data reference on `data` with `judge` (owned from here on), or, without
   * one, prepares the C2ST alone. The classifier's N is QUALITY_N, or fewer when the splits are
   * smaller; the C2ST compares up to QUALITY_N generated digits with as many real training
   * digits (half the split at most: its floor needs two disjoint sets), its critic trained for
   * `c2stEpochs` (0: no C2ST).
   */
  static async open(
    judge: Judge | null,
    data: TrainingData,
    backend: BackendName,
    c2stEpochs = CHECKPOINT_C2ST.epochs,
  ): Promise<QualityTracker> {
    try {
      const meter = judge ? await QualityMeter.create(judge.classifier, data.train, data.test, Math.min(QUALITY_N, data.train.count, data.test.count)) : null;
      const c2stN = Math.min(QUALITY_N, Math.floor(data.train.count / 2));
      let c2st: CheckpointC2st | null = null;
      if (c2stEpochs > 0 && c2stN >= MIN_C2ST_N) {
        const [real, otherReal] = pickDisjoint(data.train, c2stN, 2, C2ST_REAL_SEED);
        c2st = new CheckpointC2st(real, otherReal, { ...CHECKPOINT_C2ST, epochs: c2stEpochs });
      } else if (!meter) {
        throw new Error(
          c2stEpochs === 0
            ? 'the dataset has no labels, so the C2ST alone measures it, and it is off (C2ST critic: 0 epochs)'
            : `the dataset has ${data.train.count} training images, and the C2ST needs at least ${2 * MIN_C2ST_N}`,
        );
      }
      const n = Math.max(meter?.n ?? 0, c2st?.n ?? 0);
      return new QualityTracker(backend, data.dataset, c2stEpochs, n, meter && judge ? { judge, meter } : null, c2st);
    } catch (error) {
      judge?.classifier.dispose();
      throw error;
    }
  }

  /**
   * Metrics of the generator as it stands, as the `quality` event carries them: FD, score and
   * histogram where a classifier judges, then the C2ST on the same digits while it is on. A C2ST
   * that is too slow here or fails turns off (the reason comes back once); the rest goes on.
   */
  async measure(gan: Gan, runId: string, epoch: number, step: number): Promise<TrackerMeasurement> {
    return this.measureDigits((count) => checkpointDigits(gan, count), runId, epoch, step);
  }

  /** The same for any generator: `digitsOf(count)` gives its digits from the metrics' fixed noise. */
  async measureDigits(digitsOf: (count: number) => Promise<Float32Array>, runId: string, epoch: number, step: number): Promise<TrackerMeasurement> {
    const started = Date.now();
    // One set of digits from fixed noise for both: the classifier reads the first meter.n.
    const digits = await digitsOf(this.n);
    let judged: JudgedMetrics | undefined;
    if (this.judged) {
      const { judge, meter } = this.judged;
      const metrics = await meter.measure(digits.subarray(0, meter.n * DIGIT_PIXELS));
      judged = { metrics, reference: meter.reference, classes: judge.classifier.classes, testAccuracy: judge.testAccuracy };
    }
    let c2st: CheckpointC2stResult | undefined;
    let c2stOff: string | undefined;
    if (this.c2st) {
      try {
        c2st = await this.c2st.judge(digits.subarray(0, this.c2st.n * DIGIT_PIXELS));
      } catch (error) {
        this.c2st = null;
        c2stOff = c2stNotice(error, this.backend, judged !== undefined);
      }
    }
    const n = judged?.metrics.n ?? this.n;
    const event = qualityEvent({ runId, epoch, step, n, ms: Date.now() - started }, judged, c2st);
    return { event, c2stOff };
  }

  /** Nothing left to measure: no classifier, and the C2ST turned off. */
  get idle(): boolean {
    return !this.judged && !this.c2st;
  }

  dispose(): void {
    try {
      this.judged?.judge.classifier.dispose();
    } catch {
      // A lost WebGL context took its textures already.
    }
  }
}

/** What a classifier measured at a checkpoint, and what it is. */
export interface JudgedMetrics {
  metrics: QualityMetrics;
  reference: QualityReference;
  classes: number;
  testAccuracy?: number;
}

export function qualityEvent(
  at: { runId: string; epoch: number; step: number; n: number; ms: number },
  judged?: JudgedMetrics,
  c2st?: CheckpointC2stResult,
): QualityEvent {
  const event: QualityEvent = { type: 'quality', ...at };
  if (judged) {
    const { fd, score, histogram } = judged.metrics;
    event.fd = fd;
    event.score = score;
    event.histogram = { counts: [...histogram.counts], modes: histogram.modes, smallestShare: histogram.smallestShare };
    event.reference = { ...judged.reference };
    event.classifier = { classes: judged.classes, ...(judged.testAccuracy === undefined ? {} : { testAccuracy: judged.testAccuracy }) };
  }
  if (c2st) event.c2st = { ...c2st };
  return event;
}

/**
 * The metrics as a checkpoint record keeps them (flat numbers, also written into exported
 * generators' manifests): n and ms; where a classifier judged fd, score, modes, smallestShare,
 * referenceFd, referenceScore, the histogram as count0 … count<k-1>, classes, and for a
 * dataset's own classifier classifierAccuracy; where the C2ST ran c2st, c2stFloor, c2stN and
 * c2stMs.
 */
export function metricsRecord(event: QualityEvent): Record<string, number> {
  const record: Record<string, number> = { n: event.n, ms: event.ms };
  if (event.fd !== undefined && event.score !== undefined && event.histogram && event.reference) {
    Object.assign(record, {
      fd: event.fd,
      score: event.score,
      modes: event.histogram.modes,
      smallestShare: event.histogram.smallestShare,
      referenceFd: event.reference.fd,
      referenceScore: event.reference.score,
      classes: event.histogram.counts.length,
    });
    event.histogram.counts.forEach((count, digit) => {
      record[`count${digit}`] = count;
    });
    if (event.classifier?.testAccuracy !== undefined) record.classifierAccuracy = event.classifier.testAccuracy;
  }
  if (event.c2st) {
    record.c2st = event.c2st.accuracy;
    record.c2stFloor = event.c2st.floor;
    record.c2stN = event.c2st.n;
    record.c2stEpochs = event.c2st.epochs;
    record.c2stMs = event.c2st.ms;
  }
  return record;
}

/** Why the checkpoint C2ST stopped, as a notice. */
export function c2stNotice(error: unknown, backend: BackendName, othersGoOn = true): string {
  const why = error instanceof CriticOverBudget ? `on ${backend} ${error.message}` : `it failed (${describeError(error)})`;
  const rest = othersGoOn ? 'FD, score and the histogram go on.' : 'Without labels there is nothing else to measure on this dataset.';
  return `The checkpoint C2ST is off for this session: ${why}. ${rest}`;
}

/** Why metrics are off, as a notice the user can read. */
export function qualityNotice(error: unknown, when: 'load' | 'measure', epoch?: number): string {
  const reason = describeError(error);
  return when === 'load'
    ? `Quality metrics are off for this run: the evaluation classifier could not be loaded (${reason}). Training goes on.`
    : `Quality metrics of epoch ${epoch} could not be measured (${reason}). Training goes on.`;
}

/**
 * The session's metrics: one tracker, kept across runs while the backend and the dataset stay
 * the same, measuring each checkpoint and posting `quality`. MNIST is judged by the shipped
 * classifier; an imported labelled dataset by its own (trained once, kept in `evaluators`); an
 * unlabelled one by the C2ST alone.
 */
export class CheckpointQuality {
  private tracker: QualityTracker | null = null;

  constructor(
    private readonly post: (event: QualityEvent | Extract<WorkerEvent, { type: 'notice' | 'dataset-evaluator' }>) => void,
    private readonly evaluators?: EvaluatorStore,
  ) {}

  /**
   * Before a run trains on `backend`, its C2ST critic trained for `c2stEpochs` (0: none); without
   * a loader (or when it fails) metrics are off.
   */
  async prepare(
    load: ClassifierLoader | undefined,
    runId: string,
    data: TrainingData,
    backend: BackendName,
    c2stEpochs: number,
  ): Promise<void> {
    const tracker = this.tracker;
    if (tracker?.backend === backend && tracker.dataset === data.dataset && tracker.c2stEpochs === c2stEpochs) return;
    this.tracker?.dispose();
    this.tracker = null;
    if (!load) return;
    const notice = (message: string) => this.post({ type: 'notice', runId, message });
    let judge: Judge | null = null;
    try {
      judge = await this.judgeFor(load, runId, data, notice);
    } catch (error) {
      if (data.dataset === MNIST_DATASET) {
        notice(qualityNotice(error, 'load'));
        return;
      }
      notice(`FD and the score are off for this run: the dataset's evaluation classifier could not be made (${describeError(error)}). The C2ST goes on.`);
    }
    try {
      this.tracker = await QualityTracker.open(judge, data, backend, c2stEpochs);
    } catch (error) {
      notice(data.dataset === MNIST_DATASET ? qualityNotice(error, 'load') : `Quality metrics are off for this run: ${describeError(error)}. Training goes on.`);
    }
  }

  /** Measures the generator and posts the result; the metrics to save, or undefined when off. */
  async measure(gan: Gan, runId: string, epoch: number, step: number): Promise<Record<string, number> | undefined> {
    if (!this.tracker || this.tracker.idle) return undefined;
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

  /** The classifier that judges `data`: MNIST's, the dataset's own, or none (no labels, or no store to keep one in). */
  private async judgeFor(load: ClassifierLoader, runId: string, data: TrainingData, notice: (message: string) => void): Promise<Judge | null> {
    if (data.dataset === MNIST_DATASET) return { classifier: await load() };
    if (!canTrainEvaluator(data)) {
      notice('This dataset has no labels (or one class only): FD and the score need a classifier of its classes, so only the C2ST measures it.');
      return null;
    }
    if (Math.min(data.train.count, data.test.count) < MIN_JUDGE_N) {
      notice(
        `FD and the score need at least ${MIN_JUDGE_N} training and ${MIN_JUDGE_N} held-out images; this dataset has ` +
          `${data.train.count} and ${data.test.count}, so only the C2ST measures it.`,
      );
      return null;
    }
    if (!this.evaluators) return null;
    const { classifier, summary, trained } = await datasetEvaluator(this.evaluators, data, notice);
    if (trained) this.post({ type: 'dataset-evaluator', runId, datasetId: data.dataset, evaluator: summary });
    return { classifier, testAccuracy: summary.testAccuracy };
  }
}
