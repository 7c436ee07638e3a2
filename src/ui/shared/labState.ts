/**
 * Everything the page shows, as one immutable state of one slice per feature. The slices are
 * listed here and nowhere else; each feature says in its own folder where its slice starts and
 * what events do to it. Pixels and loss points are not in here: they stay in buffers beside the
 * store (run/liveFeed.ts, history/historyView.ts, sample/, exports/) and only their version
 * numbers are.
 */
import type { ParsedConfig } from '../../core/config';
import { compareSlice } from '../compare/compareState';
import { datasetsSlice } from '../datasets/datasetsState';
import { exportsSlice } from '../exports/exportsState';
import { historySlice } from '../history/historyState';
import { messagesSlice } from '../messages/messagesState';
import { qualitySlice } from '../quality/qualityState';
import { backendTrialSlice } from '../run/backendTrialState';
import { formSlice } from '../run/configForm';
import { liveSlice } from '../run/liveFeed';
import { isRunActive, runSlice } from '../run/runState';
import { workerSlice } from '../run/workerState';
import { samplingSlice } from '../sample/samplingState';
import type { EventContext, LabEvent, Slice } from './labEvents';

const SLICES = {
  /** The training worker and its backend (run/workerState.ts). */
  worker: workerSlice,
  /** The run settings being edited (run/configForm.ts). */
  form: formSlice,
  /** The current run (run/runState.ts). */
  run: runSlice,
  /** The live grid's and the loss chart's versions (run/liveFeed.ts). */
  live: liveSlice,
  /** Errors and notices (messages/messagesState.ts). */
  messages: messagesSlice,
  /** Saved runs and what the history panels show (history/historyState.ts). */
  history: historySlice,
  /** The last sample and interpolation (sample/samplingState.ts). */
  sampling: samplingSlice,
  /** Imported generators, downloads and the ONNX check (exports/exportsState.ts). */
  exports: exportsSlice,
  /** Quality metrics the current run posted (quality/qualityState.ts). */
  quality: qualitySlice,
  /** How `auto` chose the current run's backend (run/backendTrialState.ts). */
  backendTrial: backendTrialSlice,
  /** The runs chosen for comparison and how the comparison shows them (compare/compareState.ts). */
  compare: compareSlice,
  /** The datasets imported into this browser (datasets/datasetsState.ts). */
  datasets: datasetsSlice,
};

type SliceState<T> = T extends Slice<infer S> ? S : never;
export type LabState = { [K in keyof typeof SLICES]: SliceState<(typeof SLICES)[K]> };

const KEYS = Object.keys(SLICES) as (keyof LabState)[];

export function initialLabState(parsed: ParsedConfig): LabState {
  return Object.fromEntries(KEYS.map((key) => [key, SLICES[key].initial(parsed)])) as LabState;
}

/** A handler seen from here: typed for its own event, looked up by that event's type. */
type Handler = (slice: unknown, event: LabEvent, context: EventContext) => unknown;

/** Hands `event` to every slice that handles it; slices that do not keep their identity. */
export function reduceLab(state: LabState, event: LabEvent): LabState {
  const context: EventContext = { runId: state.run?.runId ?? null, runActive: isRunActive(state.run) };
  let next = state;
  for (const key of KEYS) {
    const handle = SLICES[key].on[event.type] as Handler | undefined;
    if (!handle) continue;
    const slice = handle(state[key], event, context);
    if (slice !== state[key]) next = { ...next, [key]: slice };
  }
  return next;
}
