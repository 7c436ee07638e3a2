import { memo, useDeferredValue, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, XAxis, YAxis } from 'recharts';
import type { RunRecord } from '../../storage/records';
import { niceTicks } from '../shared/chartTicks';
import { useLab } from '../shared/useLab';
import type { Axis, LossField, QualityField, RunSeries, XY } from './compareSeries';
import { runColour } from './runColours';

const CHART_STYLE = { width: '100%', height: 170 };
const MARGIN = { top: 8, right: 12, bottom: 18, left: 4 };
// Hundreds of points per run redrawn as they arrive: no animation, no dots.
const LINE = { type: 'linear', dot: false, isAnimationActive: false, legendType: 'none' } as const;

interface ChartSpec {
  key: LossField | QualityField;
  title: string;
  hint: string;
  /** Loss charts draw raw values faintly under the smoothed ones; quality has one point a checkpoint. */
  quality: boolean;
  logScale?: boolean;
}

/** Quality first: quality against wall time answers "which recipe gives the best digits in the time I have". */
const CHARTS: ChartSpec[] = [
  { key: 'fd', title: 'FD per checkpoint', hint: 'Lower = closer to real digits (log scale).', quality: true, logScale: true },
  { key: 'score', title: 'Score per checkpoint', hint: '1–10; near 10 = confident, varied digits.', quality: true },
  { key: 'dLoss', title: 'D loss', hint: 'Smoothed; the raw values faint beneath.', quality: false },
  { key: 'gLoss', title: 'G loss', hint: 'Smoothed; the raw values faint beneath.', quality: false },
  { key: 'dReal', title: 'D(x)', hint: "D's belief that real digits are real.", quality: false },
  { key: 'dFake', title: 'D(G(z))', hint: "D's belief that generated digits are real.", quality: false },
];

interface Props {
  runs: readonly RunRecord[];
  axis: Axis;
  lossVersion: number;
}

/** The chosen runs' curves overlaid, one colour per run, against step or training time. */
export const CompareCharts = memo(function CompareCharts({ runs, axis, lossVersion }: Props) {
  const { compare } = useLab();
  // Each run's series keeps its identity until that run changes (see compareController).
  const series = useDeferredValue(
    // lossVersion says when the buffers behind compare.series changed.
    useMemo(() => runs.map((run) => compare.series(run, axis)), [compare, runs, axis, lossVersion]),
  );
  const xTop = useMemo(() => niceTicks(Math.max(1, ...series.flatMap((s) => [s.raw.dLoss.at(-1)?.x ?? 0, s.quality.fd.at(-1)?.x ?? 0]))), [series]);
  const xLabel = axis === 'step' ? 'step' : 'training time (s)';

  return (
    <div className="compare-charts">
      {CHARTS.map((chart) => {
        const lines = series.map((s, i) => ({ s, colour: runColour(i), name: runs[i]?.name ?? '' }));
        const drawn = lines.filter(({ s }) => pick(s, chart).smooth.length > 0).length;
        return (
          <figure key={chart.key} className="chart compare-chart" data-testid="runs-compare-chart" data-chart={chart.key} data-series={drawn}>
            <figcaption className="chart-title">{chart.title}</figcaption>
            <p className="hint">{chart.hint}</p>
            <div className="chart-frame">
              <LineChart responsive style={CHART_STYLE} margin={MARGIN}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis
                  dataKey="x"
                  type="number"
                  domain={[0, xTop.top]}
                  ticks={xTop.ticks}
                  allowDuplicatedCategory={false}
                  tickFormatter={(x: number) => String(Math.round(x))}
                  label={{ value: xLabel, position: 'insideBottom', offset: -10 }}
                />
                {valueAxis(lines.flatMap(({ s }) => pick(s, chart).raw), chart.logScale === true)}
                {!chart.quality &&
                  lines.map(({ s, colour }, i) => (
                    <Line key={`raw-${i}`} {...LINE} data={pick(s, chart).raw} dataKey="y" stroke={colour} strokeOpacity={0.2} strokeWidth={1} />
                  ))}
                {lines.map(({ s, colour, name }, i) => (
                  <Line
                    key={`run-${i}`}
                    {...LINE}
                    data={pick(s, chart).smooth}
                    dataKey="y"
                    name={name}
                    stroke={colour}
                    strokeWidth={1.75}
                    dot={chart.quality ? { r: 2.5 } : false}
                  />
                ))}
              </LineChart>
            </div>
          </figure>
        );
      })}
    </div>
  );
});

function pick(series: RunSeries, chart: ChartSpec): { raw: XY[]; smooth: XY[] } {
  if (chart.key === 'fd' || chart.key === 'score') {
    const points = series.quality[chart.key];
    return { raw: points, smooth: points };
  }
  return { raw: series.raw[chart.key], smooth: series.smooth[chart.key] };
}

/**
 * The y axis with ticks computed here (the chart library's own tick search is slow with many
 * lines): [0, a nice top] for linear charts, powers of ten around the values for a log one. A
 * function, not a component: recharts reads its axes from its direct children.
 */
function valueAxis(points: readonly XY[], log: boolean) {
  let min = Infinity;
  let max = 0;
  for (const { y } of points) {
    if (!Number.isFinite(y)) continue;
    if (y > max) max = y;
    if (y > 0 && y < min) min = y;
  }
  if (!log) {
    const { ticks, top } = niceTicks(Math.max(max, 0.5));
    return <YAxis width={44} domain={[0, top]} ticks={ticks} tickFormatter={formatTick} />;
  }
  const low = Number.isFinite(min) ? Math.floor(Math.log10(min)) : 0;
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(max, 1))));
  const ticks = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
  return <YAxis width={44} scale="log" domain={[ticks[0], ticks.at(-1)!]} ticks={ticks} allowDataOverflow tickFormatter={formatTick} />;
}

function formatTick(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}
