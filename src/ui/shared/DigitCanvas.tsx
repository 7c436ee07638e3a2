import { useEffect, useRef } from 'react';
import { IMAGE_SIDE, gridBytes } from '../../core/digits';
import { digitGridToRgba } from './gridImage';

interface DigitCanvasProps {
  /** rows*cols digits of grey bytes (DIGIT_PIXELS each), from a buffer outside React state; none: blank. */
  pixels: Uint8ClampedArray | undefined;
  rows: number;
  cols: number;
  /** Changes whenever the buffer behind `pixels` does. */
  version: number | string;
  label: string;
  testId: string;
  className?: string;
  data?: Record<string, string | number | undefined>;
}

/** A grid of digits drawn straight onto a canvas; React only sees which one and its version. */
export function DigitCanvas({ pixels, rows, cols, version, label, testId, className, data }: DigitCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const width = cols * IMAGE_SIDE;
  const height = rows * IMAGE_SIDE;

  useEffect(() => {
    const context = ref.current?.getContext('2d');
    if (!context) return;
    if (!pixels || pixels.length !== gridBytes(rows, cols)) {
      context.clearRect(0, 0, width, height);
      return;
    }
    const image = digitGridToRgba(pixels, rows, cols);
    context.putImageData(new ImageData(image.data, image.width, image.height), 0, 0);
  }, [pixels, rows, cols, width, height, version]);

  const dataAttributes = Object.fromEntries(
    Object.entries(data ?? {}).map(([key, value]) => [`data-${key}`, value]),
  );
  return (
    <canvas
      ref={ref}
      className={className ?? 'grid-canvas'}
      data-testid={testId}
      width={width}
      height={height}
      role="img"
      aria-label={label}
      {...dataAttributes}
    />
  );
}
