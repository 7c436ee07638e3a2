import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config';
import type { LossPoint } from '../../worker/protocol';
import type { RunEvent } from '../shared/labEvents';
import { beginRun, createTestLab, manualFrames } from '../../testing/testLab';
import { requestSent } from './runState';

function setup(search = '') {
  const frames = manualFrames();
  const { lab, store } = createTestLab(search, { schedule: frames.schedule });
  return { store, live: lab.live, runFrame: frames.runFrame };
}

const config = { ...DEFAULT_CONFIG, epochs: 2, stepsPerEpoch: 4 };

function progress(runId: string, step: number): RunEvent {
  return { type: 'progress', runId, step, epoch: 1, stepsPerSecond: 3, elapsedMs: 1, tensors: 10, bytes: 1000 };
}

function points(from: number, count: number): LossPoint[] {
  return Array.from({ length: count }, (_, i) => ({ step: from + i, dLoss: 1, gLoss: 2, dReal: 0.6, dFake: 0.4 }));
}

describe('run state', () => {
  it('keeps showing running until the worker confirms the pause', () => {
    const { store, runFrame } = setup();
    beginRun(store, 'r1');
    store.dispatch({ type: 'started', runId: 'r1', backend: 'cpu', backendDetail: 'test', totalSteps: 8, config });
    store.update('run', (run) => requestSent(run, 'pause'), { urgent: true });
    expect(store.getSnapshot().run?.status).toBe('running');
    store.dispatch({ type: 'paused', runId: 'r1', step: 3 });
    runFrame();
    expect(store.getSnapshot().run).toMatchObject({ status: 'paused', pending: null, step: 3 });
  });

  it('ignores events of other runs', () => {
    const { store, live, runFrame } = setup();
    beginRun(store, 'r2');
    const stale: RunEvent[] = [
      progress('r1', 99),
      { type: 'losses', runId: 'r1', points: points(0, 3) },
      { type: 'stopped', runId: 'r1', step: 99, reason: 'completed' },
    ];
    stale.forEach((event) => store.dispatch(event));
    runFrame();
    expect(store.getSnapshot().run).toMatchObject({ runId: 'r2', status: 'loading', step: 0 });
    expect(live.losses.length).toBe(0);
  });
});
