import { memo, useCallback, useDeferredValue, useMemo, useRef } from 'react';
import type { RunRecord } from '../../storage/records';
import { niceStep, niceTicks } from '../shared/chartTicks';
import { useLab } from '../shared/useLab';
import type { Axis, Curve, LossField, QualityField, RunSeries } from './compareSeries';
import { ChartFrame, type PlotArea } from './ChartFrame';
import { type CurveLine, RunCurves } from './RunCurves';
import { runColour } from './runColours';
import { useInTurn } from './useInTurn';

const CHART_HEIGHT = 170;
// Room on the right for half of the last tick's label ("30000").
const MARGIN = { top: 8, right: 22, bottom: 2, left: 4 };
const Y_AXIS_WIDTH = 44;

interface ChartSpec {
  key: LossField | QualityField;
  title: string;
  hint: string;
  /** Loss charts draw raw values faintly under the smoothed ones; quality has one point a checkpoint. */
  quality: boolean;
  logScale?: boolean;
  /** A fixed y axis (the C2ST's: 0.5 is chance, 1 is told apart every time), widened only to hold a lower value. */
  yTicks?: readonly number[];
  /** What the chart says when none of the runs has a point on it. */
  empty?: string;
}

/** Quality first: quality against wall time answers "which recipe gives the best digits in the time I have". */
const CHARTS: ChartSpec[] = [
  {
    key: 'fd',
    title: 'FD per checkpoint',
    hint: 'Lower = closer to real digits (log scale).',
    quality: true,
    logScale: true,
    empty: 'No run here has an FD yet (runs on unlabelled data have the C2ST alone).',
  },
  {
    key: 'score',
    title: 'Score per checkpoint',
    hint: "From 1 to the classifier's class count (10 for digits); near the top = confident, varied images.",
    quality: true,
    empty: 'No run here has a score yet (runs on unlabelled data have the C2ST alone).',
  },
  {
    key: 'c2st',
    title: 'C2ST per checkpoint',
    hint: "How often a critic tells the run's images from real ones; 0.5 = it cannot. Dashed: real against real.",
    quality: true,
    yTicks: [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
    empty: 'No run here has a checkpoint C2ST (it was off while they trained, or none is measured yet).',
  },
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
  // Deferred: the page's per-frame update (progress, the live charts) renders first, and the
  // curves are built in a render of their own.
  const shownRuns = useDeferredValue(runs);
  const shownAxis = useDeferredValue(axis);
  const shownVersion = useDeferredValue(lossVersion);
  // Each run's series keeps its identity until that run changes (see compareController);
  // lossVersion says when the buffers behind compare.series changed.
  const series = useMemo(
    () => shownRuns.map((run) => compare.series(run, shownAxis)),
    [compare, shownRuns, shownAxis, shownVersion],
  );
  const xEnd = Math.max(1, ...series.flatMap((s) => [s.raw.dLoss.x.at(-1) ?? 0, s.quality.fd.x.at(-1) ?? 0, s.quality.c2st.x.at(-1) ?? 0]));
  // Kept while the ticks stay the same, so the axes are not laid out again for nothing.
  const xTicks = useKept(
    useMemo(() => niceTicks(xEnd), [xEnd]),
    sameTicks,
  );
  const xLabel = shownAxis === 'step' ? 'step' : 'training time (s)';
  const wanted = useMemo(
    () => CHARTS.map((chart): ChartProps => ({ chart, curves: series.map((s) => pick(s, chart)), xTicks, xLabel })),
    [series, xTicks, xLabel],
  );
  const shown = useInTurn(wanted, sameChart);

  return (
    <div className="compare-charts">
      {CHARTS.map((chart, i) => {
        const input = shown[i];
        const drawn = input ? input.curves.filter(({ smooth }) => smooth.x.length > 0).length : 0;
        return (
          <figure key={chart.key} className="chart compare-chart" data-testid="runs-compare-chart" data-chart={chart.key} data-series={drawn}>
            <figcaption className="chart-title">{chart.title}</figcaption>
            {input && drawn === 0 && chart.empty ? (
              <p className="hint" data-testid="runs-compare-chart-empty">
                {chart.empty}
              </p>
            ) : (
              <p className="hint">{chart.hint}</p>
            )}
            <div className="chart-frame">{input ? <CompareChart {...input} /> : <div style={{ height: CHART_HEIGHT }} />}</div>
          </figure>
        );
      })}
    </div>
  );
});

interface ChartProps {
  chart: ChartSpec;
  /** Per run, in the comparison's order. */
  curves: readonly RunCurvesOf[];
  xTicks: { ticks: number[]; top: number };
  xLabel: string;
}

interface RunCurvesOf {
  raw: Curve;
  smooth: Curve;
  /** A level drawn dashed across the chart in the run's colour (the C2ST's floor), or null. */
  floor: number | null;
}

/**
 * One chart: the frame (ChartFrame) and the curves (RunCurves). When a training run's curves
 * grow and the axes stay the same, the frame is not drawn again, only that run's curves.
 */
