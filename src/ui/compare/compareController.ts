/**
 * Comparing runs: keeps the chosen runs' loss points in buffers outside React (read from storage
 * once, then grown by the live `losses` events of a run still training), builds each run's
 * curves once per change, reads the grids of the epoch the slider shows, renames runs and sets
 * their notes, remembers the choice across reloads and writes the comparison's files.
 */
import { describeError } from '../../core/errors';
import type { LossPoint } from '../../core/lossPoint';
import type { RunRecord } from '../../storage/records';
import type { RunRepository } from '../../storage/runRepository';
import { runUpdated } from '../history/historyState';
import type { LiveFeed } from '../run/liveFeed';
import { LossSeries } from '../run/lossSeries';
import { isRunActive } from '../run/runState';
import type { LabStore } from '../shared/labStore';
import { compareCsv, compareJson } from './compareFiles';
import { type Axis, type RunSeries, lossCurves, qualityCurves } from './compareSeries';
import {
  type CompareState,
  comparedRuns,
  restoredSettings,
  selectionToggled,
  storedSettings,
} from './compareState';
import { type SortKey, compareRows, nextSort, sortRows } from './compareTable';
import type { RunOrder } from './runOrder';

export type CompareReader = Pick<RunRepository, 'getLosses' | 'getGrids' | 'describeRun'>;

/** Where the choice is kept across reloads: the browser's localStorage, or a map in tests. */
export type SettingsStorage = Pick<Storage, 'getItem' | 'setItem'>;

export interface CompareEnvironment {
  repository: CompareReader;
  settings?: SettingsStorage;
  saveFile(data: Blob, name: string): void;
}

export interface CompareController {
  /** Reads the losses of chosen runs not read yet (after the saved runs are read). */
  sync(): void;
  toggle(runId: string, on: boolean): void;
  open(): void;
  close(): void;
  setAxis(axis: Axis): void;
  setEpoch(epoch: number): void;
  sortTable(key: SortKey): void;
  setRunOrder(order: RunOrder): void;
  rename(runId: string, name: string, note: string): Promise<boolean>;
  /** A chosen run's curves; the same object until its points, record or the axis change. */
  series(run: RunRecord, axis: Axis): RunSeries;
  /** A chosen run's grid of `epoch`, once read. */
  gridPixels(runId: string, epoch: number): Uint8ClampedArray | undefined;
  loadGrids(epoch: number): Promise<void>;
  downloadCsv(): void;
  downloadJson(): void;
  dispose(): void;
}

const SETTINGS_KEY = 'mnist-gan-lab-compare';
/**
 * A training run's new points reach the charts at most this often: curves growing twice a
 * second look live, and each redraw is main-thread work taken from the rest of the page.
 */
const LIVE_REDRAW_MS = 500;
/** Stands in for a run whose points are not read yet. */
const NO_POINTS = new LossSeries(1);
/** Grids kept in memory: six runs' grids of a few epochs. */
const MAX_GRIDS = 36;

function memorySettings(): SettingsStorage {
  const map = new Map<string, string>();
  return { getItem: (key) => map.get(key) ?? null, setItem: (key, value) => void map.set(key, value) };
}

