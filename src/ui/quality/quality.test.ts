import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfigFromSearch } from '../../core/config';
import type { EpochEntry, RunRecord } from '../../storage/records';
import type { QualityEvent } from '../../worker/protocol';
import { metricsRecord } from '../../worker/quality';
import type { PageEvent } from '../shared/labEvents';
import { initialLabState, reduceLab } from '../shared/labState';
import { qualityReference, qualitySeries, shownPoint } from './qualityState';

function quality(runId: string, epoch: number, fd: number): QualityEvent {
  return {
    type: 'quality',
    runId,
    epoch,
    step: epoch * 4,
    n: 1000,
    fd,
    score: 5.5,
    histogram: { counts: [100, 100, 100, 100, 100, 100, 100, 100, 119, 81], modes: 10, smallestShare: 0.081 },
    ms: 320,
    reference: { n: 1000, fd: 7.76, score: 9.76 },
  };
}

function entry(epoch: number, metrics?: Record<string, number>): EpochEntry {
  return {
    epoch,
    step: epoch * 4,
    wallTimeMs: 1,
    savedAt: 1,
    loss: null,
    hasGenerator: metrics !== undefined,
    hasFullState: false,
    ...(metrics ? { metrics } : {}),
    generatorBytes: 0,
    stateBytes: 0,
    bytes: 0,
  };
}

function savedRun(id: string, epochs: EpochEntry[]): RunRecord {
  return {
    id,
    name: id,
    createdAt: 0,
    updatedAt: 0,
    config: DEFAULT_CONFIG,
    status: 'stopped',
    backend: 'cpu',
    keepFullStates: false,
    epochs,
    latest: null,
    lossThroughStep: 0,
  };
}

function runBegun(runId: string): PageEvent {
  return { type: 'run-begun', runId, config: DEFAULT_CONFIG, step: 0, losses: [] };
}

describe('quality state', () => {
  it('collects the current run’s quality events by epoch and ignores other runs', () => {
    let state = reduceLab(initialLabState(parseConfigFromSearch('')), runBegun('r1'));
    state = reduceLab(state, quality('r1', 1, 300));
    state = reduceLab(state, quality('other', 2, 1));
    state = reduceLab(state, quality('r1', 2, 120));
    state = reduceLab(state, quality('r1', 2, 110));
    expect(state.quality.runId).toBe('r1');
    expect(state.quality.points.map((p) => [p.epoch, p.fd])).toEqual([
      [1, 300],
      [2, 110],
    ]);
    // A new run starts a new series.
    state = reduceLab(state, runBegun('r2'));
    state = reduceLab(state, quality('r2', 1, 250));
    expect(state.quality.points.map((p) => p.fd)).toEqual([250]);
  });

  it('reads a reloaded run’s saved metrics and merges the live ones of the run training', () => {
    const saved = savedRun('r1', [
      entry(1, metricsRecord(quality('r1', 1, 300))),
      entry(2),
      entry(3, metricsRecord(quality('r1', 3, 90))),
    ]);
    const points = qualitySeries({ runId: null, points: [] }, saved);
    expect(points.map((p) => [p.epoch, p.fd])).toEqual([
      [1, 300],
      [3, 90],
    ]);
    expect(points[0].counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(points[0]).toMatchObject({ modes: 10, smallestShare: 0.081, referenceFd: 7.76, score: 5.5 });
    expect(qualityReference(points)).toEqual({ fd: 7.76, score: 9.76 });

    // The histogram: the latest checkpoint at or before the selected epoch.
    expect(shownPoint(points, 2)?.epoch).toBe(1);
    expect(shownPoint(points, null)?.epoch).toBe(3);

    const live = { runId: 'r1', points: [{ ...points[1], epoch: 4, fd: 60 }] };
    expect(qualitySeries(live, saved).map((p) => p.epoch)).toEqual([1, 3, 4]);
    expect(qualitySeries(live, savedRun('r9', [])).map((p) => p.epoch)).toEqual([]);
    expect(qualitySeries(live, null).map((p) => p.epoch)).toEqual([4]);
  });

  it('keeps the checkpoint C2ST and its floor through the saved record, and none where it did not run', () => {
    const judged: QualityEvent = {
      ...quality('r1', 2, 80),
      c2st: { critic: 'maxpool', n: 1000, epochs: 10, accuracy: 0.91, floor: 0.52, ms: 2100 },
    };
    const record = metricsRecord(judged);
    expect(record).toMatchObject({ c2st: 0.91, c2stFloor: 0.52, c2stN: 1000, c2stEpochs: 10, c2stMs: 2100 });
    const points = qualitySeries({ runId: null, points: [] }, savedRun('r1', [entry(1, metricsRecord(quality('r1', 1, 300))), entry(2, record)]));
    expect(points.map((p) => [p.c2st, p.c2stFloor, p.c2stMs])).toEqual([
      [null, null, null],
      [0.91, 0.52, 2100],
    ]);
    let state = reduceLab(initialLabState(parseConfigFromSearch('')), runBegun('r1'));
    state = reduceLab(state, judged);
    expect(state.quality.points[0]).toMatchObject({ c2st: 0.91, c2stFloor: 0.52 });
  });

  it("keeps a dataset's own classifier (its classes, its accuracy) and a C2ST-only checkpoint through the saved record", () => {
    const ownClassifier: QualityEvent = {
      ...quality('r1', 1, 40),
      score: 3.1,
      histogram: { counts: [300, 250, 250, 200], modes: 4, smallestShare: 0.2 },
      classifier: { classes: 4, testAccuracy: 0.93 },
    };
    const c2stOnly: QualityEvent = {
      type: 'quality',
      runId: 'r1',
      epoch: 2,
      step: 8,
      n: 500,
      ms: 900,
      c2st: { critic: 'maxpool', n: 500, epochs: 10, accuracy: 0.8, floor: 0.5, ms: 800 },
    };
    expect(metricsRecord(ownClassifier)).toMatchObject({ classes: 4, count3: 200, classifierAccuracy: 0.93 });
    expect(metricsRecord(ownClassifier)).not.toHaveProperty('count4');
    expect(Object.keys(metricsRecord(c2stOnly)).sort()).toEqual(['c2st', 'c2stEpochs', 'c2stFloor', 'c2stMs', 'c2stN', 'ms', 'n']);
    const points = qualitySeries({ runId: null, points: [] }, savedRun('r1', [entry(1, metricsRecord(ownClassifier)), entry(2, metricsRecord(c2stOnly))]));
    expect(points[0]).toMatchObject({ counts: [300, 250, 250, 200], modes: 4, score: 3.1, classifierAccuracy: 0.93 });
    expect(points[1]).toMatchObject({ epoch: 2, fd: null, score: null, counts: [], modes: null, c2st: 0.8, c2stFloor: 0.5 });
    // Live events read the same.
    let state = reduceLab(initialLabState(parseConfigFromSearch('')), runBegun('r1'));
    state = reduceLab(state, c2stOnly);
    expect(state.quality.points[0]).toMatchObject({ fd: null, counts: [], c2st: 0.8 });
  });
});
