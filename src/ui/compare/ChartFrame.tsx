/**
 * A comparison chart's frame (grid, axes, ticks, labels) as plain SVG, with the plot area handed
 * to the curves. The chart library's frame kept a store of its own per chart and settled it in
 * effects, re-rendering itself synchronously: with six charts and a run training beside them
 * that was most of every long main-thread task the comparison caused (bench/compareLongTasks.ts).
 * The comparison computes its ticks anyway (CompareCharts.tsx), so the frame only places them.
 */
import { memo, type ReactNode, useLayoutEffect, useRef, useState } from 'react';

export interface AxisTicks {
  /** Ticks from the axis's first value to its last: the range it shows. */
  ticks: readonly number[];
  /** The y axis only: logarithmic (base 10). */
  log?: boolean;
}

export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

interface Props {
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
  /** Room for the y axis's tick labels. */
  yAxisWidth: number;
  x: AxisTicks;
  y: AxisTicks;
  xLabel: string;
  formatX: (value: number) => string;
  formatY: (value: number) => string;
  /** What is drawn inside the plot area (the curves); not drawn until the frame knows its width. */
  children: (area: PlotArea) => ReactNode;
}

const TICK = 5;
/** Below the plot: tick marks, their labels, the axis's label. */
const X_AXIS_HEIGHT = 36;

/** Pixel position of a tick along an axis of `length` pixels (0 at the axis's first tick). */
function place(value: number, { ticks, log }: AxisTicks, length: number): number {
  const scale = (v: number) => (log ? Math.log10(v) : v);
  const from = scale(ticks[0]);
  const to = scale(ticks[ticks.length - 1]);
  return to > from ? ((scale(value) - from) / (to - from)) * length : 0;
}

/** The width the element is laid out at, from a ResizeObserver: read without forcing a layout. */
function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry.contentRect.width)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export const ChartFrame = memo(function ChartFrame({ height, margin, yAxisWidth, x, y, xLabel, formatX, formatY, children }: Props) {
  const [box, width] = useWidth();
  const area: PlotArea = {
    left: margin.left + yAxisWidth,
    top: margin.top,
    width: Math.max(0, width - margin.left - yAxisWidth - margin.right),
    height: Math.max(0, height - margin.top - margin.bottom - X_AXIS_HEIGHT),
  };
  const bottom = area.top + area.height;
  const xAt = (value: number) => area.left + place(value, x, area.width);
  const yAt = (value: number) => bottom - place(value, y, area.height);
  return (
    <div ref={box} style={{ width: '100%', height }}>
      {width > 0 && (
        <svg className="compare-surface" width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
          <g className="chart-grid">
            {y.ticks.map((tick) => (
              <line key={`y${tick}`} x1={area.left} x2={area.left + area.width} y1={yAt(tick)} y2={yAt(tick)} strokeDasharray="3 3" />
            ))}
            {x.ticks.map((tick) => (
              <line key={`x${tick}`} x1={xAt(tick)} x2={xAt(tick)} y1={area.top} y2={bottom} strokeDasharray="3 3" />
            ))}
          </g>
          <g className="chart-axis">
            <line x1={area.left} x2={area.left + area.width} y1={bottom} y2={bottom} />
            <line x1={area.left} x2={area.left} y1={area.top} y2={bottom} />
            {x.ticks.map((tick) => (
              <g key={`x${tick}`}>
                <line x1={xAt(tick)} x2={xAt(tick)} y1={bottom} y2={bottom + TICK} />
                <text x={xAt(tick)} y={bottom + TICK + 12} textAnchor="middle">
                  {formatX(tick)}
                </text>
              </g>
            ))}
            {y.ticks.map((tick) => (
              <g key={`y${tick}`}>
                <line x1={area.left - TICK} x2={area.left} y1={yAt(tick)} y2={yAt(tick)} />
                <text x={area.left - TICK - 3} y={yAt(tick)} dy="0.32em" textAnchor="end">
                  {formatY(tick)}
                </text>
              </g>
            ))}
            <text className="chart-axis-label" x={area.left + area.width / 2} y={bottom + X_AXIS_HEIGHT - 4} textAnchor="middle">
              {xLabel}
            </text>
          </g>
          {area.width > 0 && area.height > 0 && children(area)}
        </svg>
      )}
    </div>
  );
});
