/**
 * What a C2ST critic may be reading besides the shapes: how the digits' 8-bit greys are spread.
 * Real MNIST digits are black (grey 0) on about four pixels in five, and most of their lit
 * pixels sit near white (224–254) with a thin anti-aliased edge; a generator can get the shapes
 * right and the greys wrong (a faint haze, strokes at full 255). `npm run eval` prints these
 * shares for both sets, and with `--shapes` the C2ST of both sets binarised, which leaves the
 * critic the shapes alone. tfjs-free.
 */
import { toPixels } from '../digits';

/** Lit greys (1–255) in bands: upper bounds, inclusive. */
export const GREY_BANDS = [
  { name: 'faint', upTo: 31 },
  { name: 'dim', upTo: 127 },
  { name: 'bright', upTo: 223 },
  { name: 'near white', upTo: 254 },
  { name: 'white', upTo: 255 },
] as const;

export interface GreyLevels {
  /** Share of all pixels at grey 0. */
  black: number;
  /** Share of the lit pixels (grey 1–255) in each band of GREY_BANDS, in order. */
  lit: number[];
}

/** The grey spread of images [N, 784] in [-1, 1], rounded to 8-bit grey as exported (toPixels). */
export function greyLevels(images: Float32Array): GreyLevels {
  const pixels = toPixels(images);
  const counts = new Array<number>(GREY_BANDS.length).fill(0);
  let black = 0;
  for (const grey of pixels) {
    if (grey === 0) black++;
    else counts[GREY_BANDS.findIndex((band) => grey <= band.upTo)]++;
  }
  const lit = pixels.length - black;
  return { black: black / pixels.length, lit: counts.map((count) => (lit === 0 ? 0 : count / lit)) };
}

/** Each pixel black or white at the middle grey (128 and up is white): the shapes without their greys. */
export function binarised(images: Float32Array): Float32Array {
  const pixels = toPixels(images);
  return Float32Array.from(pixels, (grey) => (grey >= 128 ? 1 : -1));
}
