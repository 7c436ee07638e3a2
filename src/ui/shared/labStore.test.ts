import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config';
import { beginRun, createTestLab, manualFrames } from '../../testing/testLab';
import type { RunEvent } from './labEvents';

function setup(search = '') {
  const frames = manualFrames();
  const { store } = createTestLab(search, { schedule: frames.schedule });
  return { store, runFrame: frames.runFrame, pending: frames.pending };
}

const config = { ...DEFAULT_CONFIG, epochs: 2, stepsPerEpoch: 4 };

function progress(runId: string, step: number): RunEvent {
  return { type: 'progress', runId, step, epoch: 1, stepsPerSecond: 3, elapsedMs: 1, tensors: 10, bytes: 1000 };
}

describe('lab store', () => {
  it('publishes a burst of worker events once per frame', () => {
    const { store, runFrame, pending } = setup();
    beginRun(store, 'r1');
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

  it('hands an event to the slices first, then to the listeners of its type', () => {
    const { store } = setup();
    beginRun(store, 'r1');
    const heard: string[] = [];
    const stop = store.on('paused', (event) => heard.push(`${event.step}: ${store.getState().run?.status}`));
    store.on('resumed', () => heard.push('resumed'));
    store.dispatch({ type: 'started', runId: 'r1', backend: 'cpu', backendDetail: 'test', totalSteps: 8, config });
    store.dispatch({ type: 'paused', runId: 'r1', step: 3 });
    stop();
    store.dispatch({ type: 'paused', runId: 'r1', step: 4 });
    expect(heard).toEqual(['3: paused']);
  });

  it('publishes urgent events with their listeners’ updates at once', () => {
    const { store, pending } = setup();
    store.on('run-begun', () => store.update('history', (h) => ({ ...h, busy: 'listening' })));
    beginRun(store, 'r1');
    expect(pending).toHaveLength(0);
    expect(store.getSnapshot().run?.runId).toBe('r1');
    expect(store.getSnapshot().history.busy).toBe('listening');
  });

  it('keeps the state when an update leaves its slice as it was', () => {
    const { store } = setup();
    const before = store.getState();
    store.update('history', (h) => h);
    expect(store.getState()).toBe(before);
  });
});
