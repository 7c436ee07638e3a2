/**
 * Damaged or foreign MNIST downloads: a clear message naming the file, no run saved, nothing
 * else changed, and the next Train (with good data) works.
 */
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IDX_IMAGES, idxFile } from '../src/testing/idxFixtures';
import { byTestId, launchChromium, openLab, waitForNumber } from './lab';
import { rowSelector, waitUntil } from './storageProbe';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** An IDX image header where a label file should be: the wrong kind of MNIST file. */
function foreignIdx(): Buffer {
  return gzipSync(idxFile(IDX_IMAGES, [1, 28, 28], new Uint8Array(784)));
}

const cases = [
  { file: 'train-images-idx3-ubyte.gz', body: Buffer.from('<html>Not found</html>'), message: /train-images-idx3-ubyte\.gz is not a valid gzip file/ },
  { file: 'train-labels-idx1-ubyte.gz', body: foreignIdx(), message: /train-labels-idx1-ubyte is not an MNIST label file: magic 0x00000801 expected, found 0x00000803/ },
];

it('reports garbled and foreign MNIST files, saves nothing, and trains once the data is good', async () => {
  const lab = await openLab(browser, '/?backend=cpu&epochs=2&stepsPerEpoch=1&batchSize=8&logEvery=1');
  const { page } = lab;
  try {
    await waitUntil(page, 'the run list', `/No saved runs yet/.test(document.querySelector('[data-testid="run-list"]')?.textContent ?? '')`);
    for (const { file, body, message } of cases) {
      const pattern = `**/mnist/${file}`;
      await page.context().route(pattern, (route) => route.fulfill({ status: 200, body, contentType: 'application/gzip' }));
      await waitUntil(page, 'Train to be enabled', `!document.querySelector('[data-testid="train-button"]')?.disabled`);
      await byTestId(page, 'train-button').click();
      await waitUntil(page, `the message for ${file}`, `!!document.querySelector('[data-testid="error-message"]')`, 60_000);
      expect(await byTestId(page, 'error-message').textContent()).toMatch(message);
      expect(await page.locator(rowSelector).count()).toBe(0);
      await page.context().unroute(pattern);
    }
    await byTestId(page, 'train-button').click();
    await waitForNumber(lab, 'status-step', 1, 120_000);
    await waitUntil(page, 'the good run saved', `document.querySelectorAll('${rowSelector}').length === 1`);
    expect(lab.problems.filter((p) => !/gzip|MNIST|Failed to load/i.test(p))).toEqual([]);
  } finally {
    await lab.close();
  }
});
