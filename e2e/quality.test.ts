/**
 * Quality metrics in the browser: the worker loads the evaluation classifier the app serves,
 * measures each generator checkpoint, and the Quality panel shows FD, score and histogram —
 * also after a reload, from the saved checkpoint records.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { byTestId, describeLab, launchChromium, openLab, readNumber, waitForNumber } from './lab';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

it('measures every checkpoint and keeps the metrics across a reload', async () => {
  const lab = await openLab(browser, '/?backend=wasm&epochs=2&stepsPerEpoch=2&batchSize=8&checkpointEvery=1&seed=4');
  try {
    expect(await byTestId(lab.page, 'quality-fd').textContent()).toBe('—');
    await byTestId(lab.page, 'train-button').click();
    await waitForNumber(lab, 'quality-fd', 0, 120_000);
    const fd = await readNumber(lab.page, 'quality-fd');
    expect(Number.isFinite(fd) && fd > 0, await describeLab(lab)).toBe(true);
    const score = await readNumber(lab.page, 'quality-score');
    expect(score).toBeGreaterThanOrEqual(1);
    expect(score).toBeLessThanOrEqual(10);
    const chart = byTestId(lab.page, 'quality-chart');
    await expect.poll(() => chart.locator('svg.recharts-surface').count()).toBeGreaterThan(0);
    expect(await byTestId(lab.page, 'quality-modes').textContent()).toMatch(/Modes covered \d+\/10, smallest class \d+\.\d %/);
    // The checkpoint C2ST: the critic's accuracy on generated vs real, and real vs real beside it.
    const c2st = (await byTestId(lab.page, 'quality-c2st').textContent()) ?? '';
    const [, judged, floor] = c2st.match(/^(\d\.\d\d) \(real (\d\.\d\d)\)$/) ?? [];
    expect(judged, `quality-c2st says "${c2st}"\n${await describeLab(lab)}`).toBeDefined();
    // Two steps of training: the critic tells these digits from real ones; real from real it cannot.
    expect(Number(judged)).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(Number(floor) - 0.5)).toBeLessThanOrEqual(0.1);

    // Both checkpoints measured; the run is done.
    await waitForNumber(lab, 'status-epoch', 2, 120_000);
    await lab.page.waitForFunction(() => /epoch 2/.test(document.querySelector('[data-testid="quality-panel"] dt')?.textContent ?? ''), null, {
      timeout: 60_000,
      polling: 250,
    });
    // Two checkpoints: FD and score drawn as lines, the real-data reference as a line across.
    await expect.poll(() => chart.locator('.recharts-line path.recharts-curve').count()).toBe(2);
    await expect.poll(() => chart.locator('.recharts-reference-line').count()).toBe(1);
    const cost = await byTestId(lab.page, 'quality-cost').textContent();
    console.log(`quality cost per checkpoint (wasm, N = 1000, C2ST included; its floor ran at epoch 1): ${cost}`);
    const c2stAtEpoch2 = await byTestId(lab.page, 'quality-c2st').textContent();
    await expect.poll(() => byTestId(lab.page, 'compare-view').textContent()).toMatch(/FD.*Score.*\/ 10/);

    // Saved (the event comes just before its epoch is written): the run row says completed.
    await lab.page.waitForFunction(
      () =>
        document.querySelector('[data-testid="run-row"][data-epochs="2"] [data-testid="run-status"]')?.textContent ===
        'completed',
      null,
      { timeout: 60_000, polling: 250 },
    );
    await lab.page.reload();
    await waitForNumber(lab, 'quality-fd', 0, 30_000);
    expect(await byTestId(lab.page, 'quality-panel').locator('dt').first().textContent()).toMatch(/epoch 2/);
    expect(await byTestId(lab.page, 'quality-c2st').textContent()).toBe(c2stAtEpoch2);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});

it('leaves the C2ST out when its critic is given 0 epochs, says why the field refuses a bad count, and keeps FD', async () => {
  const lab = await openLab(browser, '/?backend=wasm&epochs=1&stepsPerEpoch=2&batchSize=8&seed=4&c2stEpochs=0');
  try {
    const field = byTestId(lab.page, 'config-c2stEpochs');
    expect(await field.inputValue()).toBe('0');
    await field.fill('-3');
    expect(await byTestId(lab.page, 'train-button').isDisabled()).toBe(true);
    expect(await lab.page.locator('#config-c2stEpochs-problem').textContent()).toBe('c2stEpochs must be at least 0 and at most 100, got -3.');
    await field.fill('0');
    await byTestId(lab.page, 'train-button').click();
    await waitForNumber(lab, 'quality-fd', 0, 120_000);
    await lab.page.waitForFunction(
      () => document.querySelector('[data-testid="run-row"][data-epochs="1"] [data-testid="run-status"]')?.textContent === 'completed',
      null,
      { timeout: 60_000, polling: 250 },
    );
    expect(await byTestId(lab.page, 'quality-c2st').textContent()).toBe('—');
    await lab.page.reload();
    await waitForNumber(lab, 'quality-fd', 0, 30_000);
    expect(await byTestId(lab.page, 'quality-c2st').textContent()).toBe('—');
    expect(await byTestId(lab.page, 'config-c2stEpochs').inputValue()).toBe('0');
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});
