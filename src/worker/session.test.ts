import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config';
import { sessionHarness } from '../testing/sessionHarness';
import { DataError } from './mnistLoader';
import { syntheticSplit } from '../testing/syntheticMnist';

function harness(loadError?: Error) {
  return sessionHarness(
    {
      selectBackend: async () => {
        await tf.setBackend('cpu');
        return { backend: 'cpu', detail: 'plain JavaScript' };
      },
      loadData: async (onProgress) => {
        onProgress('train-images', 10, 20, false);
        onProgress('train-images', 20, 20, true);
        if (loadError) throw loadError;
        return { train: syntheticSplit(40, 1), test: syntheticSplit(10, 2) };
      },
    },
    { ackGrids: false },
  );
}

const tiny = parseConfig({ backend: 'cpu', epochs: 2, stepsPerEpoch: 2, batchSize: 2, logEvery: 1, seed: 3 }).config;

describe('training session', () => {
  it('answers init with the backend that runs', async () => {
    const h = harness();
    await h.send({ type: 'init', requestId: 7, backend: 'auto' });
    expect(h.events).toEqual([{ type: 'ready', requestId: 7, backend: 'cpu', backendDetail: 'plain JavaScript', available: ['cpu'], notice: undefined }]);
  });

  it('trains a tiny run to the end, reporting data, losses, progress and grids', async () => {
    const h = harness();
    const done = h.send({ type: 'start', runId: 'r1', config: tiny });
    // The page acks every grid, as the UI does after drawing it.
    const acker = setInterval(() => {
      void h.send({ type: 'grid-ack', runId: 'r1' });
    }, 5);
    await done;
    clearInterval(acker);
    const types = h.events.map((e) => e.type);
    expect(types[0]).toBe('data-progress');
    expect(types).toContain('started');
    expect(h.events.at(-1)).toEqual({ type: 'stopped', runId: 'r1', step: 4, reason: 'completed' });
    const points = h.events.flatMap((e) => (e.type === 'losses' ? e.points : []));
    expect(points.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    for (const p of points) {
      expect([p.dLoss, p.gLoss, p.dReal, p.dFake].every(Number.isFinite)).toBe(true);
      expect(p.dReal).toBeGreaterThan(0);
      expect(p.dReal).toBeLessThan(1);
    }
    const progress = h.events.filter((e) => e.type === 'progress');
    expect(progress.at(-1)).toMatchObject({ step: 4, epoch: 2 });
    const grids = h.events.filter((e) => e.type === 'grid');
    expect(grids.length).toBeGreaterThanOrEqual(2);
    const last = grids.at(-1)!;
    if (last.type !== 'grid') throw new Error('unreachable');
    expect(last.pixels.length).toBe(100 * 784);
    expect(new Set(last.pixels).size).toBeGreaterThan(10);
    expect(h.events.some((e) => e.type === 'error')).toBe(false);
  });

  it('pauses between steps and resumes where it stopped', async () => {
    const h = harness();
    const config = { ...tiny, epochs: 50 };
    const done = h.send({ type: 'start', runId: 'r2', config });
    await h.waitFor((e) => e.type === 'progress' && e.step >= 1);
    await h.send({ type: 'pause', runId: 'r2' });
    const paused = await h.waitFor((e) => e.type === 'paused');
    const stepsBefore = h.events.filter((e) => e.type === 'losses').length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.events.filter((e) => e.type === 'losses').length).toBe(stepsBefore);
    await h.send({ type: 'resume', runId: 'r2' });
    await h.waitFor((e) => e.type === 'progress' && paused.type === 'paused' && e.step > paused.step);
    await h.send({ type: 'stop', runId: 'r2' });
    await done;
    expect(h.events.at(-1)).toMatchObject({ type: 'stopped', runId: 'r2', reason: 'stopped' });
  });

  it('reports a failed download as a data error and stops', async () => {
    const h = harness(new DataError('Could not download train-images-idx3-ubyte.gz: the server answered 404.'));
    await h.send({ type: 'start', runId: 'r3', config: tiny });
    expect(h.of('error')).toEqual([
      expect.objectContaining({ runId: 'r3', code: 'data', message: expect.stringContaining('server answered 404') }),
    ]);
    expect(h.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'error' });
  });

  it('rejects an invalid config with a config error', async () => {
    const h = harness();
    const recipe = { ...tiny.recipe, gOptimizer: { ...tiny.recipe.gOptimizer, lr: -1 } };
    await h.send({ type: 'start', runId: 'r4', config: { ...tiny, recipe } });
    expect(h.events).toEqual([
      expect.objectContaining({ type: 'error', code: 'config', message: expect.stringContaining('gOptimizer.lr must be above 0') }),
    ]);
  });

  it('reports an error it did not raise on purpose as a training error, and one on a request with its id', async () => {
    const h = harness(new Error('out of memory'));
    await h.send({ type: 'start', runId: 'r5', config: tiny });
    expect(h.of('error')).toEqual([expect.objectContaining({ runId: 'r5', code: 'training', message: 'out of memory' })]);
    await h.send({ type: 'sample', requestId: 9, runId: 'r5', epoch: 1, seed: 1, count: 0 });
    expect(h.of('error')[1]).toMatchObject({ requestId: 9, runId: undefined, code: 'storage' });
  });

  it('refuses commands for a run it does not hold', async () => {
    const h = harness();
    await h.send({ type: 'pause', runId: 'nobody' });
    expect(h.of('error')).toEqual([expect.objectContaining({ code: 'protocol', message: 'No run nobody in this worker.' })]);
  });
});
