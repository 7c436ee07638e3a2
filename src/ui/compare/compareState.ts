/**
 * The comparison's part of the page's state: which runs are chosen (in the order chosen), whether
 * the comparison is open, its x axis, the epoch its grids show, the table's order, and the run
 * list's order. The choice, the open flag, the axis and both orders outlive a reload (see
 * `storedSettings`); the loss points and grids stay in the controller's buffers, and only their
 * version numbers are here.
 */
import type { RunRecord } from '../../storage/records';
import type { Slice } from '../shared/labEvents';
import type { Axis } from './compareSeries';
import { DEFAULT_TABLE_SORT, type TableSort } from './compareTable';
import { isRunOrder, type RunOrder } from './runOrder';

export const MIN_COMPARED = 2;
export const MAX_COMPARED = 6;

export interface CompareState {
  selected: string[];
  open: boolean;
  axis: Axis;
  /** The epoch the grids show; null: the latest epoch every chosen run has. */
  epoch: number | null;
  tableSort: TableSort;
  runOrder: RunOrder;
  /** Bumped when the buffered loss points change. */
  lossVersion: number;
  /** Bumped when grids arrive. */
  gridsVersion: number;
  /** A failed read or rename, said as a sentence; null when all went well. */
  problem: string | null;
}

export const initialCompareState: CompareState = {
  selected: [],
  open: false,
  axis: 'step',
  epoch: null,
  tableSort: DEFAULT_TABLE_SORT,
  runOrder: 'date',
  lossVersion: 0,
  gridsVersion: 0,
  problem: null,
};

/** Changed only by the compare controller, which keeps it in step with its buffers. */
export const compareSlice: Slice<CompareState> = {
  initial: () => initialCompareState,
  on: {},
};

/** The part kept across reloads. */
export type StoredCompare = Pick<CompareState, 'selected' | 'open' | 'axis' | 'tableSort' | 'runOrder'>;

export function storedSettings(state: CompareState): StoredCompare {
  const { selected, open, axis, tableSort, runOrder } = state;
  return { selected, open, axis, tableSort, runOrder };
}

/** Reads what `storedSettings` saved; anything unreadable falls back to the defaults. */
export function restoredSettings(text: string | null): Partial<StoredCompare> {
  if (!text) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {};
  }
  if (!raw || typeof raw !== 'object') return {};
  const r = raw as Record<string, unknown>;
  const out: Partial<StoredCompare> = {};
  if (Array.isArray(r.selected)) out.selected = r.selected.filter((id): id is string => typeof id === 'string').slice(0, MAX_COMPARED);
  if (typeof r.open === 'boolean') out.open = r.open;
  if (r.axis === 'step' || r.axis === 'time') out.axis = r.axis;
  const sort = r.tableSort as Partial<TableSort> | undefined;
  if (sort && typeof sort.key === 'string' && typeof sort.descending === 'boolean') out.tableSort = { key: sort.key as TableSort['key'], descending: sort.descending };
  if (isRunOrder(r.runOrder)) out.runOrder = r.runOrder;
  return out;
}

/** Adds or removes a run; a seventh is refused (the checkbox is disabled before that). */
export function selectionToggled(selected: readonly string[], runId: string, on: boolean): string[] {
  const without = selected.filter((id) => id !== runId);
  if (!on) return without;
  return without.length >= MAX_COMPARED ? [...selected] : [...without, runId];
}

/** The chosen runs that still exist, in the order chosen. */
export function comparedRuns(selected: readonly string[], runs: readonly RunRecord[] | null): RunRecord[] {
  if (!runs) return [];
  const byId = new Map(runs.map((run) => [run.id, run]));
  return selected.map((id) => byId.get(id)).filter((run): run is RunRecord => run !== undefined);
}

/** The epochs the grid slider offers: 1 to the furthest epoch any chosen run saved. */
export function epochRange(runs: readonly RunRecord[]): { last: number; common: number } {
  const lasts = runs.map((run) => run.epochs.at(-1)?.epoch ?? 0);
  return { last: Math.max(0, ...lasts), common: lasts.length === 0 ? 0 : Math.min(...lasts) };
}
