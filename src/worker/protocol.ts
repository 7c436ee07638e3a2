/**
 * The typed protocol between the page and the training worker. Plain data only, so messages
 * can be logged and replayed in tests. tfjs-free: the UI imports it with `import type`.
 */
import type { BackendChoice, BackendName, RunConfig } from '../core/config';
import type { LossPoint } from '../core/lossPoint';
import type { ErrorCode } from '../core/errors';
import type { LiveChange, LiveSettings, LiveSettingsEdit } from '../core/liveSettings';
import type { LoopProgress } from '../core/progress';
import type { PictureOptions } from '../core/datasets/pictureDataset';
import type { DatasetRecord, EvaluatorSummary } from '../storage/datasetRepository';

export type { ErrorCode, LiveChange, LiveSettings, LiveSettingsEdit, LossPoint };

/** Page → worker. */
export type Command =
  /** Probe and select a backend; answered by `ready` with the same requestId. */
  | { type: 'init'; requestId: number; backend: BackendChoice }
  /**
   * A new run. Its history is saved as it trains; `keepFullStates` keeps a full training state
   * at every generator checkpoint, not just the latest.
   */
  | { type: 'start'; runId: string; config: RunConfig; keepFullStates?: boolean }
  /**
   * Continue a saved run from its latest resume point, on `backend` (default: the run's own),
   * up to `epochs` (default: the run's; more extends a finished run).
   */
  | { type: 'resume-run'; runId: string; epochs?: number; backend?: BackendChoice }
  /**
   * Fresh digits from the generator saved at `epoch` of a run; answered by `sample-result`.
   * `digit`: the class a class-conditional generator draws (absent: each digit in turn).
   */
  | { type: 'sample'; requestId: number; runId: string; epoch: number; seed: number; count: number; digit?: number }
  /** A row of `steps` digits walking from seed A's noise to seed B's; answered by `sample-result`. */
  | {
      type: 'interpolate';
      requestId: number;
      runId: string;
      epoch: number;
      seedA: number;
      seedB: number;
      steps: number;
      /** As for `sample`: one class along the whole row, or each digit in turn. */
      digit?: number;
    }
  | { type: 'pause'; runId: string }
  | { type: 'resume'; runId: string }
  | { type: 'stop'; runId: string }
  /**
   * Changes G's or D's learning rate or the average's decay of the run training (or paused)
   * here, from its next step on; answered by `live-changed`, or an `error` (code `config`) that
   * leaves everything as it was. Fields equal to the settings in force change nothing.
   */
  | { type: 'set-live'; runId: string; settings: LiveSettingsEdit }
  /** The page has drawn the last grid; the worker may send the next one. */
  | { type: 'grid-ack'; runId: string }
  /**
   * A generator as a file for the page to download, answered by `generator-exported`. With
   * `reference`, the reply also carries the sampling noise of that seed and what tfjs makes of
   * it, so the page can run the ONNX file on the same noise and compare.
   */
  | {
      type: 'export-generator';
      requestId: number;
      source: GeneratorRef;
      format: ExportFormat;
      /** `digit` as for `sample`: what a class-conditional generator draws (absent: each in turn). */
      reference?: { seed: number; count: number; digit?: number };
    }
  /**
   * Files the user chose (a TF.js zip, or model.json with its weights, or one Keras .h5; several
   * Keras .h5 files become a saved run); the worker checks their sizes before reading them.
   * Answered by `generator-imported` (one generator), `run-imported` (a run), or an `error`
   * (code `import`).
   */
  | { type: 'import-generator'; requestId: number; files: File[] }
  /**
   * IDX files (raw or .gz) to keep as a dataset named `name`; the worker checks their sizes
   * before reading them. Answered by `dataset-imported`, or an `error` (code `data` or `storage`).
   */
  | { type: 'import-dataset'; requestId: number; name: string; files: File[]; pictures?: PictureOptions }
  /** Fresh digits from an imported generator; answered by `sample-result` (runId = importId). */
  | { type: 'sample-imported'; requestId: number; importId: string; seed: number; count: number }
  /** Forget `auto`'s measured backend choices: the next Train with `auto` measures again. */
  | { type: 'forget-backend-choices' };

