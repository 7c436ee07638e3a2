/**
 * A short real training run on each required backend: epochs advance, the backend is the one
 * asked for, the loss chart draws finite curves and the live grid shows generated pixels.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanvasDigest, byTestId, canvasDigest, describeLab, launchChromium, openLab, waitForNumber } from './lab';

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

/** A drawn generator sample: many grey levels over a wide range, not a flat fill. */
function looksDrawn(stats: CanvasDigest | null): boolean {
  return stats !== null && stats.range >= 64 && stats.distinct >= 16;
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

      const pixels = await waitUntil(() => canvasDigest(lab.page, 'live-grid'), looksDrawn, 10_000);
      expect(pixels, 'live-grid is a canvas with a size').not.toBeNull();
      expect(pixels!.range, 'live-grid value range').toBeGreaterThanOrEqual(64);
      expect(pixels!.distinct, 'live-grid grey levels').toBeGreaterThanOrEqual(16);

      expect(await byTestId(lab.page, 'error-message').count(), await describeLab(lab)).toBe(0);
      expect(lab.problems).toEqual([]);
    } finally {
      await lab.close();
    }
  });
});
