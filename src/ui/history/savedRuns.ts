/**
 * The page's side of the history: reads saved runs and grids from IndexedDB, keeps the viewed
 * run's grids and the last samples in buffers outside React state, answers the worker's
 * history events, and carries out what the user asks (scrub, compare, sample, resume, delete,
 * prune, download). The worker writes; the page only reads, deletes and prunes.
 */
import type { RunRecord } from '../../storage/records';
import type { RunRepository } from '../../storage/runRepository';
import type { WorkerEvent } from '../../worker/protocol';
import { isRunActive } from '../shared/labState';
import type { LabStore } from '../shared/labStore';
import {
  type HistoryState,
  type SampleInfo,
  epochAt,
  epochSelected,
  runUpdated,
  runsLoaded,
  viewChanged,
  viewedRun,
} from './historyState';
import { encodeGridPng, encodeHistoryGif, gifFileName, pngFileName, saveFile } from './gridDownloads';
import type { WorkerClient } from '../run/workerClient';

export type HistoryReader = Pick<
  RunRepository,
  'listRuns' | 'getRun' | 'getGrids' | 'getLosses' | 'deleteRun' | 'pruneRun'
>;

export interface BrowserStorage {
  estimate(): Promise<{ usage: number; quota: number } | null>;
  persist(): Promise<boolean | null>;
  persisted(): Promise<boolean | null>;
}

export interface HistoryEnvironment {
  repository: HistoryReader;
  storage: BrowserStorage;
  saveFile(data: Blob, name: string): void;
}

export interface PixelBuffer {
  pixels: Uint8ClampedArray;
  rows: number;
  cols: number;
  version: number;
}

export interface HistoryController {
  /** The viewed run's grid of `epoch`, once loaded. */
  gridPixels(epoch: number | null): Uint8ClampedArray | undefined;
  samplePixels(kind: SampleInfo['kind']): PixelBuffer | null;
  refresh(): Promise<void>;
  viewRun(runId: string): void;
  selectEpoch(epoch: number): void;
  /** Moves the selection by `delta` saved epochs (±Infinity: first or last). */
  stepEpoch(delta: number): void;
  togglePlay(): void;
  setCompare(slot: 0 | 1, epoch: number): void;
  sample(epoch: number, seed: number, count: number): void;
  /** Samples from a generator imported from files; `name` labels the result. */
  sampleImported(importId: string, name: string, seed: number, count: number): void;
  interpolate(epoch: number, seedA: number, seedB: number, steps: number): void;
  /** Continues a saved run; `epochs` extends a finished one. */
  resumeRun(runId: string, epochs?: number): Promise<void>;
  deleteRun(runId: string): Promise<void>;
  pruneRun(runId: string): Promise<void>;
  /** Prunes every saved run (the offer made when storage is full). */
  pruneAll(): Promise<void>;
  setKeepFullStates(keep: boolean): void;
  downloadPng(epoch: number): Promise<void>;
  downloadGif(): Promise<void>;
  dispose(): void;
}

export const browserHistoryEnvironment = (repository: HistoryReader): HistoryEnvironment => ({
  repository,
  storage: {
    async estimate() {
      const estimate = await navigator.storage?.estimate?.();
      return estimate ? { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 } : null;
    },
    persist: async () => (await navigator.storage?.persist?.()) ?? null,
    persisted: async () => (await navigator.storage?.persisted?.()) ?? null,
  },
  saveFile,
});

/** Frames per second of the history animation. */
const PLAY_INTERVAL_MS = 300;
const ESTIMATE_INTERVAL_MS = 5000;