/**
 * Which generator a request means: one saved at an epoch of a run, the one a run is training
 * right now, or one imported from files.
 */
export type GeneratorRef =
  | { kind: 'saved'; runId: string; epoch: number }
  | { kind: 'training'; runId: string }
  | { kind: 'imported'; importId: string };

/** `tfjs`: a zip of the TF.js Layers model and manifest.json; `onnx`: one ONNX model. */
/** tfjs: the TF.js Layers zip; onnx: one ONNX model; keras: a Keras 2 whole-model .h5. */
export type ExportFormat = 'tfjs' | 'onnx' | 'keras';

/** Where a generator comes from, as its manifest says (null: not known). */
/** A run made from several Keras .h5 generators, one per epoch (saved in IndexedDB). */
export interface ImportedRunSummary {
  runId: string;
  name: string;
  /** The epochs it holds a generator for, from the files' names, in order. */
  epochs: number[];
  /** Files chosen with them but not imported (discriminators, hidden files such as .DS_Store), by name. */
  skipped: string[];
}

export interface GeneratorFacts {
  preset: string | null;
  epoch: number | null;
  step: number | null;
  seed: number | null;
  metrics: Record<string, number>;
}

export type DataFile = 'train-images' | 'train-labels' | 'test-images' | 'test-labels';

/** Worker → page. */
export type WorkerEvent =
  | {
      type: 'ready';
      requestId: number;
      backend: BackendName;
      /** What runs underneath: "SIMD, 2 threads", the WebGL renderer, … */
      backendDetail: string;
      /** Backends this browser can run, best first. */
      available: BackendName[];
      /** Set when the requested backend failed and another one took over. */
      notice?: string;
    }
  | {
      type: 'data-progress';
      runId: string;
      file: DataFile;
      loadedBytes: number;
      totalBytes: number;
      done: boolean;
    }
  | {
      type: 'started';
      runId: string;
      backend: BackendName;
      backendDetail: string;
      totalSteps: number;
      config: RunConfig;
      /** Steps already done: 0 for a new run, the resume point's step for a resumed one. */
      startStep?: number;
      /** Changes of the live settings made before (a resumed run), in step order; absent: none. */
      liveChanges?: LiveChange[];
    }
  | ({ type: 'progress'; runId: string } & LoopProgress)
  | { type: 'losses'; runId: string; points: LossPoint[] }
  | {
      type: 'grid';
      runId: string;
      epoch: number;
      step: number;
      /** rows*cols digits of 28x28 grey pixels, 0 = black, digit after digit. */
      pixels: Uint8ClampedArray;
      rows: number;
      cols: number;
    }
  /** Something was saved to IndexedDB: an epoch (grid, losses, maybe weights) or a resume point. */
  | {
      type: 'checkpoint-saved';
      runId: string;
      kind: 'epoch' | 'resume-point';
      epoch: number;
      step: number;
      hasGenerator: boolean;
      /** Bytes the whole run now takes. */
      runBytes: number;
    }
  /**
   * Saving failed; training goes on and what was saved before is intact. `quota`: the browser's
   * storage for this site is full (numbers from navigator.storage.estimate() when known).
   */
  | {
      type: 'storage-error';
      runId: string;
      code: 'quota' | 'failed';
      epoch: number;
      message: string;
      usedBytes?: number;
      quotaBytes?: number;
    }
  | {
      type: 'sample-result';
      requestId: number;
      runId: string;
      epoch: number;
      /** rows*cols digits of 28x28 grey pixels, like `grid`. */
      pixels: Uint8ClampedArray;
      rows: number;
      cols: number;
      /** How many cells hold digits (the rest of the last row is black). */
      count: number;
    }
  | {
      type: 'generator-exported';
      requestId: number;
      format: ExportFormat;
      /** A download name such as `mnist-gan-seed-epoch20-generator.zip`. */
      fileName: string;
      /** The file's bytes (transferred). */
      bytes: ArrayBuffer;
      facts: GeneratorFacts;
      /**
       * With a `reference` request: `count` noise vectors of `seed` and tfjs's output for them;
       * for a class-conditional generator also the digit each was drawn as (one-hot into `label`).
       */
      reference?: ExportReference;
    }
  | { type: 'dataset-imported'; requestId: number; dataset: DatasetRecord }
  | {
      type: 'generator-imported';
      requestId: number;
      /** Names the generator in `sample-imported` and `export-generator` requests. */
      importId: string;
      /** The chosen file's name (the zip, or model.json). */
      name: string;
      facts: GeneratorFacts;
    }
  /** The other answer to `import-generator`: several Keras .h5 generators became this saved run. */
  | { type: 'run-imported'; requestId: number; run: ImportedRunSummary }
  /** An imported run's epoch got its quality metrics (saved in its record), after the import's reply. */
  | { type: 'run-measured'; runId: string; epoch: number }
  | { type: 'paused'; runId: string; step: number }
  | { type: 'resumed'; runId: string; step: number }
  /** A `set-live` took effect: `change` is recorded with the run, `settings` are now in force. */
  | { type: 'live-changed'; runId: string; change: LiveChange; settings: LiveSettings }
  | { type: 'stopped'; runId: string; step: number; reason: 'completed' | 'stopped' | 'error' }
  | QualityEvent
  /** An imported dataset's evaluation classifier was trained (and kept with it) for this run's metrics. */
  | { type: 'dataset-evaluator'; runId: string; datasetId: string; evaluator: EvaluatorSummary }
  | BackendTrialEvent
  | { type: 'notice'; runId?: string; message: string }
  | { type: 'error'; runId?: string; requestId?: number; code: ErrorCode; message: string };

