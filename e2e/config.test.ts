/**
 * The run config comes from the URL; what is wrong with it is shown, never silently ignored.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { byTestId, describeLab, firstNumber, launchChromium, openLab } from './lab';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

it('reports invalid and unknown URL parameters by name', async () => {
  const lab = await openLab(browser, '/?epochs=abc&bogus=1');
  try {
    const error = byTestId(lab.page, 'error-message');
    await error.first().waitFor({ state: 'visible', timeout: 30_000 });
    const text = (await error.allTextContents()).join(' ');
    expect(text).toContain('epochs');
    expect(text).toContain('bogus');
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});

it('applies the seed preset: 200 epochs', async () => {
  const lab = await openLab(browser, '/?preset=seed');
  try {
    await lab.page.waitForFunction(
      () => {
        const input = document.querySelector('[data-testid="config-epochs"]');
        const status = document.querySelector('[data-testid="status-epoch"]');
        return (input instanceof HTMLInputElement && input.value !== '') || status !== null;
      },
      null,
      { timeout: 30_000 },
    );
    const input = byTestId(lab.page, 'config-epochs');
    const inputValue = (await input.count()) > 0 ? await input.first().inputValue() : null;
    const statusText = (await byTestId(lab.page, 'status-epoch').first().textContent()) ?? '';
    const statusNumbers = (statusText.match(/\d[\d,]*/g) ?? []).map(firstNumber);
    expect(
      inputValue === '200' || statusNumbers.includes(200),
      `config-epochs: ${inputValue}, status-epoch: ${statusText}`,
    ).toBe(true);
    expect(await byTestId(lab.page, 'error-message').count(), await describeLab(lab)).toBe(0);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});
