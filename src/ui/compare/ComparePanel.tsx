import { useMemo, useRef } from 'react';
import type { RunRecord } from '../../storage/records';
import { useLab, useLabState } from '../shared/useLab';
import { CompareCharts } from './CompareCharts';
import { CompareGrids } from './CompareGrids';
import { CompareTable } from './CompareTable';
import { MIN_COMPARED, comparedRuns } from './compareState';
import { savePanelPng } from './panelImage';
import { runColour } from './runColours';
import './compare.css';

/**
 * Runs side by side: their curves overlaid against step or training time, the settings in which
 * they differ with what each reached, and their grids at one epoch. Open while a run trains, its
 * curves grow as it goes.
 */
export function ComparePanel() {
  const { compare } = useLab();
  const open = useLabState((s) => s.compare.open);
  const selected = useLabState((s) => s.compare.selected);
  const allRuns = useLabState((s) => s.history.runs);
  const axis = useLabState((s) => s.compare.axis);
  const tableSort = useLabState((s) => s.compare.tableSort);
  const lossVersion = useLabState((s) => s.compare.lossVersion);
  const problem = useLabState((s) => s.compare.problem);
  // Another run's saved epoch changes the run list but none of these: keep the same array then,
  // so the charts (hundreds of ms to draw six runs) are not drawn again for nothing.
  const previous = useRef<RunRecord[]>([]);
  const runs = useMemo(() => {
    const next = comparedRuns(selected, allRuns);
    const same = next.length === previous.current.length && next.every((run, i) => run === previous.current[i]);
    if (!same) previous.current = next;
    return previous.current;
  }, [selected, allRuns]);
  const panel = useRef<HTMLElement>(null);

  if (!open || runs.length < MIN_COMPARED) return null;
  return (
    <section ref={panel} className="panel compare-panel" aria-labelledby="runs-compare-title" data-testid="runs-compare" data-runs={runs.length}>
      <div className="compare-head">
        <h2 id="runs-compare-title" className="panel-title">
          Comparing {runs.length} runs
        </h2>
        <div className="segmented" role="group" aria-label="Horizontal axis">
          <button type="button" className="button" data-testid="runs-compare-axis-step" aria-pressed={axis === 'step'} onClick={() => compare.setAxis('step')}>
            against step
          </button>
          <button
            type="button"
            className="button"
            data-testid="runs-compare-axis-time"
            aria-pressed={axis === 'time'}
            onClick={() => compare.setAxis('time')}
            title="Which recipe gives the best digits in the time you have: FD, score and C2ST against training time."
          >
            against training time
          </button>
        </div>
        <div className="downloads">
          <button type="button" className="button" data-testid="runs-compare-csv" onClick={compare.downloadCsv} title="Every logged loss point, training time, FD, score, C2ST and its floor: a column per run and series.">
            CSV
          </button>
          <button type="button" className="button" data-testid="runs-compare-json" onClick={compare.downloadJson} title="The runs, their settings and notes, and the table.">
            JSON
          </button>
          <button type="button" className="button" data-testid="runs-compare-png" onClick={() => panel.current && void savePanelPng(panel.current)} title="This panel as a picture.">
            PNG
          </button>
          <button type="button" className="button" data-testid="runs-compare-close" onClick={compare.close}>
            Close
          </button>
        </div>
      </div>
      <p className="hint">
        One colour per run. Losses are smoothed (a moving average, as TensorBoard does) with the raw values faint beneath;
        FD, score and the C2ST are measured at checkpoints. Against training time, pauses are left out. A run still training grows as it goes.
      </p>
      {problem && (
        <p className="storage-problem" role="alert">
          {problem}
        </p>
      )}
      <ul className="compare-legend">
        {runs.map((run, i) => (
          <li key={run.id}>
            <span className="run-swatch" style={{ background: runColour(i) }} aria-hidden="true" />
            {run.name}
          </li>
        ))}
      </ul>
      <CompareTable runs={runs} sort={tableSort} />
      <CompareCharts runs={runs} axis={axis} lossVersion={lossVersion} />
      <h3 className="subsection-title">Grids at one epoch</h3>
      <CompareGrids runs={runs} />
    </section>
  );
}
