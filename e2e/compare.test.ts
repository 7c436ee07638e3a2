/**
 * Comparing runs: two tiny runs that differ only in learning rate are ticked and compared; each
 * chart shows two series (the C2ST chart one per run that measured it), the table shows the
 * learning rate as the difference, the CSV holds both runs' columns, and after a reload the
 * choice and the comparison come back.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { byTestId, describeLab, launchChromium, openLab, waitFor } from './lab';

const TINY = '/?backend=cpu&epochs=2&stepsPerEpoch=2&batchSize=8&checkpointEvery=1&logEvery=1&seed=3';
const row = '[data-testid="run-row"]';
const chart = (key: string) => `[data-testid="runs-compare-chart"][data-chart="${key}"]`;

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function download(page: Page, testId: string): Promise<{ name: string; bytes: Uint8Array }> {
  const [file] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }) as Promise<Download>,
    byTestId(page, testId).click(),
  ]);
  return { name: file.suggestedFilename(), bytes: new Uint8Array(await readFile(await file.path())) };
}

/** One CSV line's cells, quotes undone. */
function csvCells(line: string): string[] {
  return [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map(([, cell]) => (cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell));
}

async function trainTiny(page: Page, lr: string, runs: number): Promise<void> {
  await page.goto(new URL(`${TINY}&lr=${lr}`, page.url()).href);
  await byTestId(page, 'train-button').click();
  await waitFor(
    page,
    `run ${runs} (lr ${lr}) to finish`,
    `document.querySelectorAll('${row}[data-epochs="2"]').length === ${runs} && [...document.querySelectorAll('${row} [data-testid="run-status"]')].every((s) => s.textContent === 'completed')`,
    240_000,
  );
}

/**
 * Every chart of the comparison shows `n` runs (the quality ones once both checkpoints are
 * measured); the C2ST chart as many as the table has a C2ST for (the C2ST may be off on cpu),
 * and says so when none has.
 */
async function expectSeries(page: Page, n: number): Promise<void> {
  const keys = ['dLoss', 'gLoss', 'dReal', 'dFake', 'fd', 'score'];
  const judged = `[...document.querySelectorAll('[data-testid="runs-compare-row"] td[data-metric="finalC2st"]')].filter((td) => td.textContent !== '—').length`;
  await waitFor(
    page,
    `${n} series in every comparison chart`,
    `document.querySelectorAll('[data-testid="runs-compare-chart"]').length === 7 && ${JSON.stringify(keys)}.every((key) => document.querySelector('[data-testid="runs-compare-chart"][data-chart="' + key + '"]')?.dataset.series === '${n}') && document.querySelector('${chart('c2st')}')?.dataset.series === String(${judged})`,
    30_000,
  );
  for (const key of keys) {
    expect(await page.locator(chart(key)).getAttribute('data-series'), key).toBe(String(n));
  }
  const c2stRuns = Number(await page.locator(chart('c2st')).getAttribute('data-series'));
  expect(await page.locator(`${chart('c2st')} [data-testid="runs-compare-chart-empty"]`).count()).toBe(c2stRuns === 0 ? 1 : 0);
  const drawn = await page.locator(`${chart('c2st')} .compare-line.checkpoints path`).evaluateAll((paths) => paths.filter((p) => p.getAttribute('d')).length);
  expect(drawn).toBe(c2stRuns);
  // Two runs, two smoothed lines (and two faint raw ones) drawn in the D loss chart.
  expect(await page.locator(`${chart('dLoss')} .compare-line`).count()).toBe(2 * n);
}

it('compares two runs with different learning rates, and keeps the comparison through a reload', async () => {
  const lab = await openLab(browser, TINY);
  const { page } = lab;
  try {
    await trainTiny(page, '0.001', 1);
    await trainTiny(page, '0.0003', 2);

    const boxes = page.locator('[data-testid="run-compare"]');
    expect(await boxes.count()).toBe(2);
    expect(await byTestId(page, 'compare-open').isDisabled()).toBe(true);
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await byTestId(page, 'compare-open').click();
    await waitFor(page, 'the comparison', `document.querySelector('[data-testid="runs-compare"]')?.dataset.runs === '2'`);
    await expectSeries(page, 2);

    // The table: MNIST's scores are out of 10.
    for (const score of await page.locator('[data-testid="runs-compare-row"] td[data-metric="finalScore"]').allTextContents()) expect(score).toMatch(/^\d+\.\d\d \/ 10$/);
    // The learning rate is the difference (both networks'), nothing else.
    const settings = await page.locator('[data-testid="runs-compare-sort"][data-key^="setting:"]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.key));
    expect(settings).toEqual(['setting:recipe.gOptimizer.lr', 'setting:recipe.dOptimizer.lr']);
    const lrs = await page.locator('[data-testid="runs-compare-row"] td[data-field="recipe.gOptimizer.lr"]').allTextContents();
    expect(lrs.sort()).toEqual(['0.0003', '0.001']);

    // One click: quality against training time.
    await byTestId(page, 'runs-compare-axis-time').click();
    await waitFor(page, 'the time axis', `document.querySelector('[data-testid="runs-compare-axis-time"]')?.getAttribute('aria-pressed') === 'true'`);
    await expectSeries(page, 2);
    // The charts are redrawn one per animation frame (shared/chartTurns.ts): the FD chart's turn comes.
    await waitFor(page, 'the FD chart against training time', `(document.querySelector('${chart('fd')}')?.textContent ?? '').includes('training time (s)')`);
    expect(await page.locator(chart('fd')).textContent()).toMatch(/training time \(s\)/);

    const csv = new TextDecoder().decode((await download(page, 'runs-compare-csv')).bytes);
    const [header, ...lines] = csv.trimEnd().split('\n').map(csvCells);
    // Both runs are named after their preset and seed: the second column set is told apart.
    const labels = header.filter((c) => c.endsWith(': d_loss')).map((c) => c.slice(0, -': d_loss'.length));
    expect(labels).toHaveLength(2);
    expect(labels[1]).toBe(`${labels[0]} (2)`);
    for (const label of labels) {
      for (const series of ['d_loss', 'g_loss', 'd_x', 'd_g_z', 'wall_s', 'fd', 'score', 'c2st', 'c2st_floor']) expect(header).toContain(`${label}: ${series}`);
    }
    // Four logged steps, each with both runs' losses.
    expect(lines.map((cells) => cells[0])).toEqual(['1', '2', '3', '4']);
    for (const cells of lines) {
      for (const label of labels) expect(Number(cells[header.indexOf(`${label}: d_loss`)]), `${label} at step ${cells[0]}`).toBeGreaterThan(0);
    }
    const json = JSON.parse(new TextDecoder().decode((await download(page, 'runs-compare-json')).bytes));
    expect(json.runs).toHaveLength(2);
    const png = await download(page, 'runs-compare-png');
    expect([...png.bytes.slice(1, 4)]).toEqual([0x50, 0x4e, 0x47]);

    // Rename one run with a note; the run list sorts by name.
    const first = page.locator(row).first();
    await first.locator('[data-testid="run-rename"]').click();
    await first.locator('[data-testid="run-name-input"]').fill('aaa slow lr');
    await first.locator('[data-testid="run-note-input"]').fill('tried 3e-4');
    await first.locator('[data-testid="run-rename-save"]').click();
    await waitFor(page, 'the new name in the table', `[...document.querySelectorAll('[data-testid="runs-compare-row"] th')].some((th) => th.textContent.startsWith('aaa slow lr'))`);
    await byTestId(page, 'run-sort').selectOption('name');
    expect(await page.locator(`${row} [data-testid="run-view"]`).first().textContent()).toBe('aaa slow lr');

    await page.reload();
    await waitFor(page, 'the comparison after the reload', `document.querySelector('[data-testid="runs-compare"]')?.dataset.runs === '2'`);
    expect(await page.locator('[data-testid="run-compare"]:checked').count()).toBe(2);
    expect(await byTestId(page, 'runs-compare-axis-time').getAttribute('aria-pressed')).toBe('true');
    expect(await byTestId(page, 'run-sort').inputValue()).toBe('name');
    expect(await byTestId(page, 'run-note').textContent()).toBe('tried 3e-4');
    await expectSeries(page, 2);
    expect(await byTestId(page, 'error-message').count(), await describeLab(lab)).toBe(0);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});
