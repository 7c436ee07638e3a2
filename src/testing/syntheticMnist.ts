/**
 * Random black-and-white "digits" shaped like an MNIST split: lets tests and benchmarks run
 * real training steps without loading the 47 MB training set.
 */
import { DIGIT_PIXELS } from '../core/digits';
import { type MnistSplit } from '../core/mnistIdx';
import { Rng } from '../core/rng';

export function syntheticSplit(count: number, seed: number): MnistSplit {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(count * DIGIT_PIXELS);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.nextFloat() < 0.2 ? 255 : 0;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = rng.nextInt(10);
  return { count, pixels, labels };
}

/**
 * Images a classifier can learn in a few steps: class k lights rows 2k+2 and 2k+3 across, over
 * sparse noise. `classes` up to 12.
 */
export function bandedSplit(count: number, classes: number, seed: number): MnistSplit {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(count * DIGIT_PIXELS);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = rng.nextInt(classes);
    labels[i] = label;
    const image = pixels.subarray(i * DIGIT_PIXELS, (i + 1) * DIGIT_PIXELS);
    for (let p = 0; p < DIGIT_PIXELS; p++) image[p] = rng.nextFloat() < 0.05 ? 255 : 0;
    image.fill(255, (2 * label + 2) * 28, (2 * label + 4) * 28);
  }
  return { count, pixels, labels };
}