const CompareChart = memo(function CompareChart({ chart, curves, xTicks, xLabel }: ChartProps) {
  const y = useKept(
    useMemo(
      () => (chart.yTicks ? fixedRange(chart.yTicks, curves) : valueRange(curves.map((c) => c.raw), chart.logScale === true)),
      [curves, chart],
    ),
    sameTicks,
  );
  const lines = useMemo(
    () =>
      curves.flatMap(({ raw, smooth, floor }, run): CurveLine[] => {
        const colour = runColour(run);
        if (chart.quality) {
          const line: CurveLine = { curve: smooth, kind: 'checkpoints', run, colour };
          if (floor === null || smooth.x.length === 0) return [line];
          const across: Curve = { x: Float64Array.of(0, xTicks.top), y: Float64Array.of(floor, floor) };
          return [{ curve: across, kind: 'floor', run, colour }, line];
        }
        return [
          { curve: raw, kind: 'raw', run, colour },
          { curve: smooth, kind: 'smooth', run, colour },
        ];
      }),
    [curves, chart, xTicks],
  );
  const drawCurves = useCallback(
    (area: PlotArea) => <RunCurves lines={lines} area={area} x={[0, xTicks.top]} y={y.domain} logY={y.log} />,
    [lines, xTicks, y],
  );
  return (
    <ChartFrame
      height={CHART_HEIGHT}
      margin={MARGIN}
      yAxisWidth={Y_AXIS_WIDTH}
      x={xTicks}
      y={y}
      xLabel={xLabel}
      formatX={formatStep}
      formatY={formatTick}
    >
      {drawCurves}
    </ChartFrame>
  );
}, sameChart);

/** The value kept from the previous render while `same` holds. */
function useKept<T>(value: T, same: (a: T, b: T) => boolean): T {
  const kept = useRef(value);
  if (kept.current !== value && !same(kept.current, value)) kept.current = value;
  return kept.current;
}

interface ValueRange {
  domain: [number, number];
  ticks: number[];
  log: boolean;
}

/** Ticks decide an axis: its range runs from the first to the last. */
function sameTicks(a: { ticks: readonly number[] }, b: { ticks: readonly number[] }): boolean {
  return a.ticks.length === b.ticks.length && a.ticks.every((tick, i) => tick === b.ticks[i]);
}

/** Props equal but for new arrays holding the same curves: nothing to draw again. */
function sameChart(a: ChartProps, b: ChartProps): boolean {
  return (
    a.chart === b.chart &&
    a.xTicks === b.xTicks &&
    a.xLabel === b.xLabel &&
    a.curves.length === b.curves.length &&
    a.curves.every((c, i) => c.raw === b.curves[i].raw && c.smooth === b.curves[i].smooth && c.floor === b.curves[i].floor)
  );
}

function pick(series: RunSeries, chart: ChartSpec): RunCurvesOf {
  if (chart.key === 'fd' || chart.key === 'score' || chart.key === 'c2st') {
    const curve = series.quality[chart.key];
    return { raw: curve, smooth: curve, floor: chart.key === 'c2st' ? series.quality.c2stFloor : null };
  }
  return { raw: series.raw[chart.key], smooth: series.smooth[chart.key], floor: null };
}

/**
 * The y axis's range and ticks: from 0 (or a nice value below the
 * lowest, if any is negative) to a nice top for a linear chart, powers of ten around the values
 * for a log one.
 */
function valueRange(curves: readonly Curve[], log: boolean): ValueRange {
  let min = Infinity;
  let max = -Infinity;
  let minPositive = Infinity;
  for (const { y } of curves) {
    for (let i = 0; i < y.length; i++) {
      const v = y[i];
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
      if (v > 0 && v < minPositive) minPositive = v;
    }
  }
  if (log) {
    const low = Number.isFinite(minPositive) ? Math.floor(Math.log10(minPositive)) : 0;
    const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(max, 1))));
    const ticks = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
    return { domain: [ticks[0], ticks[ticks.length - 1]], ticks, log };
  }
  if (!(min < 0)) {
    const { ticks, top } = niceTicks(Math.max(max, 0.5));
    return { domain: [0, top], ticks, log };
  }
  const step = niceStep(Math.max(max, 0) - min, 4);
  const from = Math.floor(min / step);
  const to = Math.max(1, Math.ceil(Math.max(max, 0) / step));
  const ticks = Array.from({ length: to - from + 1 }, (_, i) => Number(((from + i) * step).toPrecision(12)));
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks, log };
}

/**
 * A fixed axis's range and ticks, widened down by whole tick steps to hold any lower value or
 * floor (a C2ST under 0.4 on a few dozen held-out images).
 */
function fixedRange(ticks: readonly number[], curves: readonly RunCurvesOf[]): ValueRange {
  const step = ticks[1] - ticks[0];
  let low = ticks[0];
  for (const { raw, floor } of curves) {
    if (floor !== null && floor < low) low = floor;
    for (let i = 0; i < raw.y.length; i++) if (Number.isFinite(raw.y[i]) && raw.y[i] < low) low = raw.y[i];
  }
  const extra = Math.ceil(Number(((ticks[0] - low) / step).toPrecision(12)));
  const all = [...Array.from({ length: extra }, (_, i) => Number((ticks[0] - (extra - i) * step).toPrecision(12))), ...ticks];
  return { domain: [all[0], all[all.length - 1]], ticks: all, log: false };
}

function formatStep(value: number): string {
  return String(Math.round(value));
}

function formatTick(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}
