/**
 * Looking through a saved run: which run the history panels show, scrubbing and playing its
 * epochs, the two compared epochs, and its grids, read from IndexedDB into a buffer outside
 * React state. With no run training, the loss chart shows the viewed run's saved losses.
 */
import type { RunRepository } from '../../storage/runRepository';
import type { LabStore } from '../shared/labStore';
import type { LiveFeed } from '../run/liveFeed';
import { isRunActive } from '../run/runState';
import { type HistoryState, epochAt, epochSelected, viewChanged, viewedRun } from './historyState';

export type GridReader = Pick<RunRepository, 'getGrids' | 'getLosses'>;

export interface HistoryView {
  /** The viewed run's grid of `epoch`, once loaded. */
  gridPixels(epoch: number | null): Uint8ClampedArray | undefined;
  /** Reads the viewed run's grids that are not in the buffer yet. */
  loadGrids(): Promise<void>;
  /** With no run active, shows the viewed run's saved losses in the chart. */
  showViewedLosses(): void;
  viewRun(runId: string): void;
  selectEpoch(epoch: number): void;
  /** Moves the selection by `delta` saved epochs (±Infinity: first or last). */
  stepEpoch(delta: number): void;
  togglePlay(): void;
  setCompare(slot: 0 | 1, epoch: number): void;
  dispose(): void;
}

/** Time each epoch shows while the history plays. */
const PLAY_INTERVAL_MS = 300;

export function createHistoryView(store: LabStore, live: LiveFeed, repository: GridReader): HistoryView {
  let grids: { runId: string | null; byEpoch: Map<number, Uint8ClampedArray> } = {
    runId: null,
    byEpoch: new Map(),
  };
  let playTimer: ReturnType<typeof setInterval> | null = null;

  const history = () => store.getState().history;
  const setHistory = (change: (h: HistoryState) => HistoryState, urgent = false) =>
    store.update('history', change, { urgent });

  async function loadGrids(): Promise<void> {
    const run = viewedRun(history());
    if (!run) return;
    if (grids.runId !== run.id) grids = { runId: run.id, byEpoch: new Map() };
    const target = grids;
    const missing = run.epochs.map((e) => e.epoch).filter((epoch) => !target.byEpoch.has(epoch));
    if (missing.length === 0) return;
    const loaded = await repository.getGrids(run.id, missing);
    if (grids !== target) return;
    missing.forEach((epoch, i) => {
      const pixels = loaded[i];
      if (pixels) target.byEpoch.set(epoch, pixels);
    });
    setHistory((h) => ({ ...h, gridsVersion: h.gridsVersion + 1 }));
  }

  function showViewedLosses(): void {
    const state = store.getState();
    const run = viewedRun(state.history);
    if (!run || isRunActive(state.run) || state.live.chartRunId === run.id) return;
    void repository.getLosses(run).then((points) => {
      if (history().viewRunId === run.id) live.showLosses(run.id, points);
    });
  }

  function stopPlaying(): void {
    if (playTimer !== null) clearInterval(playTimer);
    playTimer = null;
  }

  const view: HistoryView = {
    gridPixels: (epoch) =>
      epoch === null || grids.runId !== history().viewRunId ? undefined : grids.byEpoch.get(epoch),
    loadGrids,
    showViewedLosses,
    viewRun(runId) {
      stopPlaying();
      setHistory((h) => viewChanged(h, runId), true);
      void loadGrids();
      showViewedLosses();
    },
    selectEpoch(epoch) {
      stopPlaying();
      setHistory((h) => epochSelected(h, epoch), true);
    },
    stepEpoch(delta) {
      const h = history();
      const run = viewedRun(h);
      if (!run) return;
      view.selectEpoch(epochAt(run.epochs, h.selectedEpoch, delta)!);
    },
    togglePlay() {
      if (playTimer !== null) {
        stopPlaying();
        setHistory((h) => ({ ...h, playing: false }), true);
        return;
      }
      const epochs = viewedRun(history())?.epochs ?? [];
      if (epochs.length < 2) return;
      // From the start when the last epoch is showing.
      if (history().selectedEpoch === epochs.at(-1)?.epoch) {
        setHistory((h) => epochSelected(h, epochs[0].epoch, false));
      }
      setHistory((h) => ({ ...h, playing: true }), true);
      playTimer = setInterval(() => {
        const h = history();
        const list = viewedRun(h)?.epochs ?? [];
        const next = epochAt(list, h.selectedEpoch, 1);
        setHistory((s) => epochSelected(s, next, false));
        if (next === list.at(-1)?.epoch) {
          stopPlaying();
          setHistory((s) => ({ ...s, playing: false }));
        }
      }, PLAY_INTERVAL_MS);
    },
    setCompare(slot, epoch) {
      setHistory((h) => {
        const compare: [number | null, number | null] = [...h.compare];
        compare[slot] = epoch;
        return { ...h, compare };
      }, true);
    },
    dispose: stopPlaying,
  };
  return view;
}
