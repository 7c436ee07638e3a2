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
