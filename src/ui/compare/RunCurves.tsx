import { memo, useMemo } from 'react';
import type { PlotArea } from './ChartFrame';
import type { Curve } from './compareSeries';
import { curvePath, curvePoints, type PlotFrame } from './curvePath';

/**
 * How a curve is drawn: faint raw values, the smoothed line over them, a line with a dot a
 * checkpoint, or a dashed level (a floor) across the chart.
 */
export type CurveKind = 'raw' | 'smooth' | 'checkpoints' | 'floor';

export interface CurveLine {
  curve: Curve;
  kind: CurveKind;
  /** The run's place in the comparison: its colour and its `data-run`. */
  run: number;
  colour: string;
}

interface Props {
  lines: readonly CurveLine[];
  area: PlotArea;
  x: readonly [number, number];
  y: readonly [number, number];
  logY: boolean;
}

/**
 * The curves of one comparison chart, drawn into its plot area as plain SVG paths (see
 * curvePath.ts). Each path is computed again only when its curve or the frame changes, so a run
 * that trains redraws its own curves and no other run's.
 */
export function RunCurves({ lines, area, x, y, logY }: Props) {
  return (
    <g className="compare-curves">
      {lines.map((line) => (
        <CurvePath
          key={`${line.kind}-${line.run}`}
          {...line}
          left={area.left}
          top={area.top}
          width={area.width}
          height={area.height}
          x0={x[0]}
          x1={x[1]}
          y0={y[0]}
          y1={y[1]}
          logY={logY}
        />
      ))}
    </g>
  );
}

interface PathProps extends CurveLine {
  left: number;
  top: number;
  width: number;
  height: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  logY: boolean;
}

const STROKE: Record<CurveKind, { width: number; opacity: number; dash?: string }> = {
  raw: { width: 1, opacity: 0.2 },
  smooth: { width: 1.75, opacity: 1 },
  checkpoints: { width: 1.75, opacity: 1 },
  floor: { width: 1, opacity: 0.7, dash: '4 4' },
};

// Props are the curve and plain numbers, so an unchanged curve in an unchanged frame is not drawn again.
const CurvePath = memo(function CurvePath({ curve, kind, run, colour, left, top, width, height, x0, x1, y0, y1, logY }: PathProps) {
  const drawn = useMemo(() => {
    const frame: PlotFrame = { left, top, width, height, x: [x0, x1], y: [y0, y1], logY };
    return { d: curvePath(curve, frame), dots: kind === 'checkpoints' ? curvePoints(curve, frame) : [] };
  }, [curve, kind, left, top, width, height, x0, x1, y0, y1, logY]);
  const stroke = STROKE[kind];
  return (
    <g className={`compare-line ${kind}`} data-run={run}>
      <path d={drawn.d} fill="none" stroke={colour} strokeWidth={stroke.width} strokeOpacity={stroke.opacity} strokeDasharray={stroke.dash} strokeLinejoin="round" />
      {drawn.dots.map(({ cx, cy }, i) => (
        <circle key={i} cx={cx} cy={cy} r={2.5} fill="var(--surface)" stroke={colour} strokeWidth={1.5} />
      ))}
    </g>
  );
});
