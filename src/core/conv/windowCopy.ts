/**
 * The loops of im2col and col2im (im2col.ts) over one share of their output, on plain arrays,
 * so that the kernel's own thread and the helper threads (which see the wasm heap as one
 * Float32Array) run the same code. Shares write disjoint memory:
 *
 *   im2col: a range of window rows (n, p, q) of cols;
 *   col2im: a range of input rows (n, r) of x, the batch seen as N·H rows. Each share visits
 *           only the windows that reach its rows and adds only their runs on them, in the
 *           order one thread adds them, so the sums are the same to the bit however the work is
 *           split.
 */
import type { ConvGeometry } from './convGeometry';

/** The geometry as kernel attributes, with the batch size. */
export type WindowAttrs = ConvGeometry & { batch: number };

/** One share: where x and cols start in their arrays (in floats), and the rows [from, to). */
export interface WindowShare {
  x: number;
  cols: number;
  g: WindowAttrs;
  from: number;
  to: number;
}

/** A share as the integers of a helper's job (14 of them). */
export function encodeWindowShare({ x, cols, g, from, to }: WindowShare): number[] {
  return [x, cols, g.batch, g.inHeight, g.inWidth, g.channels, g.kernel, g.stride, g.outHeight, g.outWidth, g.top, g.left, from, to];
}

export function decodeWindowShare(args: readonly number[]): WindowShare {
  const [x, cols, batch, inHeight, inWidth, channels, kernel, stride, outHeight, outWidth, top, left, from, to] = args;
  const g: WindowAttrs = {
    batch, inHeight, inWidth, channels, kernel, stride, outHeight, outWidth, top, left,
    spanHeight: (outHeight - 1) * stride + kernel,
    spanWidth: (outWidth - 1) * stride + kernel,
  };
  return { x, cols, g, from, to };
}

/** Runs shorter than this are copied value by value (a subarray costs more than a few values). */
const SHORT_RUN = 32;

/** cols rows [from, to) ← the windows of output pixels (n, p, q), zeros where they lie on padding. */
export function im2colShare(xs: Float32Array, cols: Float32Array, share: WindowShare): void {
  const { g, from, to } = share;
  const { kernel: k, stride: s, channels: c, inHeight, inWidth, outHeight, outWidth } = g;
  const rowLength = k * k * c;
  const perImage = outHeight * outWidth;
  for (let m = from; m < to; m++) {
    const n = Math.floor(m / perImage);
    const p = Math.floor((m - n * perImage) / outWidth);
    const q = m - n * perImage - p * outWidth;
    const x0 = q * s - g.left;
    const jLo = Math.max(0, -x0);
    const jHi = Math.min(k, inWidth - x0);
    for (let i = 0; i < k; i++) {
      const colsRow = share.cols + m * rowLength + i * k * c;
      const r = p * s + i - g.top;
      if (r < 0 || r >= inHeight || jLo >= jHi) {
        cols.fill(0, colsRow, colsRow + k * c);
        continue;
      }
      if (jLo > 0) cols.fill(0, colsRow, colsRow + jLo * c);
      const into = colsRow + jLo * c;
      const start = share.x + ((n * inHeight + r) * inWidth + x0 + jLo) * c;
      const length = (jHi - jLo) * c;
      if (length < SHORT_RUN) for (let t = 0; t < length; t++) cols[into + t] = xs[start + t];
      else cols.set(xs.subarray(start, start + length), into);
      if (jHi < k) cols.fill(0, colsRow + jHi * c, colsRow + k * c);
    }
  }
}

/** x rows [from, to) of the N·H rows ← the sum of every window value im2col took from them. */
export function col2imShare(cols: Float32Array, xs: Float32Array, share: WindowShare): void {
  const { g, from, to } = share;
  const { kernel: k, stride: s, channels: c, inHeight, inWidth, outHeight, outWidth } = g;
  const rowLength = k * k * c;
  xs.fill(0, share.x + from * inWidth * c, share.x + to * inWidth * c);
  for (let n = Math.floor(from / inHeight); n * inHeight < to; n++) {
    const r0 = Math.max(from - n * inHeight, 0);
    const r1 = Math.min(to - n * inHeight, inHeight);
    // Window rows p that reach input rows [r0, r1): p·s + i − top lies there for some i < k.
    const pLo = Math.max(0, Math.ceil((r0 + g.top - k + 1) / s));
    const pHi = Math.min(outHeight, Math.ceil((r1 + g.top) / s));
    for (let p = pLo; p < pHi; p++) {
      const iLo = Math.max(0, r0 - p * s + g.top);
      const iHi = Math.min(k, r1 - p * s + g.top);
      for (let q = 0; q < outWidth; q++) {
        const x0 = q * s - g.left;
        const jLo = Math.max(0, -x0);
        const jHi = Math.min(k, inWidth - x0);
        if (jLo >= jHi) continue;
        const length = (jHi - jLo) * c;
        const m = (n * outHeight + p) * outWidth + q;
        for (let i = iLo; i < iHi; i++) {
          const start = share.cols + m * rowLength + (i * k + jLo) * c;
          const into = share.x + ((n * inHeight + p * s + i - g.top) * inWidth + x0 + jLo) * c;
          for (let t = 0; t < length; t++) xs[into + t] += cols[start + t];
        }
      }
    }
  }
}
