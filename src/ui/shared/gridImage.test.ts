import { describe, expect, it } from 'vitest';
import { digitGridToRgba } from './gridImage';

describe('digitGridToRgba', () => {
  it('places digit i at row floor(i / cols), column i % cols', () => {
    const rows = 2;
    const cols = 3;
    const pixels = new Uint8ClampedArray(rows * cols * 784);
    // Each digit is filled with its own index * 10; digit 4 gets one marked pixel at (x 5, y 7).
    for (let digit = 0; digit < rows * cols; digit += 1) {
      pixels.fill(digit * 10, digit * 784, (digit + 1) * 784);
    }
    pixels[4 * 784 + 7 * 28 + 5] = 255;

    const image = digitGridToRgba(pixels, rows, cols);
    expect(image.width).toBe(84);
    expect(image.height).toBe(56);

    const rgbaAt = (x: number, y: number) => {
      const offset = (y * image.width + x) * 4;
      return Array.from(image.data.slice(offset, offset + 4));
    };
    expect(rgbaAt(0, 0)).toEqual([0, 0, 0, 255]);
    expect(rgbaAt(28 * 2 + 3, 10)).toEqual([20, 20, 20, 255]);
    expect(rgbaAt(28 + 1, 28 + 1)).toEqual([40, 40, 40, 255]);
    expect(rgbaAt(28 + 5, 28 + 7)).toEqual([255, 255, 255, 255]);
    expect(rgbaAt(83, 55)).toEqual([50, 50, 50, 255]);
  });

  it('refuses a buffer of the wrong size with a readable message', () => {
    expect(() => digitGridToRgba(new Uint8ClampedArray(100), 10, 10)).toThrow(
      /needs 78400 grey bytes, but the worker sent 100/,
    );
  });
});
