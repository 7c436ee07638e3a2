/**
 * The live grid and the loss curves. Grid pixels and loss points stay in buffers here, outside
 * React state; the state only carries the grid's epoch and version and a loss version number,
 * and the charts get bucket means of the loss buffer, computed once per change.
 */
import { DIGIT_PIXELS, gridBytes } from '../../core/digits';
import type { LossPoint } from '../../worker/protocol';
import { withError } from '../messages/messagesState';
import type { PixelBuffer } from '../shared/gridImage';
import type { Slice } from '../shared/labEvents';
import type { LabStore } from '../shared/labStore';
import { LossSeries, type ChartPoint } from './lossSeries';
import { isRunActive } from './runState';

/** Enough points for a chart a few hundred pixels wide; the chart library draws each at a cost. */
export const MAX_CHART_POINTS = 200;

/** The grid currently drawn; its pixels are in the feed's grid buffer. */
export interface GridInfo {
  runId: string;
  epoch: number;
  step: number;
  rows: number;
  cols: number;
  version: number;
}

export interface LiveState {
  grid: GridInfo | null;
  /** Bumped whenever the loss buffer changes. */
  lossVersion: number;
  /** The run whose losses the chart shows: the current run, or a saved one while none trains. */
  chartRunId: string | null;
}

/** Changed only by the feed below, which keeps it in step with its buffers. */
export const liveSlice: Slice<LiveState> = {
  initial: () => ({ grid: null, lossVersion: 0, chartRunId: null }),
  on: {},
};

export interface LiveFeed {
  readonly losses: LossSeries;
  /** The latest grid's pixels, or null before the first grid of the current run. */
  gridPixels(): PixelBuffer | null;
  /** The chart's points: the same array until the losses change. */
  chart(): ChartPoint[];
  /** Shows a saved run's losses in the chart while no run is active. */
  showLosses(runId: string, points: LossPoint[]): void;
  dispose(): void;
}

export function createLiveFeed(store: LabStore): LiveFeed {
  const losses = new LossSeries();
  let grid: PixelBuffer | null = null;
  let gridVersion = 0;
  let chart: { lossVersion: number; points: ChartPoint[] } = { lossVersion: 0, points: [] };

  const bumpLosses = (chartRunId?: string) =>
    store.update('live', (live) => ({
      ...live,
      lossVersion: live.lossVersion + 1,
      chartRunId: chartRunId ?? live.chartRunId,
    }));
  const isCurrent = (runId: string) => runId === store.getState().run?.runId;

  const unsubscribe = [
    store.on('run-begun', (event) => {
      losses.clear();
      losses.append(event.losses);
      grid = null;
      store.update('live', (live) => ({ grid: null, lossVersion: live.lossVersion + 1, chartRunId: event.runId }));
    }),
    store.on('losses', (event) => {
      if (!isCurrent(event.runId) || event.points.length === 0) return;
      losses.append(event.points);
      bumpLosses();
    }),
    store.on('grid', (event) => {
      if (!isCurrent(event.runId)) return;
      const { runId, epoch, step, rows, cols, pixels } = event;
      const expected = gridBytes(rows, cols);
      if (pixels.length !== expected) {
        const message =
          `The worker sent a ${rows}x${cols} grid of ${pixels.length} bytes; ` +
          `it needs ${expected} (${DIGIT_PIXELS} per digit), so it was not drawn.`;
        store.update('messages', (messages) => withError(messages, { source: 'run', code: 'protocol', message }));
        return;
      }
      gridVersion += 1;
      grid = { version: gridVersion, pixels, rows, cols };
      const info: GridInfo = { runId, epoch, step, rows, cols, version: gridVersion };
      store.update('live', (live) => ({ ...live, grid: info }));
    }),
  ];

  return {
    losses,
    gridPixels: () => grid,
    chart() {
      const { lossVersion } = store.getState().live;
      if (chart.lossVersion !== lossVersion) chart = { lossVersion, points: losses.downsample(MAX_CHART_POINTS) };
      return chart.points;
    },
    showLosses(runId, points) {
      if (isRunActive(store.getState().run)) return;
      losses.clear();
      losses.append(points);
      bumpLosses(runId);
    },
    dispose() {
      for (const stop of unsubscribe) stop();
    },
  };
}
