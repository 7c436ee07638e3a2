/**
 * What the page's features hear, and how a feature says what it does with it. Worker events
 * that answer a request (they carry a `requestId`) are not in here: the worker client hands
 * them to the feature that sent the request (see run/workerClient.ts). Everything else the
 * worker says about a run goes to every feature, as do the page's own run-wide moments.
 */
import type { ParsedConfig, RunConfig } from '../../core/config';
import type { ImportedRunSummary, LossPoint, WorkerEvent } from '../../worker/protocol';

/** Worker events about a run (and `error`s no request claims), heard by every feature. */
export type RunEvent = Exclude<WorkerEvent, { requestId: number }>;

/** Moments of the page itself that several features react to. */
export type PageEvent =
  /**
   * Train or Resume: a run is now the current one. A new run starts at step 0 with no losses; a
   * resumed one brings its own config, the step it resumes from and its saved losses.
   */
  | { type: 'run-begun'; runId: string; config: RunConfig; step: number; losses: LossPoint[] }
  /** The worker threw, could not load, died or sent something unreadable. */
  | { type: 'worker-crashed'; detail: string }
  /** Chosen Keras .h5 files were saved as a run (kerasRunImport): the run list reads it. */
  | { type: 'run-imported'; run: ImportedRunSummary };

export type LabEvent = RunEvent | PageEvent;
export type LabEventType = LabEvent['type'];
export type LabEventOf<T extends LabEventType> = Extract<LabEvent, { type: T }>;

/** The run an event arrives into, as it was before the event. */
export interface EventContext {
  /** The current run (training or done), or null before the first. */
  runId: string | null;
  /** The current run has not stopped yet. */
  runActive: boolean;
}

/** Pure transitions of one slice, by the events it cares about; the others leave it as it is. */
export type SliceHandlers<S> = {
  [T in LabEventType]?: (slice: S, event: LabEventOf<T>, context: EventContext) => S;
};

/** A feature's part of the page's state: where it starts, and what events do to it. */
export interface Slice<S> {
  initial(parsed: ParsedConfig): S;
  on: SliceHandlers<S>;
}
