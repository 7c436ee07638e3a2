import { describe, expect, it } from 'vitest';
import { DIGIT_PIXELS } from '../../core/digits';
import type { LossPoint } from '../../worker/protocol';
import type { RunEvent } from '../shared/labEvents';
import { beginRun, createTestLab, manualFrames } from '../../testing/testLab';
import { MAX_CHART_POINTS } from './liveFeed';

function setup(search = '') {
  const frames = manualFrames();
  const { lab, store } = createTestLab(search, { schedule: frames.schedule });
  return { store, live: lab.live, runFrame: frames.runFrame };
}

function progress(runId: string, step: number): RunEvent {
  return { type: 'progress', runId, step, epoch: 1, stepsPerSecond: 3, elapsedMs: 1, tensors: 10, bytes: 1000 };
}

function points(from: number, count: number): LossPoint[] {
  return Array.from({ length: count }, (_, i) => ({ step: from + i, dLoss: 1, gLoss: 2, dReal: 0.6, dFake: 0.4 }));
}

describe('live feed', () => {
  it('keeps losses in the buffer and gives the chart stable, downsampled points', () => {
    const { store, live, runFrame } = setup();
    beginRun(store, 'r1');
    store.dispatch({ type: 'losses', runId: 'r1', points: points(0, 2000) });
    store.dispatch({ type: 'losses', runId: 'r1', points: points(2000, 2000) });
    runFrame();
    const chart = live.chart();
    expect(live.losses.length).toBe(4000);
    expect(chart.length).toBeGreaterThan(0);
    expect(chart.length).toBeLessThanOrEqual(MAX_CHART_POINTS);

    store.dispatch(progress('r1', 4000));
    runFrame();
    expect(live.chart()).toBe(chart);

    beginRun(store, 'r2');
    expect(live.losses.length).toBe(0);
    expect(live.chart()).toEqual([]);
  });

  it('holds grid pixels outside the state and refuses a grid of the wrong size', () => {
    const { store, live, runFrame } = setup();
    beginRun(store, 'r1');
    const pixels = new Uint8ClampedArray(100 * DIGIT_PIXELS).fill(7);
    store.dispatch({ type: 'grid', runId: 'r1', epoch: 1, step: 4, pixels, rows: 10, cols: 10 });
    runFrame();
    const grid = store.getSnapshot().live.grid;
    expect(grid).toMatchObject({ epoch: 1, step: 4, rows: 10, cols: 10 });
    expect(grid).not.toHaveProperty('pixels');
    expect(live.gridPixels()?.version).toBe(grid!.version);
    expect(live.gridPixels()?.pixels).toBe(pixels);

    const short = new Uint8ClampedArray(5);
    const badGrid = { runId: 'r1', epoch: 2, step: 8, pixels: short, rows: 10, cols: 10 };
    store.dispatch({ type: 'grid', ...badGrid });
    runFrame();
    expect(store.getSnapshot().live.grid?.epoch).toBe(1);
    expect(store.getSnapshot().messages.errors.at(-1)?.message).toMatch(/grid of 5 bytes/);
  });

  it('shows a saved run’s losses only while no run trains', () => {
    const { store, live } = setup();
    live.showLosses('saved', points(0, 3));
    expect(live.losses.length).toBe(3);
    expect(store.getState().live.chartRunId).toBe('saved');
    beginRun(store, 'r1');
    live.showLosses('saved', points(0, 5));
    expect(live.losses.length).toBe(0);
    expect(store.getState().live.chartRunId).toBe('r1');
  });
});
