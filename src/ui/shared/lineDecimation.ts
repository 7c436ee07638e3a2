/**
 * Fewer points for a line that looks the same: a chart's plot is a few hundred pixels wide, a
 * long run has thousands of points, and every point drawn costs time on the main thread. Within
 * each pixel column the line is a vertical stroke from its lowest to its highest point, so those
 * two (in the order they came) are all the column needs: a single spike survives, which a mean
 * of the column would flatten.
 */

/** A line as columns: each point's x (increasing) and y. */
export interface LineColumns {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
}

/**
 * The line's points that draw it the same over [x0, x1] split into `columns` columns: the
 * first and the last point, and each column's lowest and highest. At most 2·columns + 2 points;
 * a line that has no more than that comes back as it is (the same object). Points whose y is not finite are left
 * out (they cannot be drawn); x outside [x0, x1] counts in the nearest end column.
 */
export function decimateLine(line: LineColumns, x0: number, x1: number, columns: number): LineColumns {
  const { x: xs, y: ys } = line;
  const n = Math.min(xs.length, ys.length);
  const buckets = Math.max(1, Math.floor(columns));
  if (n <= 2 * buckets + 2) return line;
  const perUnit = x1 > x0 ? buckets / (x1 - x0) : 0;
  const columnOf = (x: number) => {
    const column = Math.floor((x - x0) * perUnit);
    // Written so that NaN lands in the first column too.
    return column > 0 ? (column < buckets ? column : buckets - 1) : 0;
  };

  // Indices of the points kept, in order; plain loops, since this runs over every point of
  // every curve when a chart is drawn.
  const kept = new Int32Array(n);
  let count = 0;
  kept[count++] = 0;
  let i = 0;
  while (i < n) {
    const column = columnOf(xs[i]);
    let low = -1;
    let high = -1;
    for (; i < n && columnOf(xs[i]) === column; i++) {
      const y = ys[i];
      if (!Number.isFinite(y)) continue;
      if (low < 0 || y < ys[low]) low = i;
      if (high < 0 || y > ys[high]) high = i;
    }
    if (low < 0) continue;
    const first = Math.min(low, high);
    const second = Math.max(low, high);
    if (kept[count - 1] !== first) kept[count++] = first;
    if (kept[count - 1] !== second) kept[count++] = second;
  }
  if (kept[count - 1] !== n - 1) kept[count++] = n - 1;

  const x = new Float64Array(count);
  const y = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    x[k] = xs[kept[k]];
    y[k] = ys[kept[k]];
  }
  return { x, y };
}
