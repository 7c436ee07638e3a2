import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfigFromSearch } from '../../core/config';
import type { LossPoint, WorkerEvent } from '../../worker/protocol';
import type { FrameScheduler } from './frameStore';
import { initSent, requestSent, workerCrashed } from './labState';
import { MAX_CHART_POINTS, createLabStore } from './labStore';

function setup(search = '') {
  const pending: Array<() => void> = [];
  const schedule: FrameScheduler = (callback) => {
    pending.push(callback);
    return () => pending.splice(pending.indexOf(callback), 1);
  };
  const store = createLabStore(parseConfigFromSearch(search), schedule);
  const runFrame = () => pending.splice(0).forEach((callback) => callback());
  return { store, runFrame, pending };
}

const config = { ...DEFAULT_CONFIG, epochs: 2, stepsPerEpoch: 4 };

function progress(runId: string, step: number): WorkerEvent {
  return { type: 'progress', runId, step, epoch: 1, stepsPerSecond: 3, elapsedMs: 1, tensors: 10, bytes: 1000 };
}

function points(from: number, count: number): LossPoint[] {
  return Array.from({ length: count }, (_, i) => ({
    step: from + i,
    dLoss: 1,
    gLoss: 2,
    dReal: 0.6,
    dFake: 0.4,
  }));
}

