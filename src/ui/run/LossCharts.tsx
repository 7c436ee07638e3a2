import { memo, useDeferredValue, useMemo } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { LiveChange } from '../../worker/protocol';
import { viewedRun, type HistoryState } from '../history/historyState';
import { niceTicks } from '../shared/chartTicks';
import { useLab, useLabState } from '../shared/useLab';
import { useTurn } from '../shared/chartTurns';
import { useThrottled } from '../shared/useThrottled';
import { chartLiveChanges, type ChartPoint, liveMarks } from './lossSeries';

// Colours readable on both the light and the dark background.
const D_COLOUR = '#e0603a';
const G_COLOUR = '#3b82d6';
const CHART_HEIGHT = 190;
const CHART_STYLE = { width: '100%', height: CHART_HEIGHT };
const MARGIN = { top: 8, right: 16, bottom: 18, left: 8 };
// Hundreds of points redrawn as they arrive: no animation, no dots.
const LINE = { type: 'linear', strokeWidth: 1.5, dot: false, isAnimationActive: false } as const;
const TOOLTIP_STYLE = {
  background: 'var(--surface)',
  border: '1px solid var(--border)',
  color: 'var(--text)',
  fontVariantNumeric: 'tabular-nums',
};

/** New losses reach the charts at most this often: drawing them costs tens of ms a time. */
const CHART_EVERY_MS = 400;

/**
 * Losses and D's beliefs per step. The charts get the live feed's downsampled points (bucket
 * means, at most a few hundred), which keep their identity until new losses arrive.
 */
export function LossCharts() {
  const { live } = useLab();
  // The version in the state says when the points behind live.chart() changed; it changes with
  // every logged step, the charts follow it a few times a second.
  const lossVersion = useThrottled(
    useLabState((s) => s.live.lossVersion),
    CHART_EVERY_MS,
  );
  // Deferred: React renders the charts in a render of their own, after the page's urgent updates.
  const points = useDeferredValue(useMemo(() => live.chart(), [live, lossVersion]));
  const markedStep = useLabState((s) => markedEpochStep(s.history, s.live.chartRunId));
  const markedEpoch = useLabState((s) => s.history.selectedEpoch);
  const liveChanges = useLabState(chartLiveChanges);
  return <LossChartsView points={points} markedStep={markedStep} markedEpoch={markedEpoch} liveChanges={liveChanges} />;
}

interface ViewProps {
  points: readonly ChartPoint[];
  markedStep: number | null;
  markedEpoch: number | null;
  liveChanges: readonly LiveChange[];
}

/**
 * Drawn again only when its props change, not with every step the page hears of; each chart in
 * its own turn (shared/chartTurns.ts).
 */
