/**
 * The history part of the page's state: the saved runs, which one the history panels show, the
 * selected and compared epochs, and how full storage is. The viewed run's grids stay outside
 * (historyView.ts); only their version number is here.
 */
import type { EpochEntry, RunRecord } from '../../storage/records';
import type { Slice } from '../shared/labEvents';

export interface StorageInfo {
  usage: number;
  quota: number;
  /** navigator.storage.persisted(): the browser will not evict this site's data on its own. */
  persisted: boolean | null;
}

export interface StorageProblem {
  code: 'quota' | 'failed';
  message: string;
  usedBytes?: number;
  quotaBytes?: number;
}

export interface HistoryState {
  /** Saved runs, newest first; null until storage has been read. */
  runs: RunRecord[] | null;
  /** The run the history panels show. */
  viewRunId: string | null;
  selectedEpoch: number | null;
  /** Keep the newest epoch selected as epochs arrive, until the user picks another. */
  followLatest: boolean;
  compare: [number | null, number | null];
  playing: boolean;
  /** Bumped when grids of the viewed run are loaded. */
  gridsVersion: number;
  storage: StorageInfo | null;
  storageProblem: StorageProblem | null;
  /** A storage action in progress, e.g. "Deleting …". */
  busy: string | null;
  /** New runs keep a full training state at every generator checkpoint, not just the latest. */
  keepFullStates: boolean;
}

export const initialHistoryState: HistoryState = {
  runs: null,
  viewRunId: null,
  selectedEpoch: null,
  followLatest: true,
  compare: [null, null],
  playing: false,
  gridsVersion: 0,
  storage: null,
  storageProblem: null,
  busy: null,
  keepFullStates: false,
};

export const historySlice: Slice<HistoryState> = {
  initial: () => initialHistoryState,
  on: {
    // Saving failed; training goes on. A new run starts without the old run's problem.
    'storage-error': (history, { code, message, usedBytes, quotaBytes }) => ({
      ...history,
      storageProblem: { code, message, usedBytes, quotaBytes },
    }),
    'run-begun': (history) => (history.storageProblem ? { ...history, storageProblem: null } : history),
  },
};

export function viewedRun(history: HistoryState): RunRecord | null {
  return history.runs?.find((run) => run.id === history.viewRunId) ?? null;
}

export function viewedEpochs(history: HistoryState): EpochEntry[] {
  return viewedRun(history)?.epochs ?? [];
}

/** The epoch `delta` places from the selected one, clamped to the saved epochs. */
export function epochAt(epochs: EpochEntry[], selected: number | null, delta: number): number | null {
  if (epochs.length === 0) return null;
  const index = epochs.findIndex((e) => e.epoch === selected);
  const from = index === -1 ? epochs.length - 1 : index;
  return epochs[Math.min(epochs.length - 1, Math.max(0, from + delta))].epoch;
}

/** A new list of runs from storage; the selection follows the newest epoch unless pinned. */
export function runsLoaded(history: HistoryState, runs: RunRecord[]): HistoryState {
  let { viewRunId } = history;
  if (viewRunId === null || !runs.some((run) => run.id === viewRunId)) {
    viewRunId = runs[0]?.id ?? null;
  }
  const next = { ...history, runs, viewRunId };
  if (viewRunId !== history.viewRunId) return viewChanged(next, viewRunId);
  return settleSelection(next);
}

/** One run's record changed (an epoch was saved). */
export function runUpdated(history: HistoryState, run: RunRecord): HistoryState {
  const runs = history.runs ?? [];
  const exists = runs.some((r) => r.id === run.id);
  const next = exists ? runs.map((r) => (r.id === run.id ? run : r)) : [run, ...runs];
  return runsLoaded(history, next);
}

export function viewChanged(history: HistoryState, viewRunId: string | null): HistoryState {
  return settleSelection({
    ...history,
    viewRunId,
    selectedEpoch: null,
    followLatest: true,
    compare: [null, null],
    playing: false,
  });
}

/** Keeps the selected and compared epochs among the viewed run's saved epochs. */
function settleSelection(history: HistoryState): HistoryState {
  const epochs = viewedEpochs(history);
  const last = epochs.at(-1)?.epoch ?? null;
  const has = (epoch: number | null) => epoch !== null && epochs.some((e) => e.epoch === epoch);
  const selectedEpoch =
    history.followLatest || !has(history.selectedEpoch) ? last : history.selectedEpoch;
  const first = epochs[0]?.epoch ?? null;
  const compare: [number | null, number | null] = [
    has(history.compare[0]) ? history.compare[0] : first,
    has(history.compare[1]) ? history.compare[1] : last,
  ];
  const same =
    selectedEpoch === history.selectedEpoch &&
    compare[0] === history.compare[0] &&
    compare[1] === history.compare[1];
  return same ? history : { ...history, selectedEpoch, compare };
}

export function epochSelected(history: HistoryState, epoch: number | null, byUser = true): HistoryState {
  const epochs = viewedEpochs(history);
  if (epoch === null || !epochs.some((e) => e.epoch === epoch)) return history;
  return {
    ...history,
    selectedEpoch: epoch,
    followLatest: epoch === epochs.at(-1)?.epoch,
    playing: byUser ? false : history.playing,
  };
}
