import { describe, expect, it } from 'vitest';
import { decimateLine, type LineColumns } from './lineDecimation';

/** A noisy wave of `n` points at x = 1…n, with one tall spike. */
function noisyLine(n: number, spikeAt: number): LineColumns {
  let state = 7;
  const noise = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const x = Float64Array.from({ length: n }, (_, i) => i + 1);
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 500) + noise() * 0.2 + (i === spikeAt ? 5 : 0));
  return { x, y };
}

/** Each column's lowest and highest y. */
function columnExtremes(line: LineColumns, x0: number, x1: number, columns: number): Map<number, [number, number]> {
  const extremes = new Map<number, [number, number]>();
  for (let i = 0; i < line.x.length; i++) {
    const column = Math.min(columns - 1, Math.max(0, Math.floor(((line.x[i] - x0) / (x1 - x0)) * columns)));
    const [low, high] = extremes.get(column) ?? [Infinity, -Infinity];
    extremes.set(column, [Math.min(low, line.y[i]), Math.max(high, line.y[i])]);
  }
  return extremes;
}

describe('line decimation', () => {
  it('gives a short line back as it is', () => {
    const line = { x: [1, 2, 3], y: [3, 1, 2] };
    expect(decimateLine(line, 0, 3, 300)).toBe(line);
    const edge = noisyLine(602, -1);
    expect(decimateLine(edge, 0, 602, 300)).toBe(edge);
  });

  it('keeps at most two points a column, plus the first and the last', () => {
    const line = noisyLine(25_600, 12_345);
    for (const columns of [1, 7, 330, 1000]) {
      const out = decimateLine(line, 0, 25_600, columns);
      expect(out.x.length).toBeLessThanOrEqual(2 * columns + 2);
      expect(out.x.length).toBe(out.y.length);
      expect([out.x[0], out.y[0]]).toEqual([line.x[0], line.y[0]]);
      const last = out.x.length - 1;
      expect([out.x[last], out.y[last]]).toEqual([line.x[25_599], line.y[25_599]]);
    }
  });

  it("keeps every column's lowest and highest point, so a spike survives", () => {
    const line = noisyLine(25_600, 12_345);
    const out = decimateLine(line, 0, 25_600, 330);
    expect(columnExtremes(out, 0, 25_600, 330)).toEqual(columnExtremes(line, 0, 25_600, 330));
    expect(Math.max(...Array.from(out.y))).toBe(line.y[12_345]);
    expect(Math.min(...Array.from(out.y))).toBe(Math.min(...Array.from(line.y)));
  });

  it('keeps points of the line, in their order', () => {
    const line = noisyLine(10_000, 50);
    const out = decimateLine(line, 0, 10_000, 100);
    let previous = -Infinity;
    for (let k = 0; k < out.x.length; k++) {
      expect(out.x[k]).toBeGreaterThan(previous);
      previous = out.x[k];
      expect(out.y[k]).toBe(line.y[out.x[k] - 1]);
    }
  });

  it('leaves out points that cannot be drawn, and counts x outside the range in the end columns', () => {
    const x = Float64Array.from({ length: 1000 }, (_, i) => i);
    const y = Float64Array.from({ length: 1000 }, (_, i) => (i % 10 === 3 ? Number.NaN : i % 7));
    const out = decimateLine({ x, y }, 100, 900, 10);
    expect(out.x.length).toBeLessThanOrEqual(22);
    expect(Array.from(out.y).slice(1, -1).every(Number.isFinite)).toBe(true);
    // Points before x = 100 and after x = 900 fall into the first and the last column.
    expect(columnExtremes(out, 100, 900, 10).get(0)).toEqual([0, 6]);
    expect(columnExtremes(out, 100, 900, 10).get(9)).toEqual([0, 6]);
  });

  it('ends on a line whose x is not a number, placing such points in the first column', () => {
    const x = Float64Array.from({ length: 100 }, (_, i) => (i % 5 === 0 ? Number.NaN : i));
    const y = Float64Array.from({ length: 100 }, (_, i) => i);
    const out = decimateLine({ x, y }, 0, 100, 10);
    expect(out.x.length).toBeLessThanOrEqual(100);
    expect(out.y[out.y.length - 1]).toBe(99);
  });
});
