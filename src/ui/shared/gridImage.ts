/** Lays out a batch of 28x28 grey digits as one RGBA image for a canvas. */
import { DIGIT_PIXELS, IMAGE_SIDE, gridBytes } from '../../core/digits';

/** A rows x cols grid of digits kept outside React state; `version` changes with the pixels. */
export interface PixelBuffer {
  pixels: Uint8ClampedArray;
  rows: number;
  cols: number;
  version: number;
}

export interface GridImage {
  width: number;
  height: number;
  /** RGBA, row after row, ready for `new ImageData(data, width, height)`. */
  data: Uint8ClampedArray<ArrayBuffer>;
}

/** Each grey level as an opaque RGBA pixel, read as one 32-bit word in this machine's byte order. */
const GREY_TO_RGBA = (() => {
  const bytes = new Uint8ClampedArray(256 * 4);
  for (let grey = 0; grey < 256; grey += 1) bytes.set([grey, grey, grey, 255], grey * 4);
  return new Uint32Array(bytes.buffer);
})();

/**
 * `pixels` holds rows*cols digits of DIGIT_PIXELS grey bytes each, digit after digit (0 =
 * black); digit i goes to grid row floor(i / cols), column i % cols.
 */
export function digitGridToRgba(pixels: Uint8ClampedArray, rows: number, cols: number): GridImage {
  const expected = gridBytes(rows, cols);
  if (pixels.length !== expected) {
    throw new Error(
      `A ${rows}x${cols} digit grid needs ${expected} grey bytes, ` +
        `but the worker sent ${pixels.length}.`,
    );
  }
  const width = cols * IMAGE_SIDE;
  const height = rows * IMAGE_SIDE;
  const data = new Uint8ClampedArray(width * height * 4);
  // One 32-bit write a pixel rather than four byte writes: six grids drawn at once (comparing
  // runs) took tens of ms the byte-wise way.
  const rgba = new Uint32Array(data.buffer);
  for (let digit = 0; digit < rows * cols; digit += 1) {
    const originX = (digit % cols) * IMAGE_SIDE;
    const originY = Math.floor(digit / cols) * IMAGE_SIDE;
    for (let y = 0; y < IMAGE_SIDE; y += 1) {
      let source = digit * DIGIT_PIXELS + y * IMAGE_SIDE;
      let target = (originY + y) * width + originX;
      for (let x = 0; x < IMAGE_SIDE; x += 1) {
        rgba[target] = GREY_TO_RGBA[pixels[source]];
        source += 1;
        target += 1;
      }
    }
  }
  return { width, height, data };
}
