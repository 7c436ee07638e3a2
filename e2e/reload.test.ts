/**
 * Reloading mid-training, three times in a row: each time the page offers the interrupted run
 * back, Resume continues it from its last resume point (losing at most the epoch it was in), and
 * at the end the stored epochs are 1..N once each, with one intact resume point.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { byTestId, describeLab, launchChromium, openLab, readNumber, waitForNumber } from './lab';
import { readStoredRuns, rowSelector, waitUntil } from './storageProbe';

const SPE = 2;
const RUN = `/?backend=cpu&epochs=40&stepsPerEpoch=${SPE}&batchSize=8&checkpointEvery=5&logEvery=1&seed=11`;

/** Waits for the page to show a step in the middle of an epoch, and returns it. */
async function stepMidEpoch(page: Page): Promise<number> {
  const shown = await page.waitForFunction(
    (spe) => {
      const step = Number(/\d+/.exec(document.querySelector('[data-testid="status-step"]')?.textContent ?? '')?.[0]);
      return step % spe === 1 ? step : null;
    },
    SPE,
    { timeout: 60_000, polling: 50 },
  );
  return (await shown.jsonValue()) as number;
}

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
      // The step the page shows mid-epoch, read once: read again, it may have moved on to the end
      // of the epoch, whose save can still be under way when the page goes.
      const before = await stepMidEpoch(page);
      await page.reload();

      await waitUntil(page, `the resume offer after reload ${reload}`, `!!document.querySelector('[data-testid="resume-interrupted"]:not([disabled])')`);
      // The run list polls the run locks on its own (every 2 s): the old page's worker may have
      // held the lock at its last look.
      await waitUntil(page, 'the run listed as interrupted', `document.querySelector('${rowSelector} [data-testid="run-status"]')?.textContent === 'interrupted'`, 10_000);
      await byTestId(page, 'resume-interrupted').click();
      await waitUntil(page, 'the resumed run to start', `/Pause/.test(document.querySelector('[data-testid="pause-button"]')?.textContent ?? '') && !document.querySelector('[data-testid="pause-button"]')?.disabled`);
      const resumedFrom = await readNumber(page, 'status-step');
      // At most the epoch in progress is lost: the worker saves each epoch before its next step,
      // so once the page showed a step of epoch e + 1, epoch e was saved.
      expect(resumedFrom, await describeLab(lab)).toBeGreaterThanOrEqual(Math.floor(before / SPE) * SPE);
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
