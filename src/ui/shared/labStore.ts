/**
 * The one store the page reads. Worker events go in through `dispatch`; the state is published
 * at most once per animation frame. Grid pixels and loss points stay in buffers here, outside
 * React state; the state only carries their version numbers, and the chart's downsampled points
 * are derived from the loss buffer when a frame is published.
 */
import type { ParsedConfig, RunConfig } from '../../core/config';
import type { LossPoint, WorkerEvent } from '../../worker/protocol';
import { createFrameStore, type FrameScheduler, type FrameStore } from './frameStore';
import { DIGIT_SIZE } from './gridImage';
import {
  initialLabState,
  isRunActive,
  protocolProblem,
  reduceEvent,
  runStarted,
  type LabState,
} from './labState';
import { LossSeries } from '../run/lossSeries';

/** Enough points for a chart a few hundred pixels wide. */
export const MAX_CHART_POINTS = 600;

export interface GridPixels {
  version: number;
  pixels: Uint8ClampedArray;
  rows: number;
  cols: number;
}

export interface LabStore extends FrameStore<LabState> {
  dispatch(event: WorkerEvent): void;
  /**
   * Starts a new run in the state and empties the loss and grid buffers. A resumed run passes
   * its config, the step it resumes from and its saved losses.
   */
  beginRun(runId: string, from?: { config: RunConfig; step: number; losses: LossPoint[] }): void;
  /** Shows a saved run's losses in the chart while no run is active. */
  showLosses(runId: string, points: LossPoint[]): void;
  /** Hears every worker event after the state has taken it in. */
  onEvent(listener: (event: WorkerEvent) => void): () => void;
  readonly losses: LossSeries;
  /** The latest grid's pixels, or null before the first grid of the current run. */
  gridPixels(): GridPixels | null;
}

export function createLabStore(parsed: ParsedConfig, schedule?: FrameScheduler): LabStore {
  const losses = new LossSeries();
  let grid: GridPixels | null = null;
  let gridVersion = 0;
  const eventListeners = new Set<(event: WorkerEvent) => void>();

  const store = createFrameStore<LabState>(initialLabState(parsed), {
    schedule,
    beforePublish(next, previous) {
      if (next.lossVersion === previous.lossVersion) return next;
      return { ...next, chart: losses.downsample(MAX_CHART_POINTS) };
    },
  });

  return {
    ...store,
    losses,
    gridPixels: () => grid,
    beginRun(runId, from) {
      losses.clear();
      if (from) losses.append(from.losses);
      grid = null;
      store.setState((s) => runStarted(s, runId, from), { urgent: true });
    },
    showLosses(runId, points) {
      if (isRunActive(store.getState().run)) return;
      losses.clear();
      losses.append(points);
      store.setState((s) => ({
        ...s,
        lossVersion: s.lossVersion + 1,
        history: { ...s.history, chartRunId: runId },
      }));
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    dispatch(event) {
      apply(event);
      for (const listener of eventListeners) listener(event);
    },
  };

  function apply(event: WorkerEvent): void {
    const current = store.getState().run?.runId;
    if (event.type === 'losses') {
      if (event.runId !== current || event.points.length === 0) return;
      losses.append(event.points);
      store.setState((s) => ({ ...s, lossVersion: s.lossVersion + 1 }));
      return;
    }
    if (event.type === 'grid') {
      if (event.runId !== current) return;
      const { runId, epoch, step, rows, cols, pixels } = event;
      const expected = rows * cols * DIGIT_SIZE * DIGIT_SIZE;
      if (pixels.length !== expected) {
        const message =
          `The worker sent a ${rows}x${cols} grid of ${pixels.length} bytes; ` +
          `it needs ${expected} (784 per digit), so it was not drawn.`;
        store.setState((s) => protocolProblem(s, message));
        return;
      }
      gridVersion += 1;
      grid = { version: gridVersion, pixels, rows, cols };
      const info = { runId, epoch, step, rows, cols, version: gridVersion };
      store.setState((s) => ({ ...s, grid: info }));
      return;
    }
    store.setState((s) => reduceEvent(s, event));
  }
}