describe('lab store', () => {
  it('shows every URL problem as an error', () => {
    const { store } = setup('?epochs=abc&colour=red');
    const messages = store.getSnapshot().errors.map((error) => error.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/epochs must be a number/);
    expect(messages[1]).toMatch(/Unknown setting "colour"/);
  });

  it('publishes a burst of worker events once per frame', () => {
    const { store, runFrame, pending } = setup();
    store.beginRun('r1');
    let renders = 0;
    store.subscribe(() => (renders += 1));
    store.dispatch({ type: 'started', runId: 'r1', backend: 'wasm', backendDetail: 'test', totalSteps: 8, config });
    for (let step = 1; step <= 5; step += 1) {
      store.dispatch(progress('r1', step));
    }
    expect(pending).toHaveLength(1);
    expect(renders).toBe(0);
    runFrame();
    expect(renders).toBe(1);
    expect(store.getSnapshot().run).toMatchObject({ status: 'running', step: 5, backend: 'wasm' });
  });

  it('keeps showing running until the worker confirms the pause', () => {
    const { store, runFrame } = setup();
    store.beginRun('r1');
    store.dispatch({ type: 'started', runId: 'r1', backend: 'cpu', backendDetail: 'test', totalSteps: 8, config });
    store.setState((s) => requestSent(s, 'pause'), { urgent: true });
    expect(store.getSnapshot().run?.status).toBe('running');
    store.dispatch({ type: 'paused', runId: 'r1', step: 3 });
    runFrame();
    expect(store.getSnapshot().run).toMatchObject({ status: 'paused', pending: null, step: 3 });
  });

  it('ignores events of other runs', () => {
    const { store, runFrame } = setup();
    store.beginRun('r2');
    const stale: WorkerEvent[] = [
      progress('r1', 99),
      { type: 'losses', runId: 'r1', points: points(0, 3) },
      { type: 'stopped', runId: 'r1', step: 99, reason: 'completed' },
    ];
    stale.forEach((event) => store.dispatch(event));
    runFrame();
    expect(store.getSnapshot().run).toMatchObject({ runId: 'r2', status: 'loading', step: 0 });
    expect(store.losses.length).toBe(0);
  });

  it('keeps losses in the buffer and gives the chart stable, downsampled points', () => {
    const { store, runFrame } = setup();
    store.beginRun('r1');
    store.dispatch({ type: 'losses', runId: 'r1', points: points(0, 2000) });
    store.dispatch({ type: 'losses', runId: 'r1', points: points(2000, 2000) });
    runFrame();
    const chart = store.getSnapshot().chart;
    expect(store.losses.length).toBe(4000);
    expect(chart.length).toBeGreaterThan(0);
    expect(chart.length).toBeLessThanOrEqual(MAX_CHART_POINTS);

    store.dispatch(progress('r1', 4000));
    runFrame();
    expect(store.getSnapshot().chart).toBe(chart);

    store.beginRun('r2');
    expect(store.losses.length).toBe(0);
    expect(store.getSnapshot().chart).toEqual([]);
  });

  it('holds grid pixels outside the state and refuses a grid of the wrong size', () => {
    const { store, runFrame } = setup();
    store.beginRun('r1');
    const pixels = new Uint8ClampedArray(100 * 784).fill(7);
    store.dispatch({ type: 'grid', runId: 'r1', epoch: 1, step: 4, pixels, rows: 10, cols: 10 });
    runFrame();
    const grid = store.getSnapshot().grid;
    expect(grid).toMatchObject({ epoch: 1, step: 4, rows: 10, cols: 10 });
    expect(grid).not.toHaveProperty('pixels');
    expect(store.gridPixels()?.version).toBe(grid!.version);
    expect(store.gridPixels()?.pixels).toBe(pixels);

    const short = new Uint8ClampedArray(5);
    const badGrid = { runId: 'r1', epoch: 2, step: 8, pixels: short, rows: 10, cols: 10 };
    store.dispatch({ type: 'grid', ...badGrid });
    runFrame();
    expect(store.getSnapshot().grid?.epoch).toBe(1);
    expect(store.getSnapshot().errors.at(-1)?.message).toMatch(/grid of 5 bytes/);
  });

  it('takes only the answer to the latest init and shows its notice', () => {
    const { store, runFrame } = setup('?backend=webgpu');
    store.setState((s) => initSent(s, 2), { urgent: true });
    store.dispatch({ type: 'ready', requestId: 1, backend: 'cpu', backendDetail: 'test', available: ['cpu'] });
    runFrame();
    expect(store.getSnapshot().worker.status).toBe('starting');

    store.dispatch({
      type: 'ready',
      requestId: 2,
      backend: 'webgl',
      backendDetail: 'test',
      available: ['webgl', 'wasm', 'cpu'],
      notice: 'webgpu failed: no adapter; running on webgl',
    });
    runFrame();
    const state = store.getSnapshot();
    expect(state.worker).toMatchObject({ status: 'ready', backend: 'webgl' });
    // webgpu is not offered here, so the choice follows the backend that took over.
    expect(state.form.config.backend).toBe('webgl');
    expect(state.notices.map((notice) => notice.message)).toEqual([
      'webgpu failed: no adapter; running on webgl',
    ]);
  });

  it('shows worker errors, and a new run clears them but not URL problems', () => {
    const { store, runFrame } = setup('?epochs=x');
    store.beginRun('r1');
    store.dispatch({ type: 'error', runId: 'r1', code: 'data', message: 'MNIST did not load.' });
    runFrame();
    expect(store.getSnapshot().errors.map((e) => e.message)).toHaveLength(2);
    store.beginRun('r2');
    expect(store.getSnapshot().errors.map((e) => e.source)).toEqual(['url']);
  });

  it('stops the run when the worker crashes', () => {
    const { store } = setup();
    store.beginRun('r1');
    store.setState((s) => workerCrashed(s, 'out of memory'), { urgent: true });
    const state = store.getSnapshot();
    expect(state.run).toMatchObject({ status: 'stopped', stopReason: 'error' });
    expect(state.worker.status).toBe('crashed');
    expect(state.errors.at(-1)).toMatchObject({
      message: 'The training worker crashed: out of memory Resume continues the run from its last checkpoint.',
      resumeRunId: 'r1',
    });
  });

  it('offers to resume a run a NaN loss paused, and not one another tab trains', () => {
    const { store } = setup();
    store.beginRun('r1');
    store.dispatch({ type: 'error', runId: 'r1', code: 'non-finite', message: 'Training paused by itself at step 3.' });
    store.dispatch({ type: 'error', runId: 'r1', code: 'busy', message: 'This run is training in another tab.' });
    const errors = store.getState().errors;
    expect(errors.map((e) => e.resumeRunId)).toEqual(['r1', undefined]);
  });
});
