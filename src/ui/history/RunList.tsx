import { useMemo, useState } from 'react';
import { PRESETS } from '../../core/presets';
import { datasetLabel } from '../datasets/datasetsState';
import { describeRecipe } from '../../core/recipeCost';
import { checkpointEpochs, runBytes, type RunRecord } from '../../storage/records';
import { RunCompareBox, RunListTools, useOrderedRuns } from '../compare/RunListTools';
import { RunNameEditor } from '../compare/RunNameEditor';
import { type RunState, isRunActive } from '../run/runState';
import { formatBytes } from '../shared/units';
import { useLab, useLabState } from '../shared/useLab';
import { useBusyRuns } from './useBusyRuns';
import './history.css';

/** Storage sizes from kB to GB. */
function formatStorage(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : formatBytes(bytes);
}

/** The preset's name, or "custom" and how the run's recipe differs from its preset's. */
function recipeLabel(run: RunRecord): string {
  if (!run.config.recipe || !PRESETS[run.config.preset]) return PRESETS[run.config.preset]?.label ?? run.config.preset;
  return describeRecipe(run.config.preset, run.config.recipe).text;
}

/** What the list needs of the current run: which one, and whether and how it trains. */
type LiveRun = Pick<RunState, 'runId' | 'status'> | null;

function statusOf(record: RunRecord, live: LiveRun): string {
  if (record.imported) {
    const files = record.imported.files.length;
    return `imported from ${files} .h5 file${files === 1 ? '' : 's'}`;
  }
  if (live && live.runId === record.id && isRunActive(live)) {
    return live.status === 'paused' ? 'paused' : 'training now';
  }
  switch (record.status) {
    case 'training':
    case 'paused':
      // Saved as running, yet no worker here trains it: the page was closed or reloaded.
      return 'interrupted';
    case 'error':
      return 'stopped by an error';
    default:
      return record.status;
  }
}

