import { describe, expect, it } from 'vitest';
import type { LossPoint } from '../../core/lossPoint';
import { runRecord } from '../../testing/testLab';
import { compareCsv, compareJson, runLabels } from './compareFiles';
import { compareRows } from './compareTable';

const point = (step: number, dLoss: number): LossPoint => ({ step, dLoss, gLoss: 2 * dLoss, dReal: 0.75, dFake: 0.25 });

describe('comparison files', () => {
  it('writes a step column and, per run, its series, training time, FD, score, C2ST and its floor', () => {
    const a = runRecord('a', [1]);
    a.epochs[0] = { ...a.epochs[0], wallTimeMs: 4000, metrics: { fd: 55.5, score: 3.25, c2st: 0.875, c2stFloor: 0.5125 } };
    const b = { ...runRecord('b', []), name: 'lr, "fast"' };
    const csv = compareCsv([
      { run: a, points: [point(1, 0.5), point(2, 0.25)] },
      { run: b, points: [point(1, 0.75), point(3, 1)] },
    ]);
    const [header, ...rows] = csv.trimEnd().split('\n');
    expect(header.split(',').slice(0, 10)).toEqual([
      'step',
      'run a: d_loss',
      'run a: g_loss',
      'run a: d_x',
      'run a: d_g_z',
      'run a: wall_s',
      'run a: fd',
      'run a: score',
      'run a: c2st',
      'run a: c2st_floor',
    ]);
    // A name with a comma and quotes stays one quoted cell per column.
    expect(header).toContain('"lr, ""fast"": d_loss"');
    expect(header.match(/d_loss/g)).toHaveLength(2);
    expect(rows).toEqual([
      '1,0.5,1,0.75,0.25,2,,,,,0.75,1.5,0.75,0.25,,,,,',
      '2,0.25,0.5,0.75,0.25,4,55.5,3.25,0.875,0.5125,,,,,,,,,',
      '3,,,,,,,,,,1,2,0.75,0.25,,,,,',
    ]);
  });

  it('leaves FD and score empty for a checkpoint measured by the C2ST alone', () => {
    const run = runRecord('u', [1]);
    run.epochs[0] = { ...run.epochs[0], wallTimeMs: 1000, metrics: { c2st: 0.7, c2stFloor: 0.49 } };
    const [header, row] = compareCsv([{ run, points: [] }]).trimEnd().split('\n');
    expect(header.split(',').slice(6)).toEqual(['run u: fd', 'run u: score', 'run u: c2st', 'run u: c2st_floor']);
    expect(row).toBe('2,,,,,1,,,0.7,0.49');
  });

  it('labels two runs of the same name apart', () => {
    expect(runLabels([{ name: 'x' }, { name: 'y' }, { name: 'x' }])).toEqual(['x', 'y', 'x (2)']);
  });

  it('writes the runs, their notes and the table as JSON', () => {
    const runs = [{ ...runRecord('a', [1]), note: 'baseline' }, runRecord('b', [])];
    const { fields, rows } = compareRows(runs);
    const json = JSON.parse(compareJson(runs, fields, rows));
    expect(json.runs.map((r: { id: string; note: string }) => [r.id, r.note])).toEqual([
      ['a', 'baseline'],
      ['b', ''],
    ]);
    expect(json.table).toHaveLength(2);
    expect(json.runs[0].config.recipe.gOptimizer.lr).toBe(runs[0].config.recipe.gOptimizer.lr);
  });
});
