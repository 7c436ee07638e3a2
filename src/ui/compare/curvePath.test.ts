import { describe, expect, it } from 'vitest';
import { curvePath, curvePoints, type PlotFrame } from './curvePath';

const frame: PlotFrame = { left: 10, top: 5, width: 100, height: 50, x: [0, 10], y: [0, 2], logY: false };

describe('comparison curves as SVG paths', () => {
  it('places values in the plot area, y growing upwards', () => {
    const curve = { x: [0, 5, 10], y: [0, 1, 2] };
    expect(curvePath(curve, frame)).toBe('M10,55L60,30L110,5');
  });

  it('breaks the line at a value that cannot be drawn', () => {
    const curve = { x: [0, 5, 10], y: [1, Number.NaN, 1] };
    expect(curvePath(curve, frame)).toBe('M10,30M110,30');
  });

  it('draws a log axis by powers of ten, leaving out values at or below 0', () => {
    const log: PlotFrame = { ...frame, y: [1, 100], logY: true };
    expect(curvePoints({ x: [0, 5, 10], y: [1, 10, 0] }, log)).toEqual([
      { cx: 10, cy: 55 },
      { cx: 60, cy: 30 },
    ]);
  });

  it('thins a long curve to the plot width', () => {
    const n = 25_600;
    const curve = { x: Float64Array.from({ length: n }, (_, i) => (i * 10) / n), y: Float64Array.from({ length: n }, (_, i) => (i % 2) * 2) };
    const commands = curvePath(curve, frame).match(/[ML]/g) ?? [];
    expect(commands.length).toBeLessThanOrEqual(2 * 100 + 2);
    // Every column still reaches from the bottom to the top of the plot.
    expect(curvePath(curve, frame)).toContain(',5L');
    expect(curvePath(curve, frame)).toContain(',55L');
  });
});
