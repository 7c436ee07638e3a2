/**
 * Pause stops training between steps and Resume continues it.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  byTestId,
  describeLab,
  launchChromium,
  openLab,
  readNumber,
  sleep,
  waitForNumber,
} from './lab';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

it('pauses and resumes a run', async () => {
  const lab = await openLab(browser, '/?backend=cpu&epochs=50&stepsPerEpoch=4&batchSize=16');
  try {
    await byTestId(lab.page, 'train-button').click();
    await waitForNumber(lab, 'status-step', 2, 240_000);

    const pause = byTestId(lab.page, 'pause-button');
    await pause.click();
    await lab.page.waitForFunction(
      () => /resume/i.test(document.querySelector('[data-testid="pause-button"]')?.textContent ?? ''),
      null,
      { timeout: 30_000, polling: 100 },
    );
    // A step already running when Pause was clicked may still finish; wait for the counter to
    // settle (it must, or the run did not pause), then hold it for 3 s.
    let pausedAt = await readNumber(lab.page, 'status-step');
    for (let i = 0; i < 10; i += 1) {
      await sleep(1_000);
      const now = await readNumber(lab.page, 'status-step');
      if (now === pausedAt) break;
      pausedAt = now;
    }
    await sleep(3_000);
    expect(await readNumber(lab.page, 'status-step'), await describeLab(lab)).toBe(pausedAt);

    await pause.click();
    const resumedAt = await waitForNumber(lab, 'status-step', pausedAt + 1, 60_000);
    expect(resumedAt).toBeGreaterThan(pausedAt);
    expect(await pause.textContent()).not.toMatch(/resume/i);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});
