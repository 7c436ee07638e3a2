import { memo, useMemo } from 'react';
import type { RunRecord } from '../../storage/records';
import { useLab } from '../shared/useLab';
import { type MetricKey, type SortKey, type TableSort, compareRows, formatSetting, metricText, sortRows } from './compareTable';
import { runColour } from './runColours';

const METRICS: { key: Exclude<MetricKey, 'name'>; label: string; title: string }[] = [
  { key: 'bestFd', label: 'Best FD', title: 'The lowest FD of any checkpoint (lower = closer to real digits), and its epoch.' },
  { key: 'finalFd', label: 'Final FD', title: "The last checkpoint's FD." },
  { key: 'finalScore', label: 'Final score', title: "The last checkpoint's score, from 1 to the class count of the classifier that judged (10 for MNIST)." },
  { key: 'finalC2st', label: 'Final C2ST', title: "The last checkpoint C2ST: how often the lab's critic told the digits from real ones (0.5 = it could not)." },
  { key: 'stepsPerSecond', label: 'Speed', title: 'Steps per second of training time, pauses excluded.' },
  { key: 'backend', label: 'Backend', title: 'The backend the run trained on.' },
  { key: 'epochs', label: 'Epochs', title: 'Epochs saved.' },
  { key: 'wallTimeMs', label: 'Trained for', title: 'Training time, pauses excluded.' },
];

interface Props {
  runs: readonly RunRecord[];
  sort: TableSort;
}

/** The settings in which the runs differ and what each reached; a header click sorts by it. */
export const CompareTable = memo(function CompareTable({ runs, sort }: Props) {
  const { compare } = useLab();
  const { fields, rows } = useMemo(() => compareRows(runs), [runs]);
  const sorted = useMemo(() => sortRows(rows, sort), [rows, sort]);
  const colourOf = new Map(runs.map((run, i) => [run.id, runColour(i)]));
  const header = (key: SortKey, label: string, title?: string) => (
    <th key={key} scope="col" aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : undefined}>
      <button type="button" className="link-button" data-testid="runs-compare-sort" data-key={key} title={title} onClick={() => compare.sortTable(key)}>
        {label}
        {sort.key === key ? (sort.descending ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );

  return (
    <div className="compare-table-frame">
      <table className="run-table compare-table" data-testid="runs-compare-table">
        <thead>
          <tr>
            {header('name', 'Run')}
            {fields.map((field) => header(`setting:${field}`, field.replace(/^recipe\./, ''), `Setting ${field}: differs between the runs.`))}
            {METRICS.map(({ key, label, title }) => header(key, label, title))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <tr key={row.runId} data-testid="runs-compare-row" data-run-id={row.runId}>
              <th scope="row">
                <span className="run-swatch" style={{ background: colourOf.get(row.runId) }} aria-hidden="true" />
                {row.name}
                {row.note && <div className="muted small">{row.note}</div>}
              </th>
              {fields.map((field) => (
                <td key={field} className="counter" data-field={field}>
                  {formatSetting(row.settings[field])}
                </td>
              ))}
              {METRICS.map(({ key }) => (
                <td key={key} className={key === 'backend' ? undefined : 'counter'} data-metric={key}>
                  {metricText(row, key)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {fields.length === 0 && <p className="muted small">The runs' settings are all the same.</p>}
    </div>
  );
});