const LossChartsView = memo(function LossChartsView({ points, markedStep, markedEpoch, liveChanges }: ViewProps) {
  // Elements, not a component: recharts reads its reference lines from its direct children.
  const markers = useMemo(() => stepMarkers(markedStep, markedEpoch, liveChanges), [markedStep, markedEpoch, liveChanges]);
  const axes = useMemo(() => chartAxes(points), [points]);
  const losses = useTurn(useMemo(() => ({ points, axes, markers }), [points, axes, markers]));
  const beliefs = useTurn(useMemo(() => ({ points, axes, markers }), [points, axes, markers]));
  const lossChart = useMemo(
    () => (
      <LineChart responsive style={CHART_STYLE} data={losses.points} margin={MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        {stepAxis(losses.axes.steps)}
        <YAxis
          width={56}
          domain={[0, losses.axes.loss.top]}
          ticks={losses.axes.loss.ticks}
          tickFormatter={formatLoss}
          label={{ value: 'loss (BCE)', angle: -90, position: 'insideLeft', offset: 10 }}
        />
        {losses.markers}
        <ChartTooltip />
        <Legend verticalAlign="top" height={24} itemSorter={null} />
        <Line {...LINE} dataKey="dLoss" name="D loss" stroke={D_COLOUR} />
        <Line {...LINE} dataKey="gLoss" name="G loss" stroke={G_COLOUR} />
      </LineChart>
    ),
    [losses],
  );
  const beliefChart = useMemo(
    () => (
      <LineChart responsive style={CHART_STYLE} data={beliefs.points} margin={MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        {stepAxis(beliefs.axes.steps)}
        <YAxis
          width={56}
          domain={[0, 1]}
          ticks={[0, 0.25, 0.5, 0.75, 1]}
          label={{ value: 'D output (0–1)', angle: -90, position: 'insideLeft', offset: 10 }}
        />
        <ReferenceLine y={0.5} stroke="var(--muted)" strokeDasharray="4 4" />
        {beliefs.markers}
        <ChartTooltip />
        <Legend verticalAlign="top" height={24} itemSorter={null} />
        <Line {...LINE} dataKey="dReal" name="D(x)" stroke={D_COLOUR} />
        <Line {...LINE} dataKey="dFake" name="D(G(z))" stroke={G_COLOUR} />
      </LineChart>
    ),
    [beliefs],
  );

  return (
    <div className="charts" data-testid="loss-chart">
      <figure className="chart">
        <figcaption className="chart-title">Losses</figcaption>
        <p className="hint">
          Binary cross-entropy of D (telling real from generated) and of G (fooling D). In a
          healthy run neither goes to 0: they settle and wobble as the two push against each other.
        </p>
        <div className="chart-frame">
          {lossChart}
          {losses.points.length === 0 && <EmptyChart />}
        </div>
      </figure>
      <figure className="chart">
        <figcaption className="chart-title">What D believes</figcaption>
        <p className="hint">
          D(x): the discriminator's average belief that real digits are real. D(G(z)): the same
          for generated digits. Both near 0.5 means D can no longer tell them apart.
        </p>
        <div className="chart-frame">
          {beliefChart}
          {beliefs.points.length === 0 && <EmptyChart />}
        </div>
      </figure>
    </div>
  );
});

/** The chosen epoch's step and the live changes, as reference lines on the step axis. */
function stepMarkers(markedStep: number | null, markedEpoch: number | null, liveChanges: readonly LiveChange[]) {
  const changes = liveMarks(liveChanges).map((mark, index) => (
    <ReferenceLine
      key={`live-${index}`}
      x={mark.step}
      className="live-marker"
      stroke="var(--muted)"
      strokeDasharray="2 3"
      label={{ value: mark.label, position: 'insideBottomRight', fill: 'var(--muted)', fontSize: 11 }}
    />
  ));
  if (markedStep === null) return changes;
  return [
    <ReferenceLine
      key="epoch"
      x={markedStep}
      className="epoch-marker"
      stroke="var(--accent)"
      strokeDasharray="3 3"
      label={{ value: `epoch ${markedEpoch}`, position: 'insideTopRight', fill: 'var(--muted)', fontSize: 11 }}
    />,
    ...changes,
  ];
}

/** The step at the end of the epoch chosen in the history, if the chart shows that run. */
function markedEpochStep(history: HistoryState, chartRunId: string | null): number | null {
  if (history.selectedEpoch === null || chartRunId !== history.viewRunId) return null;
  const entry = viewedRun(history)?.epochs.find((e) => e.epoch === history.selectedEpoch);
  return entry?.step ?? null;
}

interface Axes {
  steps: { ticks: number[]; top: number };
  loss: { ticks: number[]; top: number };
}

function chartAxes(points: readonly { step: number; dLoss: number; gLoss: number }[]): Axes {
  let lastStep = 0;
  let maxLoss = 0;
  for (const p of points) {
    if (p.step > lastStep) lastStep = p.step;
    if (p.dLoss > maxLoss) maxLoss = p.dLoss;
    if (p.gLoss > maxLoss) maxLoss = p.gLoss;
  }
  return { steps: niceTicks(Math.max(lastStep, 1)), loss: niceTicks(Math.max(maxLoss, 0.5)) };
}

/** A function, not a component: recharts reads its axes from its direct children. */
function stepAxis(axis: Axes['steps']) {
  return (
    <XAxis
      dataKey="step"
      type="number"
      domain={[0, axis.top]}
      ticks={axis.ticks}
      allowDecimals={false}
      tickFormatter={(step: number) => String(Math.round(step))}
      label={{ value: 'step', position: 'insideBottom', offset: -10 }}
    />
  );
}

function ChartTooltip() {
  return (
    <Tooltip
      isAnimationActive={false}
      contentStyle={TOOLTIP_STYLE}
      formatter={formatTooltip}
      labelFormatter={formatStepLabel}
    />
  );
}

function EmptyChart() {
  return <p className="chart-empty">Curves appear after the first logged training steps.</p>;
}

function formatLoss(value: number): string {
  return value.toFixed(2);
}

function formatTooltip(value: unknown): string {
  return typeof value === 'number' ? value.toFixed(3) : String(value);
}

function formatStepLabel(step: unknown): string {
  return typeof step === 'number' ? `step ${Math.round(step)}` : String(step);
}
