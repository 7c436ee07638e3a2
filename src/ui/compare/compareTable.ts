/**
 * The comparison's table: one row per run with the settings in which the runs differ (only
 * those) and what each run reached: best and final FD, final score and C2ST, speed, backend, time. Sorted
 * best FD first unless the user picks another column; runs measured by the C2ST alone (unlabelled
 * data) have no FD and go last.
 */
import type { RunConfig } from '../../core/config';
import { recipeDifferences } from '../../core/recipe';
import type { RunRecord } from '../../storage/records';
import { latestC2stPoint } from '../quality/qualityState';
import { formatDuration } from '../shared/units';
import { qualityPoints } from './compareSeries';

/** Config settings compared besides the recipe (the backend has its own column). */
const CONFIG_FIELDS = ['preset', 'epochs', 'stepsPerEpoch', 'checkpointEvery', 'seed', 'logEvery', 'c2stEpochs'] as const satisfies readonly (keyof RunConfig)[];

export interface CompareRow {
  runId: string;
  name: string;
  note: string;
  /** The differing settings' values, by field path ("gOptimizer.lr"). */
  settings: Record<string, unknown>;
  bestFd: number | null;
  bestFdEpoch: number | null;
  finalFd: number | null;
  finalScore: number | null;
  /** The number of classes of the classifier that gave the final score (10 for MNIST), or null. */
  scoreClasses: number | null;
  /** The last checkpoint C2ST measured in the lab (0.5 = indistinguishable from real), or null. */
  finalC2st: number | null;
  /** Steps per second of training time (pauses excluded), over the saved epochs. */
  stepsPerSecond: number | null;
  backend: string;
  epochs: number;
  wallTimeMs: number;
}

export type MetricKey = 'name' | 'bestFd' | 'finalFd' | 'finalScore' | 'finalC2st' | 'stepsPerSecond' | 'backend' | 'epochs' | 'wallTimeMs';
export type SortKey = MetricKey | `setting:${string}`;
export interface TableSort {
  key: SortKey;
  descending: boolean;
}
export const DEFAULT_TABLE_SORT: TableSort = { key: 'bestFd', descending: false };

/** The value at a field path such as "generator.layers[2].units", or undefined. */
export function valueAt(root: unknown, path: string): unknown {
  let value = root;
  for (const part of path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The field paths in which any of the runs differ: config settings first, then recipe fields in
 * the recipe's order. A field on which every run agrees with the first agrees across all.
 */
export function differingFields(configs: readonly RunConfig[]): string[] {
  if (configs.length < 2) return [];
  const [first, ...rest] = configs;
  const fields = new Set<string>();
  for (const key of CONFIG_FIELDS) {
    if (rest.some((config) => config[key] !== first[key])) fields.add(key);
  }
  for (const config of rest) {
    for (const { field } of recipeDifferences(first.recipe, config.recipe)) fields.add(`recipe.${field}`);
  }
  return [...fields];
}

export function compareRows(runs: readonly RunRecord[]): { fields: string[]; rows: CompareRow[] } {
  const fields = differingFields(runs.map((run) => run.config));
  const rows = runs.map((run): CompareRow => {
    const quality = qualityPoints(run);
    const best = quality.reduce<(typeof quality)[number] | null>((b, q) => (q.fd !== null && (b?.fd == null || q.fd < b.fd) ? q : b), null);
    const final = quality.at(-1) ?? null;
    const last = run.epochs.at(-1);
    return {
      runId: run.id,
      name: run.name,
      note: run.note ?? '',
      settings: Object.fromEntries(fields.map((field) => [field, valueAt(run.config, field)])),
      bestFd: best?.fd ?? null,
      bestFdEpoch: best?.epoch ?? null,
      finalFd: final?.fd ?? null,
      finalScore: final?.score ?? null,
      scoreClasses: final?.score != null ? final.counts.length : null,
      finalC2st: latestC2stPoint(quality)?.c2st ?? null,
      stepsPerSecond: last && last.wallTimeMs > 0 ? last.step / (last.wallTimeMs / 1000) : null,
      backend: run.backend ?? '—',
      epochs: last?.epoch ?? 0,
      wallTimeMs: last?.wallTimeMs ?? 0,
    };
  });
  return { fields, rows };
}

/** A metric as a table cell: "—" where the run has no value (no FD on unlabelled data, say). */
export function metricText(row: CompareRow, key: MetricKey): string {
  switch (key) {
    case 'name':
      return row.name;
    case 'bestFd':
      return row.bestFd === null ? '—' : `${formatFd(row.bestFd)} (epoch ${row.bestFdEpoch})`;
    case 'finalFd':
      return row.finalFd === null ? '—' : formatFd(row.finalFd);
    case 'finalScore':
      // Out of the classes of the classifier that judged: 10 for MNIST, an imported dataset's own.
      return row.finalScore === null ? '—' : `${row.finalScore.toFixed(2)} / ${row.scoreClasses}`;
    case 'finalC2st':
      return row.finalC2st === null ? '—' : row.finalC2st.toFixed(2);
    case 'stepsPerSecond':
      return row.stepsPerSecond === null ? '—' : `${row.stepsPerSecond.toFixed(2)} steps/s`;
    case 'backend':
      return row.backend;
    case 'epochs':
      return String(row.epochs);
    case 'wallTimeMs':
      return formatDuration(row.wallTimeMs / 1000);
  }
}

function formatFd(fd: number): string {
  return fd.toFixed(fd >= 100 ? 0 : 2);
}

function sortValue(row: CompareRow, key: SortKey): unknown {
  return key.startsWith('setting:') ? row.settings[key.slice('setting:'.length)] : row[key as MetricKey];
}

/** Rows ordered by `sort`; rows without a value (no FD measured yet) go last either way. */
export function sortRows(rows: readonly CompareRow[], sort: TableSort): CompareRow[] {
  const direction = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    const missingX = x === null || x === undefined;
    const missingY = y === null || y === undefined;
    if (missingX || missingY) return missingX === missingY ? 0 : missingX ? 1 : -1;
    if (typeof x === 'number' && typeof y === 'number') return (x - y) * direction;
    return formatSetting(x).localeCompare(formatSetting(y), undefined, { numeric: true }) * direction;
  });
}

/** A clicked column header: the same column flips its direction, another starts ascending. */
export function nextSort(current: TableSort, key: SortKey): TableSort {
  return current.key === key ? { key, descending: !current.descending } : { key, descending: key === 'finalScore' || key === 'stepsPerSecond' };
}

/** A setting as a table cell: numbers as they are, structures as short JSON. */
export function formatSetting(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  const text = JSON.stringify(value);
  return text.length > 48 ? `${text.slice(0, 45)}…` : text;
}
