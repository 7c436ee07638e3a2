/** Lays out a batch of 28x28 grey digits as one RGBA image for a canvas. */

export const DIGIT_SIZE = 28;
const DIGIT_PIXELS = DIGIT_SIZE * DIGIT_SIZE;

export interface GridImage {
  width: number;
  height: number;
  /** RGBA, row after row, ready for `new ImageData(data, width, height)`. */
  data: Uint8ClampedArray<ArrayBuffer>;
}

/**
 * `pixels` holds rows*cols digits of 784 grey bytes each, digit after digit (0 = black);
 * digit i goes to grid row floor(i / cols), column i % cols.
 */
export function digitGridToRgba(pixels: Uint8ClampedArray, rows: number, cols: number): GridImage {
  const expected = rows * cols * DIGIT_PIXELS;
  if (pixels.length !== expected) {
    throw new Error(
      `A ${rows}x${cols} digit grid needs ${expected} grey bytes, ` +
        `but the worker sent ${pixels.length}.`,
    );
  }
  const width = cols * DIGIT_SIZE;
  const height = rows * DIGIT_SIZE;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let digit = 0; digit < rows * cols; digit += 1) {
    const originX = (digit % cols) * DIGIT_SIZE;
    const originY = Math.floor(digit / cols) * DIGIT_SIZE;
    for (let y = 0; y < DIGIT_SIZE; y += 1) {
      let source = digit * DIGIT_PIXELS + y * DIGIT_SIZE;
      let target = ((originY + y) * width + originX) * 4;
      for (let x = 0; x < DIGIT_SIZE; x += 1) {
        const grey = pixels[source];
        data[target] = grey;
        data[target + 1] = grey;
        data[target + 2] = grey;
        data[target + 3] = 255;
        source += 1;
        target += 4;
      }
    }
  }
  return { width, height, data };
}
