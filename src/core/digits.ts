/**
 * The digits' geometry and the limits every side agrees on: image size, latent size, the live
 * grid's shape, grey-byte conversion and what a sample request may ask for. tfjs-free, so the
 * worker, the page and storage import the same facts instead of writing 784 again.
 */

/** Width and height of one digit, in pixels. */
export const IMAGE_SIDE = 28;
/** Values per digit: a 28x28 image flattened row by row. */
export const DIGIT_PIXELS = IMAGE_SIDE * IMAGE_SIDE;
/** Noise values per digit fed to the generator. */
export const LATENT_SIZE = 100;
/** Digit classes 0-9. */
export const DIGIT_CLASSES = 10;

/** The live grid and every epoch's saved grid: the same rows x cols fixed noise vectors. */
export const GRID_ROWS = 10;
export const GRID_COLS = 10;
export const GRID_DIGITS = GRID_ROWS * GRID_COLS;

/** Most digits one sample request draws. */
export const MAX_SAMPLES = 100;
/** Seeds are unsigned 32-bit integers. */
export const MAX_SEED = 2 ** 32 - 1;
/** Most digits in one interpolation row. */
export const MAX_INTERPOLATION_STEPS = 20;

/** Columns and rows of a grid of `count` digits: rows of up to GRID_COLS. */
export function gridShape(count: number): { rows: number; cols: number } {
  const cols = Math.min(GRID_COLS, Math.max(1, count));
  return { rows: Math.ceil(count / cols), cols };
}

/** Bytes of a rows x cols grid of digits. */
export function gridBytes(rows: number, cols: number): number {
  return rows * cols * DIGIT_PIXELS;
}

/**
 * Generated values in [-1, 1] to grey bytes (0 = black), as the original plotted them and as
 * the exports document it: round((value + 1) * 127.5).
 */
export function toPixels(images: ArrayLike<number>): Uint8ClampedArray {
  const pixels = new Uint8ClampedArray(images.length);
  for (let i = 0; i < images.length; i++) pixels[i] = Math.round((images[i] + 1) * 127.5);
  return pixels;
}

/** What a sample request may ask for, by field. */
export const SAMPLE_LIMITS = {
  seed: { min: 0, max: MAX_SEED },
  count: { min: 1, max: MAX_SAMPLES },
  steps: { min: 2, max: MAX_INTERPOLATION_STEPS },
} as const;

/**
 * Why `value` is not a whole number within `limits` ("The count must be a whole number from 1
 * to 100, got 0."), or null when it is.
 */
export function wholeNumberProblem(
  name: string,
  value: number,
  limits: { min: number; max: number },
): string | null {
  if (Number.isInteger(value) && value >= limits.min && value <= limits.max) return null;
  return `The ${name} must be a whole number from ${limits.min} to ${limits.max}, got ${value}.`;
}
