/**
 * Faults the worker survives, as errors the session can tell apart: another tab training the
 * run, a GPU context gone, a state too broken to save.
 */
import { LabError } from '../core/errors';

/** Another tab (its worker) holds the run's lock and trains it. */
export class RunBusyError extends LabError {
  readonly code = 'busy';
  override name = 'RunBusyError';
  constructor(runName: string) {
    super(
      `${runName} is training in another tab of this browser; only one tab trains a run at a time. ` +
        'It is shown here read-only: pause or close the other tab to train it here.',
    );
  }
}

/** The backend's device went away mid-run (a lost WebGL context). */
export class BackendLostError extends LabError {
  readonly code = 'backend';
  override name = 'BackendLostError';
  constructor(readonly backend: string, reason: string) {
    super(reason);
  }
}

/** A snapshot to be saved holds NaN or Infinity; it was not written. */
export class NonFiniteStateError extends LabError {
  readonly code = 'non-finite';
  override name = 'NonFiniteStateError';
  constructor(readonly step: number, part: string) {
    super(`Training paused by itself at step ${step}: ${part} became NaN or infinite, so that state was not saved.`);
  }
}

/** No backend of this browser could start. */
export class BackendUnavailableError extends LabError {
  readonly code = 'backend';
  override name = 'BackendUnavailableError';
}

/** Watches a running backend for the loss of its device. */
export interface BackendWatch {
  /** Why the backend can no longer be used, or null while it is fine. */
  lost(): string | null;
  /**
   * Resolves with the reason when the device is lost. Work queued on a lost WebGL context may
   * never finish (its fences never signal), so training races against this.
   */
  whenLost: Promise<string>;
  /**
   * Resolves once a loss that has happened is known to `lost()`. WebGPU may reject a pending
   * read on a destroyed device before its `lost` promise resolves.
   */
  settle?(): Promise<void>;
  dispose(): void;
}
