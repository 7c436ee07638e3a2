import { describe, expect, it } from 'vitest';
import { parseConfigFromSearch } from '../../core/config';
import type { RunRecord } from '../../storage/records';
import { runRecord } from '../../testing/testLab';
import { compareRows, differingFields, metricText, nextSort, sortRows, valueAt } from './compareTable';

function run(id: string, search: string, fds: number[] = [], createdAt = 1): RunRecord {
  const record = runRecord(id, fds.map((_, i) => i + 1), createdAt);
  return {
    ...record,
    config: parseConfigFromSearch(search).config,
    epochs: record.epochs.map((e, i) => ({ ...e, wallTimeMs: 1000 * (i + 1), metrics: { fd: fds[i], score: 5 + i } })),
  };
}

describe('the comparison table', () => {
  it('lists only the settings that differ, config first, then recipe fields', () => {
    const a = run('a', '?lr=0.001&seed=1').config;
    const b = run('b', '?lr=0.0003&seed=1').config;
    expect(differingFields([a, b])).toEqual(['recipe.gOptimizer.lr', 'recipe.dOptimizer.lr']);
    const c = run('c', '?lr=0.001&seed=2&batchSize=32').config;
    expect(differingFields([a, b, c])).toEqual(['seed', 'recipe.gOptimizer.lr', 'recipe.dOptimizer.lr', 'recipe.batchSize']);
    expect(differingFields([a, a])).toEqual([]);
    expect(differingFields([a])).toEqual([]);
  });

  it('reads values at field paths, through arrays', () => {
    const config = run('a', '?lr=0.001').config;
    expect(valueAt(config, 'recipe.gOptimizer.lr')).toBe(0.001);
    expect(valueAt(config, 'recipe.generator.layers[0]')).toEqual(config.recipe.generator.layers[0]);
    expect(valueAt(config, 'recipe.nothing.here')).toBeUndefined();
  });

  it('gives each run its settings, best and final FD, score and speed', () => {
    const { fields, rows } = compareRows([run('a', '?lr=0.001', [90, 30, 50]), run('b', '?lr=0.0003')]);
    expect(fields).toContain('recipe.gOptimizer.lr');
    expect(rows[0]).toMatchObject({ runId: 'a', bestFd: 30, bestFdEpoch: 2, finalFd: 50, finalScore: 7, finalC2st: null, epochs: 3 });
    expect(rows[0].settings['recipe.gOptimizer.lr']).toBe(0.001);
    // 3 epochs of 2 steps in 3 s.
    expect(rows[0].stepsPerSecond).toBeCloseTo(2);
    expect(rows[1]).toMatchObject({ runId: 'b', bestFd: null, finalFd: null, stepsPerSecond: null });
  });

  it('gives the last checkpoint C2ST a run measured, where its later checkpoints have none', () => {
    const judged = run('a', '?', [90, 30, 50]);
    judged.epochs[0].metrics = { ...judged.epochs[0].metrics, c2st: 0.99, c2stFloor: 0.5 };
    judged.epochs[1].metrics = { ...judged.epochs[1].metrics, c2st: 0.93, c2stFloor: 0.5 };
    const { rows } = compareRows([judged, run('b', '?', [40])]);
    expect(rows.map((r) => r.finalC2st)).toEqual([0.93, null]);
    expect(sortRows(rows, { key: 'finalC2st', descending: false }).map((r) => r.runId)).toEqual(['a', 'b']);
  });

  it('sorts best FD first with unmeasured runs last, and flips on a second click', () => {
    const { rows } = compareRows([run('none', '?'), run('worse', '?', [60]), run('best', '?', [20]), run('mid', '?', [40])]);
    const byFd = sortRows(rows, { key: 'bestFd', descending: false }).map((r) => r.runId);
    expect(byFd).toEqual(['best', 'mid', 'worse', 'none']);
    const flipped = nextSort({ key: 'bestFd', descending: false }, 'bestFd');
    expect(flipped).toEqual({ key: 'bestFd', descending: true });
    expect(sortRows(rows, flipped).map((r) => r.runId)).toEqual(['worse', 'mid', 'best', 'none']);
    expect(sortRows(rows, { key: 'name', descending: false }).map((r) => r.runId)).toEqual(['best', 'mid', 'none', 'worse']);
  });

  it("shows the final score out of the judging classifier's classes", () => {
    const mnist = run('mnist', '?', [40]);
    const letters = run('letters', '?', [30]);
    letters.epochs[0].metrics = { ...letters.epochs[0].metrics, classes: 26, count0: 5, count25: 3 };
    const { rows } = compareRows([mnist, letters]);
    expect(rows.map((r) => r.scoreClasses)).toEqual([10, 26]);
    expect(rows.map((r) => metricText(r, 'finalScore'))).toEqual(['5.00 / 10', '5.00 / 26']);
  });

  it('reads "—" for the FD and score of a run measured by the C2ST alone, and sorts it after runs with an FD', () => {
    const unlabelled = run('unlabelled', '?');
    unlabelled.epochs = runRecord('unlabelled', [1, 2]).epochs.map((e) => ({ ...e, wallTimeMs: 1000, metrics: { c2st: 0.8, c2stFloor: 0.5 } }));
    const { rows } = compareRows([unlabelled, run('labelled', '?', [50])]);
    const row = rows[0];
    expect(row).toMatchObject({ bestFd: null, finalFd: null, finalScore: null, scoreClasses: null, finalC2st: 0.8 });
    expect((['bestFd', 'finalFd', 'finalScore'] as const).map((key) => metricText(row, key))).toEqual(['—', '—', '—']);
    expect(metricText(row, 'finalC2st')).toBe('0.80');
    expect(sortRows(rows, { key: 'bestFd', descending: false }).map((r) => r.runId)).toEqual(['labelled', 'unlabelled']);
    expect(sortRows(rows, { key: 'finalFd', descending: true }).map((r) => r.runId)).toEqual(['labelled', 'unlabelled']);
  });

  it('sorts by a differing setting numerically', () => {
    const { rows } = compareRows([run('a', '?lr=0.01'), run('b', '?lr=0.0003'), run('c', '?lr=0.002')]);
    expect(sortRows(rows, { key: 'setting:recipe.gOptimizer.lr', descending: false }).map((r) => r.runId)).toEqual(['b', 'c', 'a']);
  });
});
