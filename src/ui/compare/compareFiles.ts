/**
 * The comparison as files: the curves as CSV (a `step` column, then one column per run and
 * series) and the whole comparison as JSON (runs, their configs and notes, the table).
 */
import type { LossPoint } from '../../core/lossPoint';
import type { RunRecord } from '../../storage/records';
import { wallTimeAt } from './compareSeries';
import type { CompareRow } from './compareTable';
import { pointFromEntry } from '../quality/qualityState';

export interface CsvRun {
  run: RunRecord;
  /** Every logged loss point of the run, in step order. */
  points: readonly LossPoint[];
}

const CSV_SERIES = [
  ['d_loss', (p: LossPoint) => p.dLoss],
  ['g_loss', (p: LossPoint) => p.gLoss],
  ['d_x', (p: LossPoint) => p.dReal],
  ['d_g_z', (p: LossPoint) => p.dFake],
] as const;

/** Runs' names as column labels: unique, so two runs of the same name stay two columns. */
export function runLabels(runs: readonly Pick<RunRecord, 'name'>[]): string[] {
  const seen = new Map<string, number>();
  return runs.map(({ name }) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name} (${count})`;
  });
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * One row per step that any run logged. Per run: the four loss series, the training time at
 * that step (seconds) and FD, score, C2ST and the C2ST's floor (real against real) where a
 * checkpoint ended at that step; empty cells where a run has no value at the step (no FD or score
 * on unlabelled data, no C2ST where it was off).
 */
export function compareCsv(runs: readonly CsvRun[]): string {
  const labels = runLabels(runs.map((r) => r.run));
  const header = ['step'];
  labels.forEach((label) => {
    for (const [name] of CSV_SERIES) header.push(`${label}: ${name}`);
    header.push(`${label}: wall_s`, `${label}: fd`, `${label}: score`, `${label}: c2st`, `${label}: c2st_floor`);
  });
  const byStep = runs.map(({ run, points }) => {
    const losses = new Map(points.map((p) => [p.step, p]));
    const quality = new Map(
      run.epochs.flatMap((e) => {
        const q = pointFromEntry(e);
        return q ? [[e.step, q] as const] : [];
      }),
    );
    return { losses, quality, timeAt: wallTimeAt(run.epochs) };
  });
  const steps = [...new Set(byStep.flatMap(({ losses, quality }) => [...losses.keys(), ...quality.keys()]))].sort((a, b) => a - b);
  const lines = [header.map(csvCell).join(',')];
  for (const step of steps) {
    const cells: (string | number | null)[] = [step];
    for (const { losses, quality, timeAt } of byStep) {
      const point = losses.get(step);
      for (const [, read] of CSV_SERIES) cells.push(point ? read(point) : null);
      const q = quality.get(step);
      const seconds = point || q ? timeAt(step) : null;
      cells.push(seconds === null ? null : Number(seconds.toFixed(3)), q?.fd ?? null, q?.score ?? null, q?.c2st ?? null, q?.c2stFloor ?? null);
    }
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The comparison as one JSON document: enough to read it again without this browser. */
export function compareJson(runs: readonly RunRecord[], fields: readonly string[], rows: readonly CompareRow[]): string {
  return JSON.stringify(
    {
      kind: 'mnist-gan-lab comparison',
      differingFields: fields,
      table: rows,
      runs: runs.map((run) => ({
        id: run.id,
        name: run.name,
        note: run.note ?? '',
        createdAt: new Date(run.createdAt).toISOString(),
        status: run.status,
        backend: run.backend,
        config: run.config,
        epochs: run.epochs.map(({ epoch, step, wallTimeMs, loss, metrics }) => ({ epoch, step, wallTimeMs, loss, metrics })),
      })),
    },
    null,
    2,
  );
}
