/**
 * The typed protocol between the page and the training worker. Plain data only, so messages
 * can be logged and replayed in tests. tfjs-free: the UI imports it with `import type`.
 */
import type { BackendChoice, BackendName, RunConfig } from '../core/config';
import type { LossPoint } from '../core/lossPoint';

export type { LossPoint };

/** Page → worker. */
export type Command =
  /** Probe and select a backend; answered by `ready` with the same requestId. */
  | { type: 'init'; requestId: number; backend: BackendChoice }
  | { type: 'start'; runId: string; config: RunConfig }
  | { type: 'pause'; runId: string }
  | { type: 'resume'; runId: string }
  | { type: 'stop'; runId: string }
  /** The page has drawn the last grid; the worker may send the next one. */
  | { type: 'grid-ack'; runId: string };

export type DataFile = 'train-images' | 'train-labels' | 'test-images' | 'test-labels';

export type ErrorCode =
  | 'backend'
  | 'data'
  | 'config'
  | 'training'
  | 'non-finite'
  | 'protocol'
  | 'internal';

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
    }
  | {
      type: 'progress';
      runId: string;
      /** Steps completed so far. */
      step: number;
      /** Epochs completed so far. */
      epoch: number;
      stepsPerSecond: number;
      elapsedMs: number;
    }
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
  | { type: 'paused'; runId: string; step: number }
  | { type: 'resumed'; runId: string; step: number }
  | { type: 'stopped'; runId: string; step: number; reason: 'completed' | 'stopped' | 'error' }
  | { type: 'notice'; runId?: string; message: string }
  | { type: 'error'; runId?: string; requestId?: number; code: ErrorCode; message: string };

export function assertNever(value: never): never {
  throw new Error(`Unexpected message: ${JSON.stringify(value)}`);
}
