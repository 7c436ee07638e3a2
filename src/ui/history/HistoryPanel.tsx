import { useState } from 'react';
import { GRID_COLS, GRID_DIGITS, GRID_ROWS } from '../../core/digits';
import { DigitCanvas } from '../shared/DigitCanvas';
import { useLab, useLabState } from '../shared/useLab';
import { CompareView } from './CompareView';
import { EpochSummary } from './EpochSummary';
import { viewedRun } from './historyState';
import './history.css';

/**
 * The saved epochs of one run: a slider over them (mouse, ←/→, Home/End), a play button that
 * animates the run, the selected epoch's grid with its numbers, two epochs side by side, and
 * the grid or the whole history as files.
 */
export function HistoryPanel() {
  const { history, gridDownloads } = useLab();
  const run = useLabState((s) => viewedRun(s.history));
  const runsLoaded = useLabState((s) => s.history.runs !== null);
  const selected = useLabState((s) => s.history.selectedEpoch);
  const playing = useLabState((s) => s.history.playing);
  const gridsVersion = useLabState((s) => s.history.gridsVersion);
  const [exporting, setExporting] = useState(false);

  const epochs = run?.epochs ?? [];
  const index = epochs.findIndex((e) => e.epoch === selected);
  const entry = index === -1 ? undefined : epochs[index];
  const pixels = history.gridPixels(selected);

  async function downloadGif() {
    setExporting(true);
    try {
      await gridDownloads.downloadGif();
    } finally {
      setExporting(false);
    }
  }

  return (
    <section className="panel history-panel" aria-labelledby="history-title">
      <h2 id="history-title" className="panel-title">
        History{run ? <span className="muted"> · {run.name}</span> : null}
      </h2>
      <p className="hint">
        The grid of the same {GRID_DIGITS} noise vectors after every epoch, saved in this browser.
        Drag the slider or use <kbd>←</kbd>/<kbd>→</kbd>, <kbd>Home</kbd>/<kbd>End</kbd>; Play animates
        the run. The loss charts mark the chosen epoch.
      </p>
      {epochs.length === 0 ? (
        <p className="history-empty">
          {!runsLoaded
            ? 'Reading saved runs…'
            : 'No saved epochs yet. Each finished epoch of a run appears here, and stays after a reload.'}
        </p>
      ) : (
        <>
          <div className="history-body">
            <figure className="grid-figure">
              <div className="grid-frame">
                <DigitCanvas
                  testId="history-grid"
                  pixels={pixels}
                  rows={GRID_ROWS}
                  cols={GRID_COLS}
                  version={`${run?.id}/${selected}/${gridsVersion}`}
                  label={selected === null ? 'No epoch chosen' : `Generated digits after epoch ${selected}`}
                  data={{ epoch: selected ?? undefined }}
                />
              </div>
              <figcaption className="grid-caption">
                <span className="counter">Epoch {selected ?? '—'}</span>
                <span className="counter muted">step {entry?.step ?? '—'}</span>
              </figcaption>
            </figure>
            <div className="history-controls">
              <div className="scrubber">
                <button
                  type="button"
                  className="button"
                  data-testid="history-play"
                  aria-pressed={playing}
                  disabled={epochs.length < 2}
                  onClick={history.togglePlay}
                  title="Animate the saved epochs in order."
                >
                  {playing ? '❚❚ Pause' : '▶ Play'}
                </button>
                <input
                  type="range"
                  className="epoch-slider"
                  data-testid="epoch-slider"
                  aria-label="Saved epoch"
                  aria-valuetext={selected === null ? undefined : `Epoch ${selected}`}
                  min={0}
                  max={Math.max(0, epochs.length - 1)}
                  step={1}
                  value={Math.max(0, index)}
                  onChange={(event) => history.selectEpoch(epochs[Number(event.target.value)].epoch)}
                />
                <span className="counter slider-readout">
                  {index + 1} / {epochs.length} saved
                </span>
              </div>
              <EpochSummary entry={entry} />
              <div className="downloads">
                <button
                  type="button"
                  className="button"
                  data-testid="download-grid-png"
                  disabled={!pixels || selected === null}
                  onClick={() => selected !== null && void gridDownloads.downloadPng(selected)}
                  title="This epoch's grid as a PNG, named like the original script's files."
                >
                  PNG of epoch {selected ?? '—'}
                </button>
                <button
                  type="button"
                  className="button"
                  data-testid="download-history-gif"
                  disabled={exporting}
                  onClick={() => void downloadGif()}
                  title="Every saved epoch's grid as one animated GIF."
                >
                  {exporting ? 'Encoding GIF…' : `GIF of ${epochs.length} epochs`}
                </button>
              </div>
            </div>
          </div>
          <CompareView />
        </>
      )}
    </section>
  );
}
