import { describe, expect, it } from 'vitest';
import { DIGIT_PIXELS } from '../digits';
import { GREY_BANDS, binarised, greyLevels } from './greyLevels';

/** Values in [-1, 1] that round to these 8-bit greys. */
const fromGreys = (greys: number[]) => Float32Array.from(greys, (grey) => grey / 127.5 - 1);

describe('grey levels', () => {
  it('counts black among all pixels and each band among the lit ones, after rounding to 8-bit grey', () => {
    const image = new Float32Array(DIGIT_PIXELS).fill(-1);
    // 8 lit pixels: 2 faint, 1 dim, 1 bright, 3 near white, 1 white; −0.999 rounds to black.
    image.set(fromGreys([1, 31, 32, 200, 224, 250, 254, 255]), 0);
    image[100] = -0.999;
    const levels = greyLevels(image);
    expect(levels.black).toBeCloseTo((DIGIT_PIXELS - 8) / DIGIT_PIXELS, 10);
    expect(levels.lit).toHaveLength(GREY_BANDS.length);
    expect(levels.lit).toEqual([2 / 8, 1 / 8, 1 / 8, 3 / 8, 1 / 8]);
  });

  it('reads an all-black set as black with no lit shares', () => {
    expect(greyLevels(new Float32Array(2 * DIGIT_PIXELS).fill(-1))).toEqual({ black: 1, lit: [0, 0, 0, 0, 0] });
  });

  it('binarises at the middle grey', () => {
    expect(Array.from(binarised(fromGreys([0, 127, 128, 255])))).toEqual([-1, -1, 1, 1]);
  });
});
