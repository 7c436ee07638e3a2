import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { type Padding, convGeometry } from './convGeometry';
import { type WindowAttrs, col2imShare, decodeWindowShare, encodeWindowShare, im2colShare } from './windowCopy';

function randomValues(length: number, rng: Rng): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = rng.nextNormal();
  return values;
}

/** [batch, height, width, channels], kernel, stride, padding. */
const CASES: [[number, number, number, number], number, number, Padding][] = [
  [[2, 7, 7, 3], 3, 1, 'same'],
  [[1, 9, 7, 2], 4, 2, 'same'],
  [[3, 8, 8, 2], 5, 2, 'same'],
  [[2, 9, 9, 2], 3, 2, 'valid'],
  [[1, 10, 11, 1], 4, 3, 'valid'],
  [[2, 5, 6, 4], 2, 1, 'same'],
  [[1, 1, 1, 3], 3, 1, 'same'],
];

function attrsOf([batch, h, w, c]: number[], k: number, s: number, padding: Padding): WindowAttrs {
  return { ...convGeometry(h, w, c, k, s, padding), batch };
}

/**
 * Every window value in im2col's order (batch, output row, output column, kernel row, kernel
 * column, channel): the index of the input value it copies, or -1 where the window hangs over
 * the padding.
 */
function windowSources(g: WindowAttrs): Int32Array {
  const { kernel: k, channels: c } = g;
  const sources = new Int32Array(g.batch * g.outHeight * g.outWidth * k * k * c);
  let at = 0;
  for (let n = 0; n < g.batch; n++)
    for (let p = 0; p < g.outHeight; p++)
      for (let q = 0; q < g.outWidth; q++)
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++)
            for (let ch = 0; ch < c; ch++, at++) {
              const r = p * g.stride + i - g.top;
              const col = q * g.stride + j - g.left;
              const inside = r >= 0 && r < g.inHeight && col >= 0 && col < g.inWidth;
              sources[at] = inside ? ((n * g.inHeight + r) * g.inWidth + col) * c + ch : -1;
            }
  return sources;
}

/** im2col by its definition, value by value. */
function im2colByDefinition(x: Float32Array, g: WindowAttrs): Float32Array {
  return Float32Array.from(windowSources(g), (source) => (source >= 0 ? x[source] : 0));
}

/** col2im by its definition: every window value added back, in the windows' order. */
function col2imByDefinition(cols: Float32Array, g: WindowAttrs): Float32Array {
  const x = new Float32Array(g.batch * g.inHeight * g.inWidth * g.channels);
  windowSources(g).forEach((source, at) => {
    if (source >= 0) x[source] += cols[at];
  });
  return x;
}

/** `rows` split into `parts` shares as the kernels split them. */
function shares(rows: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, part) => [Math.floor((rows * part) / parts), Math.floor((rows * (part + 1)) / parts)]);
}

/** Runs the shares into arrays that start at an offset, in reverse order (any order must do). */
function runSplit(
  kind: 'im2col' | 'col2im',
  input: Float32Array,
  g: WindowAttrs,
  parts: number,
): Float32Array {
  const imageLength = g.batch * g.inHeight * g.inWidth * g.channels;
  const colsLength = g.batch * g.outHeight * g.outWidth * g.kernel ** 2 * g.channels;
  // One heap, as on wasm: x at 5, cols after it, garbage everywhere the kernel must write.
  const heap = new Float32Array(5 + imageLength + 3 + colsLength).fill(Number.NaN);
  const x = 5;
  const cols = x + imageLength + 3;
  heap.set(input, kind === 'im2col' ? x : cols);
  const rows = kind === 'im2col' ? g.batch * g.outHeight * g.outWidth : g.batch * g.inHeight;
  for (const [from, to] of shares(rows, parts).reverse()) {
    // Through the helpers' encoding, as a helper receives it.
    const share = decodeWindowShare(encodeWindowShare({ x, cols, g, from, to }));
    if (kind === 'im2col') im2colShare(heap, heap, share);
    else col2imShare(heap, heap, share);
  }
  return kind === 'im2col' ? heap.slice(cols, cols + colsLength) : heap.slice(x, x + imageLength);
}

const bits = (values: Float32Array) => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

describe('im2col and col2im by shares', () => {
  for (const [shape, k, s, padding] of CASES) {
    const what = `${shape.join('x')} k${k} s${s} ${padding}`;

    it(`im2col is its definition, however the rows are split (${what})`, () => {
      const g = attrsOf(shape, k, s, padding);
      const x = randomValues(shape.reduce((a, b) => a * b, 1), new Rng(1));
      const expected = im2colByDefinition(x, g);
      const rows = g.batch * g.outHeight * g.outWidth;
      for (const parts of [1, 2, 3, 5, rows]) {
        expect(bits(runSplit('im2col', x, g, parts)), `${parts} shares`).toEqual(bits(expected));
      }
    });

    it(`col2im is its definition to the bit, however the rows are split (${what})`, () => {
      const g = attrsOf(shape, k, s, padding);
      const cols = randomValues(g.batch * g.outHeight * g.outWidth * k * k * g.channels, new Rng(2));
      const expected = col2imByDefinition(cols, g);
      for (const parts of [1, 2, 3, 4, g.batch * g.inHeight]) {
        expect(bits(runSplit('col2im', cols, g, parts)), `${parts} shares`).toEqual(bits(expected));
      }
    });
  }
});
