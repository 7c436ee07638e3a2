/**
 * Recipes edited in the page: a width changed in the JSON changes the parameter count, the link
 * and what trains, and survives a reload; a recipe that cannot work is refused with a message
 * before anything trains, and nothing saved changes.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PRESETS } from '../src/core/presets';
import { type Recipe, encodeRecipe } from '../src/core/recipe';
import { byTestId, describeLab, drawnDigest, expectFiniteLossLines, launchChromium, openLab, waitFor, waitForNumber } from './lab';

const RUN = '/?backend=cpu&epochs=1&stepsPerEpoch=2&batchSize=8&checkpointEvery=1&logEvery=1&seed=3';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Parameters of a chain of dense layers: a kernel and a bias each. */
function denseParameters(widths: number[]): number {
  let total = 0;
  for (let i = 1; i < widths.length; i++) total += widths[i - 1] * widths[i] + widths[i];
  return total;
}

/** G's and D's parameter counts, the first two numbers of `param-count`. */
async function parameterCounts(page: Page): Promise<number[]> {
  const text = (await byTestId(page, 'param-count').textContent()) ?? '';
  return (text.match(/\d[\d,]*/g) ?? []).slice(0, 2).map((n) => Number(n.replace(/,/g, '')));
}

async function openRecipe(page: Page): Promise<void> {
  await byTestId(page, 'recipe-summary').click();
  await byTestId(page, 'recipe-json').waitFor({ state: 'visible' });
}

async function editRecipe(page: Page, edit: (text: string) => string): Promise<void> {
  const textarea = byTestId(page, 'recipe-json');
  await textarea.fill(edit(await textarea.inputValue()));
  await byTestId(page, 'recipe-apply').click();
}

const seedG = denseParameters([100, 256, 512, 1024, 784]);
const seedD = denseParameters([784, 1024, 512, 256, 1]);

