/**
 * Quality metrics in the session: each generator checkpoint is measured with the shipped
 * evaluation classifier (read from public/classifier), posted as `quality` and saved in the
 * checkpoint's record; a classifier that cannot load only turns metrics off.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config';
import {
  CLASSIFIER_MODEL_JSON,
  CLASSIFIER_WEIGHTS,
  classifierFromFiles,
  loadClassifier,
} from '../core/metrics/classifier';
import { syntheticSplit } from '../testing/syntheticMnist';
import { RunRepository } from '../storage/runRepository';
import { openLabStores } from '../storage/storeNames';
import type { WorkerEnvironment } from './session';
import { sessionHarness } from '../testing/sessionHarness';

const CLASSIFIER_DIR = join(__dirname, '../../public/classifier');
const N = 100;

function harness(storage: RunRepository, loadClassifierFn: WorkerEnvironment['loadClassifier']) {
  return sessionHarness({
    loadData: async () => ({ train: syntheticSplit(N, 1), test: syntheticSplit(N, 2) }),
    storage,
    loadClassifier: loadClassifierFn,
  });
}

const config = parseConfig({
  backend: 'cpu',
  epochs: 3,
  stepsPerEpoch: 1,
  batchSize: 2,
  logEvery: 1,
  checkpointEvery: 2,
  seed: 4,
  // On cpu (plain JavaScript) ten critic epochs would be over the C2ST's budget: two keep it on.
  c2stEpochs: 2,
}).config;

const fromDisk = () =>
  loadClassifier(
    classifierFromFiles(
      readFileSync(join(CLASSIFIER_DIR, CLASSIFIER_MODEL_JSON), 'utf8'),
      new Uint8Array(readFileSync(join(CLASSIFIER_DIR, CLASSIFIER_WEIGHTS))),
    ),
  );

let repo: RunRepository;
beforeEach(async () => {
  repo = new RunRepository(openLabStores());
  for (const run of await repo.listRuns()) await repo.deleteRun(run.id);
});

describe('quality metrics per checkpoint', () => {
  it('measures every generator checkpoint, posts it and saves it in the checkpoint record', async () => {
    const h = harness(repo, fromDisk);
    await h.session.handleMessage({ type: 'start', runId: 'q1', config });
    expect(h.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'completed' });

    const quality = h.of('quality');
    // Checkpoints: epoch 1, every 2nd, and the last.
    expect(quality.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const event of quality) {
      expect(event.runId).toBe('q1');
      expect(event.n).toBe(N);
      expect(Number.isFinite(event.fd)).toBe(true);
      expect(event.fd).toBeGreaterThanOrEqual(0);
      expect(event.score).toBeGreaterThanOrEqual(1);
      expect(event.score).toBeLessThanOrEqual(10);
      expect(event.histogram!.counts).toHaveLength(10);
      expect(event.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(N);
      expect(event.reference!.n).toBe(N);
      expect(Number.isFinite(event.reference!.fd)).toBe(true);
      // The C2ST: half the training split on each real side (its floor needs two disjoint sets).
      expect(event.c2st).toMatchObject({ critic: 'maxpool', n: N / 2, epochs: config.c2stEpochs });
      expect(event.c2st!.accuracy).toBeGreaterThanOrEqual(0);
      expect(event.c2st!.accuracy).toBeLessThanOrEqual(1);
      expect(event.c2st!.floor).toBe(quality[0].c2st!.floor);
    }
    // Posted before the epoch's save, so the page reads the record with its metrics.
    const firstQuality = h.events.findIndex((e) => e.type === 'quality');
    const firstSave = h.events.findIndex((e) => e.type === 'checkpoint-saved');
    expect(firstQuality).toBeLessThan(firstSave);

    const run = await repo.requireRun('q1');
    for (const event of quality) {
      const metrics = run.epochs.find((e) => e.epoch === event.epoch)?.metrics;
      expect(metrics).toMatchObject({
        fd: event.fd,
        score: event.score,
        n: N,
        modes: event.histogram!.modes,
        referenceFd: event.reference!.fd,
        c2st: event.c2st!.accuracy,
        c2stFloor: event.c2st!.floor,
        c2stN: N / 2,
        c2stEpochs: config.c2stEpochs,
      });
      const counts = Array.from({ length: 10 }, (_, d) => metrics![`count${d}`]);
      expect(counts).toEqual(event.histogram!.counts);
    }
    expect(h.of('notice')).toEqual([]);
  });

  it("leaves the C2ST out of a run that asks for 0 critic epochs, and runs it again for the next run that asks for some", async () => {
    const h = harness(repo, fromDisk);
    await h.session.handleMessage({ type: 'start', runId: 'q3', config: { ...config, epochs: 1, c2stEpochs: 0 } });
    expect(h.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'completed' });
    const [without] = h.of('quality');
    expect(Number.isFinite(without.fd)).toBe(true);
    expect(without.c2st).toBeUndefined();
    expect((await repo.requireRun('q3')).epochs[0].metrics).not.toHaveProperty('c2st');

    await h.session.handleMessage({ type: 'start', runId: 'q4', config: { ...config, epochs: 1, c2stEpochs: 3 } });
    expect(h.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'completed' });
    const withIt = h.of('quality').find((e) => e.runId === 'q4')!;
    expect(withIt.c2st).toMatchObject({ critic: 'maxpool', n: N / 2, epochs: 3 });
    expect((await repo.requireRun('q4')).epochs[0].metrics).toMatchObject({ c2st: withIt.c2st!.accuracy, c2stEpochs: 3 });
    expect(h.of('notice')).toEqual([]);
  });

  it('trains on without metrics when the classifier cannot load', async () => {
    const h = harness(repo, () => Promise.reject(new Error('HTTP 404 for classifier/model.json')));
    await h.session.handleMessage({ type: 'start', runId: 'q2', config: { ...config, epochs: 1 } });
    expect(h.events.at(-1)).toMatchObject({ type: 'stopped', reason: 'completed' });
    expect(h.of('quality')).toEqual([]);
    expect(h.of('notice')[0].message).toMatch(/Quality metrics are off .*HTTP 404.* Training goes on/);
    const run = await repo.requireRun('q2');
    expect(run.epochs[0].hasGenerator).toBe(true);
    expect(run.epochs[0].metrics).toBeUndefined();
  });
});
