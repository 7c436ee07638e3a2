/**
 * A short real training run on each required backend: epochs advance, the backend is the one
 * asked for, the loss chart draws finite curves and the live grid shows generated pixels.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byTestId, describeLab, launchChromium, openLab, waitForNumber } from './lab';

const RUN = 'epochs=3&stepsPerEpoch=2&batchSize=16&checkpointEvery=1&logEvery=1&seed=7';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Number of points in an SVG path: one per M/L/C/Q/S/T command. */
function pathPoints(d: string): number {
  return (d.match(/[MLCQST]/gi) ?? []).length;
}

async function lossPaths(page: Page): Promise<string[]> {
  return byTestId(page, 'loss-chart')
    .locator('.recharts-line path')
    .evaluateAll((paths) => paths.map((path) => path.getAttribute('d') ?? ''));
}

interface PixelStats {
  width: number;
  height: number;
  min: number;
  max: number;
  distinct: number;
}

/**
 * Reads the live grid's pixels. The canvas is copied onto a 2D canvas first, so this works
 * whichever context the app draws with.
 */
async function gridPixels(page: Page): Promise<PixelStats | null> {
  return page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="live-grid"]');
    if (!(canvas instanceof HTMLCanvasElement) || canvas.width === 0 || canvas.height === 0) {
      return null;
    }
    const copy = document.createElement('canvas');
    copy.width = canvas.width;
    copy.height = canvas.height;
    const context = copy.getContext('2d');
    if (!context) return null;
    context.drawImage(canvas, 0, 0);
    const data = context.getImageData(0, 0, copy.width, copy.height).data;
    const seen = new Set<number>();
    let min = 255;
    let max = 0;
    for (let i = 0; i < data.length; i += 4) {
      const grey = Math.round((data[i] + data[i + 1] + data[i + 2]) / 3);
      seen.add(grey);
      if (grey < min) min = grey;
      if (grey > max) max = grey;
    }
    return { width: copy.width, height: copy.height, min, max, distinct: seen.size };
  });
}

/** A drawn generator sample: many grey levels over a wide range, not a flat fill. */
function looksDrawn(stats: PixelStats | null): boolean {
  return stats !== null && stats.max - stats.min >= 64 && stats.distinct >= 16;
}

async function waitUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, ms: number) {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

describe.each(['cpu', 'wasm', 'webgl'])('training on %s', (backend) => {
  it('runs epochs and shows losses and generated digits', async () => {
    const lab = await openLab(browser, `/?backend=${backend}&${RUN}`);
    try {
      await byTestId(lab.page, 'train-button').click();
      await waitForNumber(lab, 'status-epoch', 2, 240_000);

      const backendText = await byTestId(lab.page, 'status-backend').textContent();
      expect(backendText?.toLowerCase(), await describeLab(lab)).toContain(backend);

      const paths = await waitUntil(
        () => lossPaths(lab.page),
        (ds) => ds.length >= 2 && ds.every((d) => pathPoints(d) >= 2),
        10_000,
      );
      expect(paths.length, 'D and G loss lines').toBeGreaterThanOrEqual(2);
      for (const d of paths) {
        expect(d).not.toBe('');
        expect(d).not.toMatch(/NaN|Infinity/);
        expect(pathPoints(d)).toBeGreaterThanOrEqual(2);
      }

      const pixels = await waitUntil(() => gridPixels(lab.page), looksDrawn, 10_000);
      expect(pixels, 'live-grid is a canvas with a size').not.toBeNull();
      expect(pixels!.max - pixels!.min, 'live-grid value range').toBeGreaterThanOrEqual(64);
      expect(pixels!.distinct, 'live-grid grey levels').toBeGreaterThanOrEqual(16);

      expect(await byTestId(lab.page, 'error-message').count(), await describeLab(lab)).toBe(0);
      expect(lab.problems).toEqual([]);
    } finally {
      await lab.close();
    }
  });
});