it('trains a recipe with a width edited in its JSON, and keeps it through a reload', async () => {
  const lab = await openLab(browser, RUN);
  const { page } = lab;
  try {
    await openRecipe(page);
    expect(await parameterCounts(page)).toEqual([seedG, seedD]);

    await editRecipe(page, (text) => text.replace('"units": 256', '"units": 96'));
    const narrowG = denseParameters([100, 96, 512, 1024, 784]);
    expect(await parameterCounts(page)).toEqual([narrowG, seedD]);
    expect(await byTestId(page, 'recipe-summary').textContent()).toMatch(/custom \(from seed: generator\.layers\[0\]\.units 96/);
    expect(page.url()).toMatch(/[?&]recipe=[A-Za-z0-9_-]+/);
    expect(await byTestId(page, 'error-message').count()).toBe(0);

    await byTestId(page, 'train-button').click();
    await waitForNumber(lab, 'status-step', 2, 120_000);
    await waitFor(page, 'the run to be saved', `document.querySelector('[data-testid="run-row"] [data-testid="run-status"]')?.textContent === 'completed'`, 120_000);
    await expectFiniteLossLines(page);
    await drawnDigest(page, 'live-grid');
    expect(await byTestId(page, 'run-recipe').textContent()).toMatch(/custom \(from seed: generator\.layers\[0\]\.units 96/);

    await page.reload();
    await openRecipe(page);
    expect(await parameterCounts(page)).toEqual([narrowG, seedD]);
    await waitFor(page, 'the saved run after the reload', `document.querySelectorAll('[data-testid="run-row"]').length === 1`);
    expect(await byTestId(page, 'run-recipe').textContent()).toContain('custom');
    expect(lab.problems, await describeLab(lab)).toEqual([]);
  } finally {
    await lab.close();
  }
});

it('refuses JSON that does not read and a shape that cannot work, before anything trains', async () => {
  const lab = await openLab(browser, RUN);
  const { page } = lab;
  try {
    await openRecipe(page);
    const before = page.url();

    await editRecipe(page, (text) => text.slice(0, -3));
    await byTestId(page, 'error-message').waitFor({ state: 'visible' });
    expect(await byTestId(page, 'error-message').textContent()).toMatch(/not valid JSON/);
    expect(await byTestId(page, 'train-button').isDisabled()).toBe(true);
    expect(await parameterCounts(page)).toEqual([seedG, seedD]);
    expect(page.url()).toBe(before);

    await editRecipe(page, () => seedRecipeText.replace('"units": 784', '"units": 780'));
    expect(await byTestId(page, 'error-message').textContent()).toMatch(/generator must end in 784 values/);
    expect(await byTestId(page, 'train-button').isDisabled()).toBe(true);

    await editRecipe(page, () => JSON.stringify({ ...JSON.parse(seedRecipeText), batchSize: 0 }));
    expect(await byTestId(page, 'recipe-problem').textContent()).toMatch(/batchSize/);
    expect(page.url()).toBe(before);
    expect(await byTestId(page, 'run-row').count()).toBe(0);

    // Back to the preset: the form is valid again and can train.
    await byTestId(page, 'recipe-reset').click();
    // The link asked for batch 8; the preset's own recipe has 128.
    expect(JSON.parse(await byTestId(page, 'recipe-json').inputValue())).toEqual({ ...JSON.parse(seedRecipeText), batchSize: 128 });
    expect(await byTestId(page, 'error-message').count()).toBe(0);
    expect(await byTestId(page, 'train-button').isDisabled()).toBe(false);
  } finally {
    await lab.close();
  }
});

it('trains a hinge-loss recipe with spectral norm in D on wasm, from a link', async () => {
  const seed = PRESETS.seed.recipe;
  const recipe: Recipe = {
    ...seed,
    loss: 'hinge',
    discriminator: {
      ...seed.discriminator,
      layers: seed.discriminator.layers.map((layer) => (layer.kind === 'dense' ? { ...layer, spectralNorm: true } : layer)),
    },
    batchSize: 8,
  };
  const lab = await openLab(browser, `/?backend=wasm&epochs=1&stepsPerEpoch=3&checkpointEvery=1&logEvery=1&seed=4&recipe=${encodeRecipe(recipe)}`);
  const { page } = lab;
  try {
    expect(await byTestId(page, 'recipe-summary').textContent()).toMatch(/custom \(from seed: discriminator\.layers\[0\]\.spectralNorm true/);
    await byTestId(page, 'train-button').click();
    await waitForNumber(lab, 'status-step', 3, 120_000);
    await waitFor(page, 'the run to be saved', `document.querySelector('[data-testid="run-row"] [data-testid="run-status"]')?.textContent === 'completed'`, 120_000);
    await expectFiniteLossLines(page);
    expect(await byTestId(page, 'error-message').count(), await describeLab(lab)).toBe(0);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});

it('trains the class-conditional preset, whose Sample draws the chosen digit, in TF.js and in ONNX Runtime alike', async () => {
  const lab = await openLab(browser, `${RUN}&preset=class-ema`);
  const { page } = lab;
  try {
    expect(await byTestId(page, 'preset-select').inputValue()).toBe('class-ema');
    await openRecipe(page);
    // The label's ten one-hot rows join each network's first dense layer.
    expect(await parameterCounts(page)).toEqual([seedG + 10 * 256, seedD + 10 * 1024]);
    expect(await byTestId(page, 'recipe-conditioning').inputValue()).toBe('class');
    await byTestId(page, 'train-button').click();
    await waitFor(page, 'the run to be saved', `document.querySelector('[data-testid="run-row"] [data-testid="run-status"]')?.textContent === 'completed'`, 120_000);
    await expectFiniteLossLines(page);
    await drawnDigest(page, 'live-grid');

    await byTestId(page, 'sample-seed').fill('5');
    await byTestId(page, 'sample-count').fill('10');
    const draw = async (digit: string, version: number) => {
      await byTestId(page, 'sample-digit').selectOption(digit);
      await byTestId(page, 'sample-button').click();
      await waitFor(
        page,
        `sample ${version} (digit ${digit})`,
        `(() => { const c = document.querySelector('[data-testid="sample-grid"]'); return c?.dataset.version === '${version}' && c?.dataset.status === 'done'; })()`,
      );
      return drawnDigest(page, 'sample-grid');
    };
    const three = await draw('3', 1);
    expect(await byTestId(page, 'sample-grid').getAttribute('data-digit')).toBe('3');
    expect(await byTestId(page, 'sample-grid').getAttribute('aria-label')).toMatch(/seed 5 · digit 3$/);
    expect((await draw('3', 2)).hash, 'the same seed and digit draw the same digits').toBe(three.hash);
    expect((await draw('7', 3)).hash, 'another digit, other images from the same noise').not.toBe(three.hash);

    // The ONNX file takes the digit as its second input and draws what TF.js drew.
    await byTestId(page, 'onnx-run-button').click();
    await waitFor(page, 'the ONNX Runtime check', `['done', 'error'].includes(document.querySelector('[data-testid="onnx-grid"]')?.dataset.status)`, 120_000);
    expect(await byTestId(page, 'onnx-grid').getAttribute('data-status'), await describeLab(lab)).toBe('done');
    expect(Number(await byTestId(page, 'onnx-max-diff').getAttribute('data-value'))).toBeLessThanOrEqual(1e-5);

    // The choice is offered for this run only after a reload too.
    await page.reload();
    await byTestId(page, 'sample-digit').waitFor({ state: 'visible', timeout: 60_000 });
    expect(await byTestId(page, 'error-message').count(), await describeLab(lab)).toBe(0);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});

it('applies a learning-rate change mid-run at the next step, and keeps it through a reload and a resume', async () => {
  const lab = await openLab(browser, '/?backend=cpu&epochs=6&stepsPerEpoch=12&batchSize=8&checkpointEvery=1&logEvery=1&seed=6');
  const { page } = lab;
  try {
    await byTestId(page, 'train-button').click();
    await waitForNumber(lab, 'status-step', 3, 120_000);
    expect(await byTestId(page, 'live-current').textContent()).toBe('G lr 2e-4, D lr 2e-4');
    await byTestId(page, 'live-g-lr').fill('0.001');
    await byTestId(page, 'live-apply').click();
    await waitFor(page, 'the change in force', `document.querySelector('[data-testid="live-current"]')?.textContent === 'G lr 1e-3, D lr 2e-4'`);
    await waitFor(page, 'its mark on the loss chart', `document.querySelectorAll('[data-testid="loss-chart"] .live-marker').length >= 1`);
    // Past the end of the epoch in progress, so the change is in a saved epoch.
    await waitForNumber(lab, 'status-epoch', 3, 180_000);

    await page.reload();
    await waitFor(page, 'the resume offer', `!!document.querySelector('[data-testid="resume-interrupted"]:not([disabled])')`, 60_000);
    await byTestId(page, 'resume-interrupted').click();
    await waitFor(page, 'the resumed run', `/Pause/.test(document.querySelector('[data-testid="pause-button"]')?.textContent ?? '')`, 60_000);
    await waitFor(page, 'the resumed run to keep the change', `document.querySelector('[data-testid="live-current"]')?.textContent === 'G lr 1e-3, D lr 2e-4'`);
    await waitFor(page, 'the mark after the reload', `document.querySelectorAll('[data-testid="loss-chart"] .live-marker').length >= 1`);
    await byTestId(page, 'stop-button').click();
    expect(await byTestId(page, 'error-message').count(), await describeLab(lab)).toBe(0);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});

/** A valid recipe's JSON, read from the page's editor at load (the seed preset's). */
let seedRecipeText = '';
beforeAll(async () => {
  const lab = await openLab(browser, RUN);
  try {
    await openRecipe(lab.page);
    seedRecipeText = await byTestId(lab.page, 'recipe-json').inputValue();
  } finally {
    await lab.close();
  }
});