/** The runs saved in this browser, what they take, and what can be done with them. */
export function RunList() {
  const { history, savedRuns } = useLab();
  const runs = useLabState((s) => s.history.runs);
  const orderedRuns = useOrderedRuns(runs);
  const viewRunId = useLabState((s) => s.history.viewRunId);
  // The run's id and status only: the rest of it (its step, its speed) changes at every
  // progress report, and the list would redraw every row with it.
  const liveRunId = useLabState((s) => s.run?.runId ?? null);
  const liveStatus = useLabState((s) => s.run?.status ?? null);
  const live: LiveRun = useMemo(() => (liveRunId && liveStatus ? { runId: liveRunId, status: liveStatus } : null), [liveRunId, liveStatus]);
  const workerReady = useLabState((s) => s.worker.status === 'ready');
  const datasets = useLabState((s) => s.datasets.list);
  const storage = useLabState((s) => s.history.storage);
  const problem = useLabState((s) => s.history.storageProblem);
  const busy = useLabState((s) => s.history.busy);
  const keepFullStates = useLabState((s) => s.history.keepFullStates);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [extendTo, setExtendTo] = useState<Record<string, string>>({});
  const anyActive = isRunActive(live);
  const trainingElsewhere = useBusyRuns();

  return (
    <section className="panel runs-panel" aria-labelledby="runs-title">
      <h2 id="runs-title" className="panel-title">
        Saved runs
      </h2>
      <p className="hint">
        Runs are kept in this browser (IndexedDB): every epoch's grid, the generator at
        checkpoints, and the full training state of the latest epoch, so Resume continues exactly
        where a run stopped, even after a reload.
      </p>
      <label className="keep-states">
        <input
          type="checkbox"
          data-testid="keep-full-states"
          checked={keepFullStates}
          disabled={anyActive}
          onChange={(event) => savedRuns.setKeepFullStates(event.target.checked)}
        />
        Keep the full training state at every checkpoint, not just the latest (for the seed
        preset about 35 MB more per checkpoint; lets you restart from any of them later).
      </label>
      <p className="storage-line" data-testid="storage-estimate">
        {storage
          ? `Storage: ${formatStorage(storage.usage)} used of ${formatStorage(storage.quota)} available` +
            (storage.persisted === null ? '' : storage.persisted ? ' · kept by the browser' : ' · may be evicted when disk is low')
          : 'Storage: —'}
      </p>
      {problem && (
        <div className="storage-problem" role="alert" data-testid="storage-problem">
          <p>{problem.message}</p>
          {problem.code === 'quota' && runs && runs.length > 0 && (
            <p>
              Pruning keeps every grid, the last generator and the resume point of a run and frees
              the rest.{' '}
              <button
                type="button"
                className="button"
                data-testid="prune-all"
                disabled={busy !== null}
                onClick={() => void savedRuns.pruneAll()}
              >
                Prune every run
              </button>
            </p>
          )}
        </div>
      )}
      {busy && <p className="muted">{busy}</p>}
      <RunListTools />
      <div data-testid="run-list" className="run-list">
        {runs === null ? (
          <p className="muted">Reading saved runs…</p>
        ) : runs.length === 0 ? (
          <p className="muted">No saved runs yet.</p>
        ) : (
          <table className="run-table">
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Compare</span>
                </th>
                <th scope="col">Run</th>
                <th scope="col">Epochs</th>
                <th scope="col">Checkpoints</th>
                <th scope="col">Size</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(orderedRuns ?? runs).map((run) => {
                const isLive = anyActive && live?.runId === run.id;
                const done = run.epochs.at(-1)?.epoch ?? 0;
                const checkpoints = checkpointEpochs(run).length;
                const completed = run.status === 'completed';
                // Generators only (no discriminator, no optimizer state): nothing to train on from.
                const imported = run.imported !== undefined;
                // Another tab trains it (holds its lock): shown here read-only.
                const elsewhere = trainingElsewhere.has(run.id) && !isLive;
                const canResume = workerReady && !anyActive && run.latest !== null && !elsewhere;
                const extendText = extendTo[run.id] ?? String(run.config.epochs + Math.max(1, Math.min(run.config.checkpointEvery, run.config.epochs)));
                const extendValue = Number(extendText);
                const extendValid = Number.isInteger(extendValue) && extendValue > run.config.epochs;
                return (
                  <tr
                    key={run.id}
                    data-testid="run-row"
                    data-run-id={run.id}
                    data-epochs={done}
                    data-checkpoints={checkpoints}
                    data-busy={elsewhere || undefined}
                    aria-current={run.id === viewRunId || undefined}
                    className={run.id === viewRunId ? 'viewed' : undefined}
                  >
                    <td>
                      <RunCompareBox run={run} />
                    </td>
                    <td>
                      <button type="button" className="link-button" data-testid="run-view" onClick={() => history.viewRun(run.id)} title="Show this run in the history panels.">
                        {run.name}
                      </button>
                      <div className="muted small">
                        {new Date(run.createdAt).toLocaleString()} ·{' '}
                        <span data-testid="run-recipe">{recipeLabel(run)}</span> · on{' '}
                        <span data-testid="run-dataset">{datasetLabel(datasets, run.config.dataset)}</span>
                      </div>
                      <RunNameEditor run={run} />
                    </td>
                    <td className="counter" data-testid="run-epochs">
                      {done} / {run.config.epochs}
                    </td>
                    <td className="counter" data-testid="run-checkpoints">
                      {checkpoints}
                    </td>
                    <td className="counter">{formatStorage(runBytes(run))}</td>
                    <td
                      data-testid="run-status"
                      title={
                        elsewhere
                          ? 'Another tab of this browser is training this run; here it is read-only.'
                          : imported
                            ? `Made from ${run.imported!.files.join(', ')}: generators only, without a discriminator or optimizer state, so it cannot resume or train on. Sample from it, compare it or export it.`
                            : undefined
                      }
                    >
                      {elsewhere ? 'training in another tab' : statusOf(run, live)}
                    </td>
                    <td className="run-actions">
                      {imported ? null : completed && !isLive ? (
                        <span className="extend">
                          <label>
                            <span className="visually-hidden">Train on to epoch</span>
                            <input
                              className="input narrow"
                              data-testid="run-extend-epochs"
                              inputMode="numeric"
                              value={extendText}
                              aria-invalid={!extendValid || undefined}
                              onChange={(event) => setExtendTo({ ...extendTo, [run.id]: event.target.value })}
                              title="Train this finished run on to this many epochs."
                            />
                          </label>
                          <button
                            type="button"
                            className="button"
                            data-testid="run-resume"
                            disabled={!canResume || !extendValid}
                            onClick={() => void savedRuns.resumeRun(run.id, extendValue)}
                            title="Continue training from the last epoch up to the number of epochs given."
                          >
                            Train on
                          </button>
                        </span>
                      ) : (
                        !isLive && (
                          <button
                            type="button"
                            className="button"
                            data-testid="run-resume"
                            disabled={!canResume}
                            onClick={() => void savedRuns.resumeRun(run.id)}
                            title={run.latest ? `Continue exactly from step ${run.latest.step}.` : 'Nothing saved to resume from yet.'}
                          >
                            Resume
                          </button>
                        )
                      )}
                      <button
                        type="button"
                        className="button"
                        data-testid="run-prune"
                        disabled={busy !== null || checkpoints < 2 || elsewhere}
                        onClick={() => void savedRuns.pruneRun(run.id)}
                        title="Keep every grid, the last generator and the resume point; free the other checkpoints."
                      >
                        Prune
                      </button>
                      {confirmDelete === run.id ? (
                        <button
                          type="button"
                          className="button danger"
                          data-testid="run-delete-confirm"
                          onClick={() => {
                            setConfirmDelete(null);
                            void savedRuns.deleteRun(run.id);
                          }}
                          onBlur={() => setConfirmDelete(null)}
                        >
                          Really delete?
                        </button>
                      ) : (
                        <button
                          type="button"
                          className="button"
                          data-testid="run-delete"
                          disabled={isLive || busy !== null || elsewhere}
                          onClick={() => setConfirmDelete(run.id)}
                        >
                          Delete
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
