import { memo, useEffect } from 'react';
import { GRID_COLS, GRID_ROWS } from '../../core/digits';
import type { RunRecord } from '../../storage/records';
import { DigitCanvas } from '../shared/DigitCanvas';
import { useLab, useLabState } from '../shared/useLab';
import { epochRange } from './compareState';
import { runColour } from './runColours';

/** The chosen runs' fixed-noise grids at one epoch, side by side, with one slider for all. */
export const CompareGrids = memo(function CompareGrids({ runs }: { runs: readonly RunRecord[] }) {
  const { compare } = useLab();
  const chosen = useLabState((s) => s.compare.epoch);
  // Read for its change alone: grids that arrive are then looked up again.
  useLabState((s) => s.compare.gridsVersion);
  const { last, common } = epochRange(runs);
  // Until the user moves the slider: the latest epoch every run has, so the grids are comparable.
  const epoch = Math.min(chosen ?? Math.max(1, common), Math.max(1, last));

  useEffect(() => {
    if (last > 0) void compare.loadGrids(epoch);
  }, [compare, epoch, last, runs]);

  if (last === 0) return <p className="muted">No saved epochs yet: grids appear as the runs save them.</p>;
  return (
    <div className="compare-grids" data-testid="runs-compare-grids">
      <div className="scrubber">
        <label htmlFor="runs-compare-epoch" className="field-label">
          Epoch
        </label>
        <input
          id="runs-compare-epoch"
          type="range"
          className="epoch-slider"
          data-testid="runs-compare-epoch"
          min={1}
          max={last}
          step={1}
          value={epoch}
          aria-valuetext={`Epoch ${epoch}`}
          onChange={(event) => compare.setEpoch(Number(event.target.value))}
        />
        <span className="counter slider-readout">
          epoch {epoch} / {last}
        </span>
      </div>
      <div className="compare-grid-row">
        {runs.map((run, i) => {
          const saved = run.epochs.some((e) => e.epoch === epoch);
          return (
            <figure key={run.id} className="compare-column">
              <div className="grid-frame small" style={{ borderColor: runColour(i) }}>
                <DigitCanvas
                  testId="runs-compare-grid"
                  pixels={saved ? compare.gridPixels(run.id, epoch) : undefined}
                  rows={GRID_ROWS}
                  cols={GRID_COLS}
                  // A grid, once read, never changes: one arriving for another run redraws
                  // only that run's canvas.
                  version={`${run.id}/${epoch}`}
                  label={saved ? `${run.name}: generated digits after epoch ${epoch}` : `${run.name} has not reached epoch ${epoch}`}
                  data={{ epoch, run: run.id }}
                />
              </div>
              <figcaption className="grid-caption">
                <span className="run-swatch" style={{ background: runColour(i) }} aria-hidden="true" />
                {run.name}
                {!saved && <span className="muted"> · not at epoch {epoch}</span>}
              </figcaption>
            </figure>
          );
        })}
      </div>
    </div>
  );
});
