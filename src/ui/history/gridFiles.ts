/// <reference path="./gifenc.d.ts" />
/**
 * Grids as files: one epoch's grid as a PNG named like the original script's output, and the
 * whole history as an animated GIF (gifenc). The grey levels are the palette, so no quantising.
 */
import { GIFEncoder, type Palette } from 'gifenc';
import { IMAGE_SIDE } from '../../core/digits';
import { digitGridToRgba } from '../shared/gridImage';

/** The original script saved `gan_generated_image <epoch>.png`. */
export function pngFileName(epoch: number): string {
  return `gan_generated_image ${epoch}.png`;
}

export function gifFileName(runName: string, fromEpoch: number, toEpoch: number): string {
  const safe = runName.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '');
  return `gan_history ${safe} epochs ${fromEpoch}-${toEpoch}.gif`;
}

const GREYS: Palette = Array.from({ length: 256 }, (_, i) => [i, i, i]);

/** Lays out rows × cols digits as one grey image, `scale` screen pixels per digit pixel. */
export function greyImage(pixels: Uint8ClampedArray, rows: number, cols: number, scale: number): Uint8Array {
  const width = cols * IMAGE_SIDE;
  const rgba = digitGridToRgba(pixels, rows, cols).data;
  const out = new Uint8Array(width * scale * rows * IMAGE_SIDE * scale);
  for (let y = 0; y < rows * IMAGE_SIDE * scale; y++) {
    const source = Math.floor(y / scale) * width;
    for (let x = 0; x < width * scale; x++) {
      out[y * width * scale + x] = rgba[(source + Math.floor(x / scale)) * 4];
    }
  }
  return out;
}

/** An animated GIF, one frame per grid, looping; the last frame is held longer. */
export function encodeHistoryGif(
  frames: Uint8ClampedArray[],
  rows: number,
  cols: number,
  { delayMs = 250, scale = 1 } = {},
): Uint8Array {
  const gif = GIFEncoder();
  const width = cols * IMAGE_SIDE * scale;
  const height = rows * IMAGE_SIDE * scale;
  frames.forEach((pixels, i) => {
    const last = i === frames.length - 1;
    gif.writeFrame(greyImage(pixels, rows, cols, scale), width, height, {
      palette: i === 0 ? GREYS : undefined,
      delay: last ? delayMs * 6 : delayMs,
      repeat: 0,
    });
  });
  gif.finish();
  return gif.bytes();
}

/** A PNG of the grid, 2× so single pixels stay visible. */
export async function encodeGridPng(pixels: Uint8ClampedArray, rows: number, cols: number): Promise<Blob> {
  const scale = 2;
  const image = digitGridToRgba(pixels, rows, cols);
  const source = new OffscreenCanvas(image.width, image.height);
  source.getContext('2d')!.putImageData(new ImageData(image.data, image.width, image.height), 0, 0);
  const canvas = new OffscreenCanvas(image.width * scale, image.height * scale);
  const context = canvas.getContext('2d')!;
  context.imageSmoothingEnabled = false;
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas.convertToBlob({ type: 'image/png' });
}