export function createCompareController(store: LabStore, live: LiveFeed, env: CompareEnvironment): CompareController {
  const { repository, saveFile } = env;
  const settings = env.settings ?? memorySettings();
  const buffers = new Map<string, LossSeries>();
  const loading = new Set<string>();
  const cache = new Map<string, { lossKey: string; qualityKey: string; series: RunSeries }>();
  const grids = new Map<string, Uint8ClampedArray>();

  const state = () => store.getState().compare;
  const runs = () => comparedRuns(state().selected, store.getState().history.runs);
  const setCompare = (change: (c: CompareState) => CompareState, keep = true) => {
    store.update('compare', change, { urgent: true });
    if (!keep) return;
    try {
      settings.setItem(SETTINGS_KEY, JSON.stringify(storedSettings(state())));
    } catch {
      // Private windows may refuse storage: the choice then lasts until the page closes.
    }
  };
  const bumpLosses = () => store.update('compare', (c) => ({ ...c, lossVersion: c.lossVersion + 1 }));
  // Live points: the first change is published at once, later ones wait out LIVE_REDRAW_MS.
  let liveTimer: ReturnType<typeof setTimeout> | null = null;
  let lastLiveBump = -Infinity;
  const bumpLive = () => {
    if (liveTimer !== null) return;
    const wait = lastLiveBump + LIVE_REDRAW_MS - Date.now();
    const bump = () => {
      liveTimer = null;
      lastLiveBump = Date.now();
      bumpLosses();
    };
    if (wait <= 0) bump();
    else liveTimer = setTimeout(bump, wait);
  };
  const failed = (what: string, error: unknown) =>
    setCompare((c) => ({ ...c, problem: `${what}: ${describeError(error)}` }), false);

  let restored = restoredSettings(null);
  try {
    restored = restoredSettings(settings.getItem(SETTINGS_KEY));
  } catch {
    // As above: no stored choice.
  }
  store.update('compare', (c) => ({ ...c, ...restored }));

  /** Reads the losses of chosen runs not buffered yet; the current run's come from the live feed. */
  function sync(): void {
    const { open } = state();
    if (!open) return;
    const lab = store.getState();
    // The run training now: the live feed has every point, also those not saved yet.
    const current = isRunActive(lab.run) && lab.live.chartRunId === lab.run?.runId ? lab.run?.runId : null;
    for (const run of runs()) {
      if (buffers.has(run.id) || loading.has(run.id)) continue;
      if (run.id === current) {
        const series = new LossSeries(live.losses.length);
        const points: LossPoint[] = [];
        for (let i = 0; i < live.losses.length; i++) points.push(live.losses.at(i));
        series.append(points);
        buffers.set(run.id, series);
        bumpLosses();
        continue;
      }
      loading.add(run.id);
      repository
        .getLosses(run)
        .then((points) => {
          const series = new LossSeries(points.length);
          series.append(points);
          buffers.set(run.id, series);
          // Each run's curves are built as its points arrive, in a task of their own, rather
          // than all six in the render that draws them.
          controller.series(run, state().axis);
          bumpLosses();
        })
        .catch((error) => failed(`The losses of "${run.name}" could not be read`, error))
        .finally(() => loading.delete(run.id));
    }
  }

  const unsubscribe = [
    // A chosen run may appear later (read again, or started here): checked once per published frame.
    store.subscribe(sync),
    store.on('losses', ({ runId, points }) => {
      const series = buffers.get(runId);
      if (!series || points.length === 0) return;
      const last = series.length === 0 ? -Infinity : series.at(series.length - 1).step;
      const fresh = points.filter((p) => p.step > last);
      if (fresh.length === 0) return;
      series.append(fresh);
      bumpLive();
    }),
  ];

  function allPoints(runId: string): LossPoint[] {
    const series = buffers.get(runId);
    const points: LossPoint[] = [];
    if (series) for (let i = 0; i < series.length; i++) points.push(series.at(i));
    return points;
  }

  function stamp(): string {
    return new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  }

  const controller: CompareController = {
    sync,
    toggle(runId, on) {
      const known = store.getState().history.runs;
      setCompare((c) => {
        const existing = known ? c.selected.filter((id) => known.some((run) => run.id === id)) : c.selected;
        return { ...c, selected: selectionToggled(existing, runId, on) };
      });
      sync();
    },
    open() {
      if (runs().length < 2) return;
      setCompare((c) => ({ ...c, open: true, problem: null }));
      sync();
    },
    close() {
      setCompare((c) => ({ ...c, open: false }));
    },
    setAxis(axis) {
      setCompare((c) => ({ ...c, axis }));
    },
    setEpoch(epoch) {
      setCompare((c) => ({ ...c, epoch }), false);
      void controller.loadGrids(epoch);
    },
    sortTable(key) {
      setCompare((c) => ({ ...c, tableSort: nextSort(c.tableSort, key) }));
    },
    setRunOrder(order) {
      setCompare((c) => ({ ...c, runOrder: order }));
    },
    async rename(runId, name, note) {
      try {
        const run = await repository.describeRun(runId, { name, note });
        store.update('history', (h) => runUpdated(h, run), { urgent: true });
        return true;
      } catch (error) {
        failed('The run could not be renamed', error);
        return false;
      }
    },
    series(run, axis) {
      const points = buffers.get(run.id) ?? NO_POINTS;
      const lossKey = `${points.length}/${run.updatedAt}/${axis}`;
      const qualityKey = `${run.updatedAt}/${run.epochs.length}/${axis}`;
      const cached = cache.get(run.id);
      if (cached?.lossKey === lossKey && cached.qualityKey === qualityKey) return cached.series;
      // Built whole, at full resolution, for the one run that changed (a few ms for 25,600
      // points); the charts thin each curve to their width when they draw it. The quality
      // curves keep their identity while only the losses grow, so their charts are not redrawn.
      const series: RunSeries = {
        ...(cached?.lossKey === lossKey ? cached.series : lossCurves(run, points, axis)),
        quality: cached?.qualityKey === qualityKey ? cached.series.quality : qualityCurves(run, axis),
      };
      cache.set(run.id, { lossKey, qualityKey, series });
      return series;
    },
    gridPixels: (runId, epoch) => grids.get(`${runId}/${epoch}`),
    async loadGrids(epoch) {
      const wanted = runs().filter((run) => run.epochs.some((e) => e.epoch === epoch) && !grids.has(`${run.id}/${epoch}`));
      if (wanted.length === 0) return;
      try {
        const loaded = await Promise.all(wanted.map((run) => repository.getGrids(run.id, [epoch])));
        wanted.forEach((run, i) => {
          const pixels = loaded[i][0];
          if (pixels) grids.set(`${run.id}/${epoch}`, pixels);
        });
        // Oldest first out: a Map iterates in insertion order.
        for (const key of grids.keys()) {
          if (grids.size <= MAX_GRIDS) break;
          grids.delete(key);
        }
        store.update('compare', (c) => ({ ...c, gridsVersion: c.gridsVersion + 1 }));
      } catch (error) {
        failed(`The grids of epoch ${epoch} could not be read`, error);
      }
    },
    downloadCsv() {
      const csv = compareCsv(runs().map((run) => ({ run, points: allPoints(run.id) })));
      saveFile(new Blob([csv], { type: 'text/csv' }), `gan-lab-comparison-${stamp()}.csv`);
    },
    downloadJson() {
      const compared = runs();
      const { fields, rows } = compareRows(compared);
      const json = compareJson(compared, fields, sortRows(rows, state().tableSort));
      saveFile(new Blob([json], { type: 'application/json' }), `gan-lab-comparison-${stamp()}.json`);
    },
    dispose() {
      for (const stop of unsubscribe) stop();
      if (liveTimer !== null) clearTimeout(liveTimer);
    },
  };
  return controller;
}
