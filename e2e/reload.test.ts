/**
 * Reloading mid-training, three times in a row: each time the page offers the interrupted run
 * back, Resume continues it from its last resume point (losing at most the epoch it was in), and
 * at the end the stored epochs are 1..N once each, with one intact resume point.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { byTestId, describeLab, launchChromium, openLab, readNumber, waitForNumber } from './lab';
import { readStoredRuns, rowSelector, waitUntil } from './storageProbe';

const SPE = 2;
const RUN = `/?backend=cpu&epochs=40&stepsPerEpoch=${SPE}&batchSize=8&checkpointEvery=5&logEvery=1&seed=11`;

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

it('resumes a run after each of three reloads, losing at most the current epoch', async () => {
  const lab = await openLab(browser, RUN);
  const { page } = lab;
  try {
    await byTestId(page, 'train-button').click();
    let target = 2;
    for (let reload = 1; reload <= 3; reload++) {
      // Reload in the middle of an epoch, once a few epochs are saved.
      await waitUntil(page, `epoch ${target} saved`, `Number(document.querySelector('${rowSelector}')?.dataset.epochs) >= ${target}`, 120_000);
      await waitUntil(page, 'a step mid-epoch', `(() => { const t = document.querySelector('[data-testid="status-step"]')?.textContent ?? ''; const n = Number(/\\d+/.exec(t)?.[0]); return n % ${SPE} === 1; })()`, 60_000);
      const before = await readNumber(page, 'status-step');
      await page.reload();

      await waitUntil(page, `the resume offer after reload ${reload}`, `!!document.querySelector('[data-testid="resume-interrupted"]:not([disabled])')`);
      expect(await page.locator(`${rowSelector} [data-testid="run-status"]`).textContent()).toBe('interrupted');
      await byTestId(page, 'resume-interrupted').click();
      await waitUntil(page, 'the resumed run to start', `/Pause/.test(document.querySelector('[data-testid="pause-button"]')?.textContent ?? '') && !document.querySelector('[data-testid="pause-button"]')?.disabled`);
      const resumedFrom = await readNumber(page, 'status-step');
      // At most the epoch in progress is lost (and the one being saved as the page went).
      expect(resumedFrom, await describeLab(lab)).toBeGreaterThanOrEqual((Math.floor(before / SPE) - 1) * SPE);
      expect(resumedFrom % SPE).toBe(0);
      await waitForNumber(lab, 'status-step', resumedFrom + 1, 60_000);
      target = resumedFrom / SPE + 2;
    }
    await waitUntil(page, `epoch ${target} saved`, `Number(document.querySelector('${rowSelector}')?.dataset.epochs) >= ${target}`, 120_000);
    await byTestId(page, 'pause-button').click();
    await waitUntil(page, 'the pause', `/Resume/.test(document.querySelector('[data-testid="pause-button"]')?.textContent ?? '')`);

    const [run] = await readStoredRuns(page);
    const n = run.epochs.length;
    const oneToN = Array.from({ length: n }, (_, i) => i + 1);
    expect(run.epochs).toEqual(oneToN);
    expect([...run.grids].sort((a, b) => a - b)).toEqual(oneToN);
    expect([...run.generators].sort((a, b) => a - b)).toEqual(run.generatorEpochs);
    // One resume point, the one the record names, whole.
    expect(run.states).toEqual([run.latestStep]);
    expect(run.stateBytes[0]).toBeGreaterThan(30_000_000);
    expect(await byTestId(page, 'error-message').count(), await describeLab(lab)).toBe(0);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});
