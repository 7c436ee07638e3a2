/**
 * The runs saved in this browser: reads them, keeps their records current as the worker saves
 * epochs, resumes, deletes and prunes them, and keeps an eye on how full the site's storage is.
 * The worker writes; the page only reads, deletes and prunes.
 */
import { describeError } from '../../core/errors';
import type { RunRecord } from '../../storage/records';
import type { RunRepository } from '../../storage/runRepository';
import type { LabStore } from '../shared/labStore';
import { isRunActive } from '../run/runState';
import type { WorkerClient } from '../run/workerClient';
import { type HistoryState, runUpdated, runsLoaded } from './historyState';
import type { HistoryView } from './historyView';

export type RunReader = Pick<RunRepository, 'listRuns' | 'getRun' | 'getLosses' | 'deleteRun' | 'pruneRun'>;

export interface BrowserStorage {
  estimate(): Promise<{ usage: number; quota: number } | null>;
  persist(): Promise<boolean | null>;
  persisted(): Promise<boolean | null>;
}

export interface SavedRunsEnvironment {
  repository: RunReader;
  storage: BrowserStorage;
}

export const browserStorage: BrowserStorage = {
  async estimate() {
    const estimate = await navigator.storage?.estimate?.();
    return estimate ? { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 } : null;
  },
  persist: async () => (await navigator.storage?.persist?.()) ?? null,
  persisted: async () => (await navigator.storage?.persisted?.()) ?? null,
};

export interface SavedRuns {
  /** Reads every saved run again, with the viewed run's grids and the storage estimate. */
  refresh(): Promise<void>;
  /** Continues a saved run; `epochs` extends a finished one. */
  resumeRun(runId: string, epochs?: number): Promise<void>;
  deleteRun(runId: string): Promise<void>;
  pruneRun(runId: string): Promise<void>;
  /** Prunes every saved run (the offer made when storage is full). */
  pruneAll(): Promise<void>;
  setKeepFullStates(keep: boolean): void;
  dispose(): void;
}

/** Storage estimates are cheap but not free: at most one per interval while a run saves. */
const ESTIMATE_INTERVAL_MS = 5000;

export function createSavedRuns(
  store: LabStore,
  client: WorkerClient,
  view: HistoryView,
  env: SavedRunsEnvironment,
): SavedRuns {
  const { repository, storage } = env;
  let lastEstimate = 0;
  let persistenceAsked = false;

  const history = () => store.getState().history;
  const setHistory = (change: (h: HistoryState) => HistoryState, urgent = false) =>
    store.update('history', change, { urgent });

  async function refreshEstimate(force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - lastEstimate < ESTIMATE_INTERVAL_MS) return;
    lastEstimate = now;
    const [estimate, persisted] = await Promise.all([
      storage.estimate().catch(() => null),
      storage.persisted().catch(() => null),
    ]);
    if (estimate) setHistory((h) => ({ ...h, storage: { ...estimate, persisted } }));
  }

  async function refresh(): Promise<void> {
    try {
      const runs = await repository.listRuns();
      setHistory((h) => runsLoaded(h, runs));
      await view.loadGrids();
      view.showViewedLosses();
    } catch (error) {
      setHistory((h) => ({
        ...h,
        runs: h.runs ?? [],
        storageProblem: { code: 'failed', message: `Saved runs could not be read: ${describeError(error)}` },
      }));
    }
    await refreshEstimate(true);
  }

  async function refreshRun(runId: string): Promise<RunRecord | undefined> {
    const run = await repository.getRun(runId);
    if (run) setHistory((h) => runUpdated(h, run));
    return run;
  }

  const unsubscribe = [
    store.on('started', ({ runId }) => {
      if (!persistenceAsked) {
        persistenceAsked = true;
        // Asked from the page (workers cannot): keeps the browser from evicting saved runs.
        void storage.persist().catch(() => null).then(() => refreshEstimate(true));
      }
      void refreshRun(runId).then(() => {
        if (history().viewRunId !== runId) view.viewRun(runId);
      });
    }),
    store.on('checkpoint-saved', ({ runId }) => {
      void refreshRun(runId).then(() => {
        if (runId === history().viewRunId) void view.loadGrids();
      });
      void refreshEstimate();
    }),
    store.on('paused', ({ runId }) => {
      void refreshRun(runId);
      void refreshEstimate(true);
    }),
    store.on('stopped', ({ runId }) => {
      void refreshRun(runId);
      void refreshEstimate(true);
    }),
    store.on('run-imported', ({ run }) => {
      void refresh().then(() => view.viewRun(run.runId));
    }),
    // An imported run's epoch was measured after its import: its record now holds the metrics.
    store.on('run-measured', ({ runId }) => void refreshRun(runId)),
    // The problem itself is in the state (historyState.ts); the numbers may have moved.
    store.on('storage-error', () => void refreshEstimate(true)),
  ];

  const savedRuns: SavedRuns = {
    refresh,
    async resumeRun(runId, epochs) {
      const state = store.getState();
      if (isRunActive(state.run) || state.worker.status === 'starting') return;
      const run = await repository.getRun(runId);
      // An imported run holds generators only; the run list offers it no Resume.
      if (!run?.latest || run.imported) return;
      const losses = await repository.getLosses(run);
      const backend = store.getState().form.config.backend;
      const config = { ...run.config, epochs: epochs ?? run.config.epochs, backend };
      store.dispatch({ type: 'run-begun', runId, config, step: run.latest.step, losses }, { urgent: true });
      view.viewRun(runId);
      client.send({ type: 'resume-run', runId, epochs, backend });
    },
    async deleteRun(runId) {
      const state = store.getState();
      if (isRunActive(state.run) && state.run?.runId === runId) return;
      setHistory((h) => ({ ...h, busy: 'Deleting the run…' }), true);
      try {
        await repository.deleteRun(runId);
      } finally {
        setHistory((h) => ({ ...h, busy: null }));
      }
      await refresh();
    },
    async pruneRun(runId) {
      setHistory((h) => ({ ...h, busy: 'Pruning checkpoints…' }), true);
      try {
        await repository.pruneRun(runId);
      } finally {
        setHistory((h) => ({ ...h, busy: null, storageProblem: null }));
      }
      await refresh();
    },
    async pruneAll() {
      for (const run of history().runs ?? []) await savedRuns.pruneRun(run.id);
    },
    setKeepFullStates(keep) {
      setHistory((h) => ({ ...h, keepFullStates: keep }), true);
    },
    dispose() {
      for (const stop of unsubscribe) stop();
    },
  };
  return savedRuns;
}
