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
  const fdAxis = useMemo(
    () => logAxis(points.flatMap((p) => (p.fd === null ? [] : [p.fd])).concat(reference ? [reference.fd] : [])),
    [points, reference],
  );
  const shown = shownPoint(points, selectedEpoch);
  const latest = points.at(-1) ?? null;
  const latestJudged = useMemo(() => latestJudgedPoint(points), [points]);
  // The classifier's classes: MNIST's ten, or an imported dataset's own.
  const classes = latestJudged?.counts.length || DIGIT_CLASSES;
  const bars = useMemo(
    () => Array.from({ length: classes }, (_, digit) => ({ digit: String(digit), count: shown?.counts[digit] ?? 0 })),
    [shown, classes],
  );
  const latestC2st = useMemo(() => latestC2stPoint(points), [points]);
  // Unlabelled data has no classifier: the chart follows the C2ST instead of FD and the score.
  const c2stOnly = points.length > 0 && latestJudged === null;
  // An imported dataset's own classifier judged (its images are not digits, its classes its own).
  const ownClassifier = latestJudged?.classifierAccuracy != null;
  // Each chart drawn in its own turn (shared/chartTurns.ts): a checkpoint changes both, and the
  // loss charts with them.
  // Epoch ticks computed here: the chart library's own tick search runs arbitrary-precision
  // arithmetic, most of this chart's cost at every checkpoint.
  const epochAxis = useMemo(() => niceTicks(Math.max(1, points.at(-1)?.epoch ?? 1)), [points]);
  const trend = useTurn(
    useMemo(() => ({ points, fdAxis, reference, epochAxis, classes, c2stOnly }), [points, fdAxis, reference, epochAxis, classes, c2stOnly]),
  );
  const trendChart = useMemo(
    () =>
      trend.c2stOnly ? (
        <C2stChart points={trend.points} epochAxis={trend.epochAxis} />
      ) : (
        <LineChart responsive style={{ width: '100%', height: 170 }} data={trend.points} margin={MARGIN}>
          <CartesianGrid strokeDasharray="3 3" />
          {epochXAxis(trend.epochAxis)}
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
            domain={[1, trend.classes]}
            ticks={scoreTicks(trend.classes)}
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
      <p className="hint" data-testid="quality-judge">
        {judgeText(latest?.n ?? 1000, latestJudged, c2stOnly)}
        {!c2stOnly && (
          <>
            {' '}
            <b>FD</b> (Fréchet distance of its features): lower = closer to real images; the dashed line is what real
            images score at the same N. <b>Score</b>: near the class count = confident, varied output; 1 = unreadable or
            all one class.
          </>
        )}{' '}
        <b>C2ST</b>: how often a small CNN trained in the worker tells these images from real ones (0.5 = it cannot; in
        brackets, the same test on real images against real). A trend to watch: <code>npm run eval</code>'s larger
        judge reads higher.
      </p>
      <dl className="quality-readout">
        {!c2stOnly && (
          <>
            <div>
              <dt>FD{latestJudged ? `, epoch ${latestJudged.epoch}` : ''}</dt>
              <dd className="counter" data-testid="quality-fd">
                {latestJudged?.fd != null ? formatFd(latestJudged.fd) : '—'}
              </dd>
            </div>
            <div>
              <dt>Score</dt>
              <dd className="counter" data-testid="quality-score">
                {latestJudged?.score != null ? `${latestJudged.score.toFixed(2)} / ${classes}` : '—'}
              </dd>
            </div>
          </>
        )}
        <div>
          <dt>C2ST{latestC2st ? `, epoch ${latestC2st.epoch}` : ''}</dt>
          <dd className="counter" data-testid="quality-c2st" title={c2stTitle(latestC2st)}>
            {latestC2st ? `${formatC2st(latestC2st.c2st)} (real ${formatC2st(latestC2st.c2stFloor)})` : '—'}
          </dd>
        </div>
        {!c2stOnly && (
          <div>
            <dt>{ownClassifier ? 'Real images' : 'Real digits'}</dt>
            <dd className="counter">{reference ? `FD ${formatFd(reference.fd)}, score ${reference.score.toFixed(2)}` : '—'}</dd>
          </div>
        )}
      </dl>
      <figure className="chart" data-testid="quality-chart">
        <div className="chart-frame quality-frame">
          {trendChart}
          {trend.points.length === 0 && <p className="chart-empty quality-empty">Measured at epoch 1 and at every checkpoint.</p>}
        </div>
      </figure>
      <figure className="chart" data-testid="quality-histogram">
        {!c2stOnly && (
          <>
            <figcaption className="chart-title">
              {ownClassifier ? 'Classes written' : 'Digits written'}
              {shown ? `, epoch ${shown.epoch}` : ''}
            </figcaption>
            <div className="chart-frame quality-bars">{histogramChart}</div>
          </>
        )}
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
  if (point.modes === null) return 'No classifier for this dataset (it has no labels): the C2ST above is its measure.';
  return `Modes covered ${point.modes}/${point.counts.length}, smallest class ${((point.smallestShare ?? 0) * 100).toFixed(1)} %`;
}

/** Who judges the digits: MNIST's classifier, the dataset's own (with its accuracy), or the C2ST alone. */
function judgeText(n: number, judged: QualityPoint | null, c2stOnly: boolean): string {
  if (c2stOnly) return `${n} generated images against as many real ones; this dataset has no labels, so no classifier judges them: the C2ST alone measures how close to real they are.`;
  if (judged?.classifierAccuracy != null) {
    return (
      `${n} generated images against as many real held-out ones, judged by a classifier the lab trained on this dataset in your browser ` +
      `(test accuracy ${(100 * judged.classifierAccuracy).toFixed(1)} %; the lower it is, the less FD and the score mean).`
    );
  }
  return `${n} generated digits against as many real test digits, judged by a separate classifier.`;
}

/** The latest point a classifier judged (FD and score), or null. */
function latestJudgedPoint(points: readonly QualityPoint[]): QualityPoint | null {
  return points.filter((p) => p.fd !== null).at(-1) ?? null;
}

/** Four ticks from 1 to the class count (1, 4, 7, 10 for MNIST). */
function scoreTicks(classes: number): number[] {
  return [...new Set([0, 1, 2, 3].map((i) => Math.round(1 + (i * (classes - 1)) / 3)))];
}

/** The epoch axis of both charts. A function, not a component: recharts reads its axes from its direct children. */
function epochXAxis(axis: { top: number; ticks: number[] }) {
  return (
    <XAxis
      dataKey="epoch"
      type="number"
      domain={[0, axis.top]}
      ticks={axis.ticks.filter(Number.isInteger)}
      allowDecimals={false}
      label={{ value: 'epoch', position: 'insideBottom', offset: -10 }}
    />
  );
}

/** The C2ST per checkpoint with its floor: the chart of a dataset without labels. */
function C2stChart({ points, epochAxis }: { points: QualityPoint[]; epochAxis: { top: number; ticks: number[] } }) {
  const floor = latestC2stPoint(points)?.c2stFloor ?? null;
  return (
    <LineChart responsive style={{ width: '100%', height: 170 }} data={points} margin={MARGIN}>
      <CartesianGrid strokeDasharray="3 3" />
      {epochXAxis(epochAxis)}
      <YAxis width={40} domain={[0.4, 1]} ticks={[0.5, 0.6, 0.7, 0.8, 0.9, 1]} allowDataOverflow />
      {floor !== null && (
        <ReferenceLine
          y={floor}
          stroke="var(--muted)"
          strokeDasharray="4 4"
          label={{ value: 'real', position: 'insideBottomRight', fill: 'var(--muted)', fontSize: 11 }}
        />
      )}
      <Tooltip isAnimationActive={false} contentStyle={TOOLTIP_STYLE} formatter={formatValue} labelFormatter={formatEpoch} />
      <Legend verticalAlign="top" height={22} />
      <Line {...LINE} dataKey="c2st" name="C2ST (0.5 = indistinguishable)" stroke={FD_COLOUR} />
    </LineChart>
  );
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
