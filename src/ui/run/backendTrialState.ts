/**
 * How `auto` chose the current run's backend, as the worker reports it (`backend-trial`):
 * measuring, measured, or a choice remembered from an earlier measurement on this device.
 */
import type { BackendTrialEvent } from '../../worker/protocol';
import type { Slice } from '../shared/labEvents';

export type BackendTrial = Omit<BackendTrialEvent, 'type'>;

/** Null until a run with `auto` reports its choice; a new run starts without one. */
export const backendTrialSlice: Slice<BackendTrial | null> = {
  initial: () => null,
  on: {
    'run-begun': (trial, { runId }) => (trial?.runId === runId ? trial : null),
    'backend-trial': (_trial, { type: _type, ...trial }) => trial,
  },
};

/** One line for the page: "Timing webgl… (wasm 3.10 steps/s)", "Measured: wasm 3.10 steps/s, webgl 0.80: wasm". */
export function describeTrial(trial: BackendTrial): string {
  switch (trial.phase) {
    case 'measuring': {
      const done = trial.rates.map((r) => ('stepsPerSecond' in r ? `${r.backend} ${r.stepsPerSecond.toFixed(2)} steps/s` : `${r.backend} failed`));
      return `Choosing a backend for auto: timing a few steps on ${trial.current}…${done.length > 0 ? ` (${done.join(', ')})` : ''}`;
    }
    case 'done':
      return `Auto measured this recipe: ${trial.summary}.`;
    case 'remembered':
      return `Auto: ${trial.chosen}, measured before on this device for a recipe of this size (${trial.summary}).`;
  }
}
