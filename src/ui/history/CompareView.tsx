import { GRID_COLS, GRID_ROWS } from '../../core/digits';
import type { EpochEntry } from '../../storage/records';
import { DigitCanvas } from '../shared/DigitCanvas';
import { useLab, useLabState } from '../shared/useLab';
import { EpochSummary } from './EpochSummary';
import { viewedRun } from './historyState';

const SLOTS = [0, 1] as const;

/** Two saved epochs side by side, each with its epoch number and its numbers. */
export function CompareView() {
  const { history } = useLab();
  const run = useLabState((s) => viewedRun(s.history));
  const compare = useLabState((s) => s.history.compare);
  const gridsVersion = useLabState((s) => s.history.gridsVersion);
  const epochs = run?.epochs ?? [];
  if (epochs.length === 0) return null;

  return (
    <div className="compare-view" data-testid="compare-view">
      <h3 className="subsection-title">Compare two epochs</h3>
      <div className="compare-columns">
        {SLOTS.map((slot) => {
          const epoch = compare[slot];
          const entry: EpochEntry | undefined = epochs.find((e) => e.epoch === epoch);
          const letter = slot === 0 ? 'A' : 'B';
          return (
            <figure key={slot} className="compare-column">
              <label className="field inline">
                <span className="field-label">Epoch {letter}</span>
                <select
                  className="input"
                  data-testid={`compare-select-${letter.toLowerCase()}`}
                  value={epoch ?? ''}
                  onChange={(event) => history.setCompare(slot, Number(event.target.value))}
                >
                  {epochs.map((e) => (
                    <option key={e.epoch} value={e.epoch}>
                      {e.epoch}
                    </option>
                  ))}
                </select>
              </label>
              <div className="grid-frame small">
                <DigitCanvas
                  testId={`compare-grid-${letter.toLowerCase()}`}
                  pixels={history.gridPixels(epoch)}
                  rows={GRID_ROWS}
                  cols={GRID_COLS}
                  version={`${run?.id}/${epoch}/${gridsVersion}`}
                  label={`Generated digits after epoch ${epoch}`}
                  data={{ epoch: epoch ?? undefined }}
                />
              </div>
              <figcaption className="grid-caption">
                <span className="counter">Epoch {epoch ?? '—'}</span>
              </figcaption>
              <EpochSummary entry={entry} />
            </figure>
          );
        })}
      </div>
    </div>
  );
}
