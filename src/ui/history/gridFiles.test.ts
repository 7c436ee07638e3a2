import { describe, expect, it } from 'vitest';
import { gridOf as grid } from '../../testing/testLab';
import { encodeHistoryGif, gifFileName, pngFileName } from './gridFiles';

describe('grid downloads', () => {
  it('names files like the original and encodes a looping GIF with one frame per epoch', () => {
    expect(pngFileName(20)).toBe('gan_generated_image 20.png');
    expect(gifFileName('Seed (Keras original), seed 42', 1, 200)).toBe(
      'gan_history Seed_Keras_original_seed_42 epochs 1-200.gif',
    );
    const bytes = encodeHistoryGif([grid(0), grid(128), grid(255)], 10, 10);
    expect(String.fromCharCode(...bytes.subarray(0, 6))).toBe('GIF89a');
    // Logical screen 280 × 280, little-endian.
    expect(bytes[6] | (bytes[7] << 8)).toBe(280);
    const text = String.fromCharCode(...bytes);
    expect(text).toContain('NETSCAPE2.0');
    // One image descriptor (0x2c) after each graphic control extension (0x21 0xf9).
    expect(text.split('\u0021\u00f9').length - 1).toBe(3);
    expect(bytes.at(-1)).toBe(0x3b);
  });
});