/**
 * Quality of the generator at a checkpoint epoch. Where an evaluation classifier judges (the
 * shipped MNIST one, or one the worker trained for an imported labelled dataset): N generated
 * digits against N real test digits through it, `reference` being what N real training digits
 * score (the floor for FD). On unlabelled data only the C2ST is measured and `fd`, `score`,
 * `histogram`, `reference` and `classifier` are absent (all of them together). Also saved in the
 * checkpoint's record as its `metrics`.
 */
export interface QualityEvent {
  type: 'quality';
  runId: string;
  epoch: number;
  step: number;
  /** Digits on each side. */
  n: number;
  /** Fréchet distance in the classifier's features (lower is better). */
  fd?: number;
  /** The score (the Inception score's analogue), 1 to the classifier's class count (higher is better). */
  score?: number;
  /** The classifier's argmax counts per class, classes with ≥ 1 % and the rarest share. */
  histogram?: { counts: number[]; modes: number; smallestShare: number };
  reference?: { n: number; fd: number; score: number };
  /** The classifier that judged: its classes, and its test accuracy when the worker trained it for the dataset. */
  classifier?: { classes: number; testAccuracy?: number };
  /** How long training waited for the measurement, in ms. */
  ms: number;
  /**
   * The checkpoint C2ST (core/metrics/checkpointC2st.ts): the max-pool critic's held-out
   * accuracy on n generated vs n real training digits, its floor (real vs real) and its cost.
   * Absent when it is off (too slow on this backend, or failed).
   */
  c2st?: { critic: 'strided' | 'maxpool'; n: number; epochs: number; accuracy: number; floor: number; ms: number };
}

/**
 * How `auto` chose the run's backend (worker/backendHost.ts): `measuring` while each candidate
 * times a few steps of the run's recipe, `done` with the rates and the fastest, `remembered`
 * when a choice measured before for this device and recipe size is taken again.
 */
export interface BackendTrialEvent {
  type: 'backend-trial';
  runId: string;
  phase: 'measuring' | 'done' | 'remembered';
  /** Measured so far: steps/s, or why the backend could not run. */
  rates: ({ backend: BackendName; stepsPerSecond: number } | { backend: BackendName; failed: string })[];
  /** The backend being timed (measuring). */
  current?: BackendName;
  /** The backend the run trains on (done, remembered). */
  chosen?: BackendName;
  /** E.g. "webgl 14.2 steps/s, wasm 11.8: webgl". */
  summary: string;
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected message: ${JSON.stringify(value)}`);
}

/** The noise (and labels) an export was run on in tfjs, and its images, for the page's ONNX check. */
export interface ExportReference {
  seed: number;
  count: number;
  noise: Float32Array;
  /** A class-conditional generator's digit per sample; absent for one that takes noise alone. */
  labels?: Uint8Array;
  images: Float32Array;
}