export function createHistoryController(
  store: LabStore,
  client: WorkerClient,
  env: HistoryEnvironment,
): HistoryController {
  const { repository } = env;
  let grids: { runId: string | null; byEpoch: Map<number, Uint8ClampedArray> } = {
    runId: null,
    byEpoch: new Map(),
  };
  const samples: Record<SampleInfo['kind'], PixelBuffer | null> = { sample: null, interpolate: null };
  let sampleVersion = 0;
  let playTimer: ReturnType<typeof setInterval> | null = null;
  let lastEstimate = 0;
  let persistenceAsked = false;

  const history = () => store.getState().history;
  const setHistory = (update: (h: HistoryState) => HistoryState, urgent = false) =>
    store.setState((s) => {
      const next = update(s.history);
      return next === s.history ? s : { ...s, history: next };
    }, { urgent });

  /** Loads the viewed run's grids that are not in the buffer yet. */
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

  async function refreshEstimate(force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - lastEstimate < ESTIMATE_INTERVAL_MS) return;
    lastEstimate = now;
    const [estimate, persisted] = await Promise.all([
      env.storage.estimate().catch(() => null),
      env.storage.persisted().catch(() => null),
    ]);
    if (estimate) setHistory((h) => ({ ...h, storage: { ...estimate, persisted } }));
  }

  async function refresh(): Promise<void> {
    try {
      const runs = await repository.listRuns();
      setHistory((h) => runsLoaded(h, runs));
      await loadGrids();
      showViewedLosses();
    } catch (error) {
      setHistory((h) => ({
        ...h,
        runs: h.runs ?? [],
        storageProblem: { code: 'failed', message: `Saved runs could not be read: ${describe(error)}` },
      }));
    }
    await refreshEstimate(true);
  }

  async function refreshRun(runId: string): Promise<RunRecord | undefined> {
    const run = await repository.getRun(runId);
    if (run) setHistory((h) => runUpdated(h, run));
    return run;
  }

  /** With no run active, the chart shows the viewed run's saved losses. */
  function showViewedLosses(): void {
    const state = store.getState();
    const run = viewedRun(state.history);
    if (!run || isRunActive(state.run) || state.history.chartRunId === run.id) return;
    void repository.getLosses(run).then((points) => {
      if (history().viewRunId === run.id) store.showLosses(run.id, points);
    });
  }

  function stopPlaying(): void {
    if (playTimer !== null) clearInterval(playTimer);
    playTimer = null;
  }

  function requestSample(kind: SampleInfo['kind'], info: Omit<SampleInfo, 'kind' | 'requestId' | 'status' | 'version'>, send: (requestId: number) => void): void {
    const requestId = client.nextRequestId();
    const previous = history()[kind === 'sample' ? 'sample' : 'interpolation'];
    const entry: SampleInfo = { ...info, kind, requestId, status: 'pending', version: previous?.version ?? 0 };
    setHistory((h) => (kind === 'sample' ? { ...h, sample: entry } : { ...h, interpolation: entry }), true);
    send(requestId);
  }

  function onEvent(event: WorkerEvent): void {
    switch (event.type) {
      case 'started':
        if (!persistenceAsked) {
          persistenceAsked = true;
          // Asked from the page (workers cannot): keeps the browser from evicting saved runs.
          void env.storage.persist().catch(() => null).then(() => refreshEstimate(true));
        }
        void refreshRun(event.runId).then(() => {
          if (history().viewRunId !== event.runId) controller.viewRun(event.runId);
        });
        return;
      case 'checkpoint-saved':
        void refreshRun(event.runId).then(() => {
          if (event.runId === history().viewRunId) void loadGrids();
        });
        void refreshEstimate();
        return;
      case 'paused':
      case 'stopped':
        void refreshRun(event.runId);
        void refreshEstimate(true);
        return;
      case 'storage-error': {
        const { code, message, usedBytes, quotaBytes } = event;
        setHistory((h) => ({ ...h, storageProblem: { code, message, usedBytes, quotaBytes } }), true);
        void refreshEstimate(true);
        return;
      }
      case 'sample-result': {
        const h = history();
        const kind = h.sample?.requestId === event.requestId ? 'sample' : h.interpolation?.requestId === event.requestId ? 'interpolate' : null;
        if (!kind) return;
        sampleVersion += 1;
        samples[kind] = { pixels: event.pixels, rows: event.rows, cols: event.cols, version: sampleVersion };
        const done = (info: SampleInfo | null) =>
          info && { ...info, status: 'done' as const, rows: event.rows, cols: event.cols, count: event.count, version: sampleVersion };
        setHistory((s) => (kind === 'sample' ? { ...s, sample: done(s.sample) } : { ...s, interpolation: done(s.interpolation) }));
        return;
      }
      case 'error': {
        const failed = (info: SampleInfo | null) =>
          info && info.requestId === event.requestId ? { ...info, status: 'error' as const, message: event.message } : info;
        if (event.requestId !== undefined) {
          setHistory((h) => {
            const sample = failed(h.sample);
            const interpolation = failed(h.interpolation);
            return sample === h.sample && interpolation === h.interpolation ? h : { ...h, sample, interpolation };
          });
        }
        return;
      }
      default:
        return;
    }
  }

  const unsubscribe = store.onEvent(onEvent);

  const controller: HistoryController = {
    gridPixels: (epoch) => (epoch === null || grids.runId !== history().viewRunId ? undefined : grids.byEpoch.get(epoch)),
    samplePixels: (kind) => samples[kind],
    refresh,
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
      controller.selectEpoch(epochAt(run.epochs, h.selectedEpoch, delta)!);
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
    sample(epoch, seed, count) {
      const runId = history().viewRunId;
      if (!runId) return;
      requestSample('sample', { runId, epoch, seeds: String(seed), rows: 0, cols: 0, count }, (requestId) =>
        client.send({ type: 'sample', requestId, runId, epoch, seed, count }),
      );
    },
    sampleImported(importId, name, seed, count) {
      const info = { runId: importId, epoch: 0, sourceName: name, seeds: String(seed), rows: 0, cols: 0, count };
      requestSample('sample', info, (requestId) =>
        client.send({ type: 'sample-imported', requestId, importId, seed, count }),
      );
    },
    interpolate(epoch, seedA, seedB, steps) {
      const runId = history().viewRunId;
      if (!runId) return;
      requestSample('interpolate', { runId, epoch, seeds: `${seedA} → ${seedB}`, rows: 1, cols: steps, count: steps }, (requestId) =>
        client.send({ type: 'interpolate', requestId, runId, epoch, seedA, seedB, steps }),
      );
    },
    async resumeRun(runId, epochs) {
      const state = store.getState();
      if (isRunActive(state.run) || state.worker.status === 'starting') return;
      const run = await repository.getRun(runId);
      if (!run?.latest) return;
      const losses = await repository.getLosses(run);
      const backend = store.getState().form.config.backend;
      const config = { ...run.config, epochs: epochs ?? run.config.epochs, backend };
      store.beginRun(runId, { config, step: run.latest.step, losses });
      controller.viewRun(runId);
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
      for (const run of history().runs ?? []) await controller.pruneRun(run.id);
    },
    setKeepFullStates(keep) {
      setHistory((h) => ({ ...h, keepFullStates: keep }), true);
    },
    async downloadPng(epoch) {
      const pixels = controller.gridPixels(epoch);
      if (!pixels) return;
      env.saveFile(await encodeGridPng(pixels, 10, 10), pngFileName(epoch));
    },
    async downloadGif() {
      const run = viewedRun(history());
      if (!run || run.epochs.length === 0) return;
      await loadGrids();
      const frames = run.epochs
        .map((e) => grids.byEpoch.get(e.epoch))
        .filter((p): p is Uint8ClampedArray => p !== undefined);
      const bytes = encodeHistoryGif(frames, 10, 10);
      const name = gifFileName(run.name, run.epochs[0].epoch, run.epochs.at(-1)!.epoch);
      env.saveFile(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/gif' }), name);
    },
    dispose() {
      stopPlaying();
      unsubscribe();
    },
  };
  return controller;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
