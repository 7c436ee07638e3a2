/**
 * History that survives a reload: a tiny run saves every epoch to IndexedDB; after a reload the
 * run is listed with its checkpoints, the slider scrubs its grids, the same seed samples the
 * same digits, and the run trains on from where it stopped.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CanvasDigest, byTestId, describeLab, drawnDigest, launchChromium, openLab, waitFor, waitForNumber } from './lab';

const RUN = '/?backend=cpu&epochs=3&stepsPerEpoch=2&batchSize=8&checkpointEvery=1&logEvery=1&seed=5';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const row = '[data-testid="run-row"]';

it('keeps a run through a reload: listed, scrubbed, sampled and trained on', async () => {
  const lab = await openLab(browser, RUN);
  const { page } = lab;
  try {
    await byTestId(page, 'train-button').click();
    await waitFor(
      page,
      'the run to finish and be saved',
      `document.querySelector('${row}[data-epochs="3"] [data-testid="run-status"]')?.textContent === 'completed'`,
      240_000,
    );

    await page.reload();
    await waitFor(page, 'the saved run after the reload', `document.querySelectorAll('${row}').length === 1`);
    const saved = page.locator(row);
    expect(await saved.getAttribute('data-epochs')).toBe('3');
    expect(await saved.getAttribute('data-checkpoints')).toBe('3');
    expect(await saved.locator('[data-testid="run-checkpoints"]').textContent()).toBe('3');
    expect(await saved.locator('[data-testid="run-status"]').textContent()).toBe('completed');

    // The slider starts at the newest epoch; Home goes to the first, → to the next.
    const grid = byTestId(page, 'history-grid');
    expect(await grid.getAttribute('data-epoch')).toBe('3');
    const last = await drawnDigest(page, 'history-grid');
    const slider = byTestId(page, 'epoch-slider');
    await slider.focus();
    await page.keyboard.press('Home');
    await waitFor(page, 'epoch 1 in the history grid', `document.querySelector('[data-testid="history-grid"]')?.dataset.epoch === '1'`);
    const first = await drawnDigest(page, 'history-grid');
    expect(first.hash).not.toBe(last.hash);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('ArrowRight');
    await waitFor(page, 'epoch 2 after →', `document.querySelector('[data-testid="history-grid"]')?.dataset.epoch === '2'`);
    expect((await drawnDigest(page, 'history-grid')).hash).not.toBe(first.hash);
    expect(await byTestId(page, 'compare-view').textContent()).toMatch(/Epoch A.*Epoch B/s);

    // The same seed twice: the same digits.
    await byTestId(page, 'sample-seed').fill('7');
    await byTestId(page, 'sample-count').fill('20');
    const sampleGrid = byTestId(page, 'sample-grid');
    const samples: CanvasDigest[] = [];
    for (const version of ['1', '2']) {
      await byTestId(page, 'sample-button').click();
      await waitFor(
        page,
        `sample ${version}`,
        `(() => { const c = document.querySelector('[data-testid="sample-grid"]'); return c?.dataset.version === '${version}' && c?.dataset.status === 'done'; })()`,
      );
      samples.push(await drawnDigest(page, 'sample-grid'));
    }
    expect(await sampleGrid.getAttribute('height')).toBe(String(2 * 28));
    expect(samples[1].hash).toBe(samples[0].hash);

    // Train the finished run on to epoch 4: it continues from step 6, not from scratch.
    await saved.locator('[data-testid="run-extend-epochs"]').fill('4');
    await saved.locator('[data-testid="run-resume"]').click();
    expect(await waitForNumber(lab, 'status-step', 6, 30_000)).toBeGreaterThanOrEqual(6);
    await waitForNumber(lab, 'status-epoch', 4, 240_000);
    await waitFor(
      page,
      'epoch 4 to be saved',
      `document.querySelector('${row}[data-epochs="4"] [data-testid="run-status"]')?.textContent === 'completed'`,
    );
    expect(await saved.getAttribute('data-checkpoints')).toBe('4');
    expect(await byTestId(page, 'error-message').count(), await describeLab(lab)).toBe(0);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});
