/**
 * `auto` chooses by measurement: at the first Train the worker times a few steps of the run's
 * recipe on each candidate backend, shows the rates and trains on the fastest. Here (no GPU,
 * WebGL rendered by SwiftShader on the CPU) that is wasm, by the measured rates; a reload takes
 * the remembered choice without measuring again.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { byTestId, describeLab, launchChromium, openLab, waitForNumber } from './lab';
import { waitUntil } from './storageProbe';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const RUN = '/?backend=auto&epochs=20&stepsPerEpoch=4&batchSize=32&checkpointEvery=10&logEvery=1&seed=5';
const trialPhase = (phase: string) => `document.querySelector('[data-testid="backend-trial"]')?.dataset.phase === '${phase}'`;

it('measures the backends at the first Train, shows the rates and trains on the fastest', async () => {
  const lab = await openLab(browser, RUN);
  const { page } = lab;
  try {
    await byTestId(page, 'train-button').click();
    await waitUntil(page, 'the trial under way', trialPhase('measuring'), 60_000);
    await waitUntil(page, 'the trial’s verdict', trialPhase('done'), 120_000);
    const text = (await byTestId(page, 'backend-trial').textContent()) ?? '';
    console.log(text);
    const rate = (name: string) => Number(new RegExp(`${name} ([\\d.]+)`).exec(text)?.[1]);
    expect(text).toMatch(/Auto measured this recipe: \w+ [\d.]+ steps\/s, \w+ [\d.]+: wasm/);
    expect(rate('wasm')).toBeGreaterThan(rate('webgl'));
    expect(await byTestId(page, 'backend-trial').getAttribute('data-chosen')).toBe('wasm');
    await waitForNumber(lab, 'status-step', 1, 60_000);
    expect(await byTestId(page, 'status-backend').textContent(), await describeLab(lab)).toMatch(/wasm/);

    // The choice is remembered for this device and recipe size: a new page does not measure.
    await page.reload();
    await byTestId(page, 'train-button').click();
    await waitUntil(page, 'the remembered choice', trialPhase('remembered'), 60_000);
    expect(await byTestId(page, 'backend-trial').textContent()).toMatch(/Auto: wasm, measured before/);
    await waitForNumber(lab, 'status-step', 1, 60_000);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});
