import { useMemo } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { DIGIT_CLASSES } from '../../core/digits';
import { viewedRun } from '../history/historyState';
import { useTurn } from '../shared/chartTurns';
import { niceTicks } from '../shared/chartTicks';
import { useLabState } from '../shared/useLab';
import { type QualityPoint, latestC2stPoint, qualityReference, qualitySeries, shownPoint } from './qualityState';
import './quality.css';

const FD_COLOUR = '#8e5bd6';
const SCORE_COLOUR = '#2f9e6e';
const BAR_COLOUR = '#3b82d6';
const MARGIN = { top: 8, right: 8, bottom: 18, left: 4 };
const LINE = { type: 'linear', strokeWidth: 1.5, isAnimationActive: false } as const;
const DIGITS = Array.from({ length: DIGIT_CLASSES }, (_, digit) => digit);
const TOOLTIP_STYLE = {
  background: 'var(--surface)',
  border: '1px solid var(--border)',
  color: 'var(--text)',
  fontVariantNumeric: 'tabular-nums',
};

/**
 * Quality per checkpoint: FD (log scale, with what real digits score as the floor) and the MNIST
 * score over the checkpoint epochs, and the class histogram of the latest checkpoint (or the
 * one at the epoch chosen in the history).
 */
export function QualityPanel() {
  const live = useLabState((s) => s.quality);
  const run = useLabState((s) => viewedRun(s.history));
  const selectedEpoch = useLabState((s) => s.history.selectedEpoch);
  const points = useMemo(() => qualitySeries(live, run), [live, run]);
  const reference = useMemo(() => qualityReference(points), [points]);
  const fdAxis = useMemo(() => logAxis(points.map((p) => p.fd).concat(reference ? [reference.fd] : [])), [points, reference]);
  const shown = shownPoint(points, selectedEpoch);
  const bars = useMemo(() => DIGITS.map((digit) => ({ digit: String(digit), count: shown?.counts[digit] ?? 0 })), [shown]);
  const latest = points.at(-1) ?? null;
  const latestC2st = useMemo(() => latestC2stPoint(points), [points]);
  // Each chart drawn in its own turn (shared/chartTurns.ts): a checkpoint changes both, and the
  // loss charts with them.
  // Epoch ticks computed here: the chart library's own tick search runs arbitrary-precision
  // arithmetic, most of this chart's cost at every checkpoint.
  const epochAxis = useMemo(() => niceTicks(Math.max(1, points.at(-1)?.epoch ?? 1)), [points]);
  const trend = useTurn(useMemo(() => ({ points, fdAxis, reference, epochAxis }), [points, fdAxis, reference, epochAxis]));
  const trendChart = useMemo(
    () => (
      <LineChart responsive style={{ width: '100%', height: 170 }} data={trend.points} margin={MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis
          dataKey="epoch"
          type="number"
          domain={[0, trend.epochAxis.top]}
          ticks={trend.epochAxis.ticks}
          allowDecimals={false}
          label={{ value: 'epoch', position: 'insideBottom', offset: -10 }}
        />
        <YAxis
          yAxisId="fd"
          width={40}
          scale="log"
          domain={trend.fdAxis.domain}
          ticks={trend.fdAxis.ticks}
          allowDataOverflow
          tickFormatter={formatTick}
        />
        <YAxis
          yAxisId="score"
          orientation="right"
          width={30}
          domain={[1, 10]}
          ticks={[1, 4, 7, 10]}
        />
        {trend.reference && (
          <ReferenceLine
            yAxisId="fd"
            y={trend.reference.fd}
            stroke="var(--muted)"
            strokeDasharray="4 4"
            label={{ value: 'real', position: 'insideBottomRight', fill: 'var(--muted)', fontSize: 11 }}
          />
        )}
        <Tooltip isAnimationActive={false} contentStyle={TOOLTIP_STYLE} formatter={formatValue} labelFormatter={formatEpoch} />
        <Legend verticalAlign="top" height={22} />
        <Line {...LINE} yAxisId="fd" dataKey="fd" name="FD (left, log scale)" stroke={FD_COLOUR} />
        <Line {...LINE} yAxisId="score" dataKey="score" name="score (right)" stroke={SCORE_COLOUR} />
      </LineChart>
    ),
    [trend],
  );
  const histogram = useTurn(bars);
  const histogramChart = useMemo(
    () => (
      <BarChart responsive style={{ width: '100%', height: 110 }} data={histogram} margin={MARGIN}>
        <XAxis dataKey="digit" interval={0} tickLine={false} />
        <YAxis width={44} allowDecimals={false} />
        <Bar dataKey="count" name="digits" fill={BAR_COLOUR} isAnimationActive={false} />
      </BarChart>
    ),
    [histogram],
  );

  return (
    <section className="panel quality-panel" aria-labelledby="quality-title" data-testid="quality-panel">
      <h2 id="quality-title" className="panel-title">
        Quality per checkpoint
      </h2>
      <p className="hint">
        {latest?.n ?? 1000} generated digits against as many real test digits, judged by a separate
        classifier. <b>FD</b> (Fréchet distance of its features): lower = closer to real digits;
        the dashed line is what real digits score at the same N. <b>Score</b>: near 10 =
        confident, varied digits; 1 = unreadable or all one digit. <b>C2ST</b>: how often a small
        CNN trained in the worker tells these digits from real ones (0.5 = it cannot; in brackets,
        the same test on real digits against real). A trend to watch: <code>npm run eval</code>'s
        larger judge reads higher.
      </p>
      <dl className="quality-readout">
        <div>
          <dt>FD{latest ? `, epoch ${latest.epoch}` : ''}</dt>
          <dd className="counter" data-testid="quality-fd">
            {latest ? formatFd(latest.fd) : '—'}
          </dd>
        </div>
        <div>
          <dt>Score</dt>
          <dd className="counter" data-testid="quality-score">
            {latest ? `${latest.score.toFixed(2)} / 10` : '—'}
          </dd>
        </div>
        <div>
          <dt>C2ST{latestC2st ? `, epoch ${latestC2st.epoch}` : ''}</dt>
          <dd className="counter" data-testid="quality-c2st" title={c2stTitle(latestC2st)}>
            {latestC2st ? `${formatC2st(latestC2st.c2st)} (real ${formatC2st(latestC2st.c2stFloor)})` : '—'}
          </dd>
        </div>
        <div>
          <dt>Real digits</dt>
          <dd className="counter">{reference ? `FD ${formatFd(reference.fd)}, score ${reference.score.toFixed(2)}` : '—'}</dd>
        </div>
      </dl>
      <figure className="chart" data-testid="quality-chart">
        <div className="chart-frame quality-frame">
          {trendChart}
          {trend.points.length === 0 && <p className="chart-empty quality-empty">Measured at epoch 1 and at every checkpoint.</p>}
        </div>
      </figure>
      <figure className="chart" data-testid="quality-histogram">
        <figcaption className="chart-title">
          Digits written{shown ? `, epoch ${shown.epoch}` : ''}
        </figcaption>
        <div className="chart-frame quality-bars">
          {histogramChart}
        </div>
        <p className="counter quality-modes" data-testid="quality-modes">
          {shown ? modesText(shown) : 'Modes covered — , smallest class —'}
        </p>
        <p className="hint quality-cost" data-testid="quality-cost">
          {latest?.ms != null ? costText(latest.ms, latest.epoch, latest.c2stMs) : '\u00a0'}
        </p>
      </figure>
    </section>
  );
}

function costText(ms: number, epoch: number, c2stMs: number | null): string {
  const c2st = c2stMs === null ? '' : ` (the C2ST ${Math.round(c2stMs)} ms of it)`;
  return `Training paused ${Math.round(ms)} ms to measure epoch ${epoch}${c2st}.`;
}

function formatC2st(value: number | null): string {
  return value === null ? '—' : value.toFixed(2);
}

function c2stTitle(point: QualityPoint | null): string {
  if (!point || point.c2st === null) return 'Not measured: on a backend too slow for its critic, the C2ST turns itself off.';
  return `Held-out accuracy of a max-pool CNN critic, generated vs real: ${point.c2st.toFixed(3)}; real vs real: ${formatC2st(point.c2stFloor)}.`;
}

function modesText(point: QualityPoint): string {
  return `Modes covered ${point.modes}/${DIGIT_CLASSES}, smallest class ${(point.smallestShare * 100).toFixed(1)} %`;
}

/** A log axis over powers of ten that holds every value (FD > 0 in practice; floored at 0.1). */
function logAxis(values: number[]): { domain: [number, number]; ticks: number[] } {
  const positive = values.filter((v) => Number.isFinite(v)).map((v) => Math.max(v, 0.1));
  if (positive.length === 0) return { domain: [1, 1000], ticks: [1, 10, 100, 1000] };
  const low = Math.floor(Math.log10(Math.min(...positive)));
  const high = Math.max(Math.ceil(Math.log10(Math.max(...positive))), low + 1);
  const ticks = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
  return { domain: [10 ** low, 10 ** high], ticks };
}

function formatFd(fd: number): string {
  return fd >= 100 ? fd.toFixed(0) : fd.toFixed(fd >= 10 ? 1 : 2);
}

function formatTick(value: number): string {
  return value >= 1 ? String(Math.round(value)) : String(value);
}

function formatValue(value: unknown): string {
  return typeof value === 'number' ? value.toFixed(2) : String(value);
}

function formatEpoch(epoch: unknown): string {
  return typeof epoch === 'number' ? `epoch ${epoch}` : String(epoch);
}
