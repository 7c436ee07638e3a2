/**
 * The comparison's curves as SVG paths. The chart library draws the frame (axes, ticks, grid);
 * the curves are drawn here, one path each, because the library's own lines cost tens of
 * microseconds a point, and six long runs put tens of thousands of points in front of it: that
 * held the main thread for half a second at a time. A path is thinned to the plot's width
 * first (shared/lineDecimation.ts), so it looks the same as the whole curve drawn.
 */
import { decimateLine, type LineColumns } from '../shared/lineDecimation';

/** A chart's plot area in pixels and the value ranges its axes show. */
export interface PlotFrame {
  left: number;
  top: number;
  width: number;
  height: number;
  x: readonly [number, number];
  y: readonly [number, number];
  /** The y axis is logarithmic (base 10). */
  logY: boolean;
}

/** Pixel x and y of a value; NaN where it cannot be drawn (not finite, or ≤ 0 on a log axis). */
function projection(frame: PlotFrame): { px: (x: number) => number; py: (y: number) => number } {
  const { left, top, width, height, logY } = frame;
  const [x0, x1] = frame.x;
  const [y0, y1] = logY ? [Math.log10(frame.y[0]), Math.log10(frame.y[1])] : frame.y;
  const xScale = x1 > x0 ? width / (x1 - x0) : 0;
  const yScale = y1 > y0 ? height / (y1 - y0) : 0;
  return {
    px: (x) => left + (x - x0) * xScale,
    py: (y) => {
      const v = logY ? (y > 0 ? Math.log10(y) : Number.NaN) : y;
      return top + height - (v - y0) * yScale;
    },
  };
}

/** A tenth of a pixel is finer than any screen draws, and keeps the path text short. */
function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * The SVG path of a curve in the frame, thinned to two points a pixel column; a value that
 * cannot be drawn breaks the line there.
 */
export function curvePath(curve: LineColumns, frame: PlotFrame): string {
  const line = decimateLine(curve, frame.x[0], frame.x[1], Math.ceil(frame.width));
  const { px, py } = projection(frame);
  const parts: string[] = [];
  let drawing = false;
  for (let i = 0; i < line.x.length; i++) {
    const x = px(line.x[i]);
    const y = py(line.y[i]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      drawing = false;
      continue;
    }
    parts.push(`${drawing ? 'L' : 'M'}${round(x)},${round(y)}`);
    drawing = true;
  }
  return parts.join('');
}

/** The curve's drawable points in pixels, for dots at checkpoints. */
export function curvePoints(curve: LineColumns, frame: PlotFrame): { cx: number; cy: number }[] {
  const { px, py } = projection(frame);
  const points: { cx: number; cy: number }[] = [];
  for (let i = 0; i < curve.x.length; i++) {
    const cx = px(curve.x[i]);
    const cy = py(curve.y[i]);
    if (Number.isFinite(cx) && Number.isFinite(cy)) points.push({ cx: round(cx), cy: round(cy) });
  }
  return points;
}
