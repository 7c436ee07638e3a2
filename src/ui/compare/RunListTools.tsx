import { useMemo } from 'react';
import type { RunRecord } from '../../storage/records';
import { useLab, useLabState } from '../shared/useLab';
import { MAX_COMPARED, MIN_COMPARED, comparedRuns } from './compareState';
import { RUN_ORDERS, type RunOrder, isRunOrder, sortRuns } from './runOrder';

/** The run list's runs in the order the user chose (newest first until then). */
export function useOrderedRuns(runs: RunRecord[] | null): RunRecord[] | null {
  const order = useLabState((s) => s.compare.runOrder);
  return useMemo(() => runs && sortRuns(runs, order), [runs, order]);
}

/** Above the run list: its order, and the button that opens the comparison of the ticked runs. */
export function RunListTools() {
  const { compare } = useLab();
  const order = useLabState((s) => s.compare.runOrder);
  const selected = useLabState((s) => s.compare.selected);
  const runs = useLabState((s) => s.history.runs);
  const open = useLabState((s) => s.compare.open);
  const count = useMemo(() => comparedRuns(selected, runs).length, [selected, runs]);
  return (
    <div className="run-list-tools">
      <label className="field inline">
        <span className="field-label">Sort</span>
        <select
          className="input"
          data-testid="run-sort"
          value={order}
          onChange={(event) => isRunOrder(event.target.value) && compare.setRunOrder(event.target.value)}
        >
          {(Object.entries(RUN_ORDERS) as [RunOrder, string][]).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="button"
        data-testid="compare-open"
        disabled={count < MIN_COMPARED}
        onClick={() => {
          compare.open();
          requestAnimationFrame(() => document.querySelector('[data-testid="runs-compare"]')?.scrollIntoView({ behavior: 'smooth', block: 'start' }));
        }}
        title={`Tick ${MIN_COMPARED} to ${MAX_COMPARED} runs to compare them side by side.`}
      >
        {open && count >= MIN_COMPARED ? `Comparing ${count} runs` : `Compare ${count} of ${MIN_COMPARED}–${MAX_COMPARED} runs`}
      </button>
    </div>
  );
}

/** A run's "compare" tick box; a seventh run cannot be ticked. */
export function RunCompareBox({ run }: { run: RunRecord }) {
  const { compare } = useLab();
  const selected = useLabState((s) => s.compare.selected);
  const runs = useLabState((s) => s.history.runs);
  const checked = selected.includes(run.id);
  const full = useMemo(() => comparedRuns(selected, runs).length >= MAX_COMPARED, [selected, runs]);
  return (
    <label className="compare-box" title={full && !checked ? `At most ${MAX_COMPARED} runs side by side.` : 'Compare this run with others.'}>
      <input
        type="checkbox"
        data-testid="run-compare"
        checked={checked}
        disabled={full && !checked}
        onChange={(event) => compare.toggle(run.id, event.target.checked)}
      />
      <span className="visually-hidden">Compare {run.name}</span>
    </label>
  );
}
