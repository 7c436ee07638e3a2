/**
 * Take the generator anywhere: a tiny run's generator downloads as a TF.js zip and as ONNX; here,
 * in Node, the zip loads with the lab's importer (tfjs, cpu) and the ONNX file in onnxruntime-web,
 * and both draw digits. In the page, ONNX Runtime draws the same noise as tfjs to within 1e-5; a
 * damaged file is refused with a message and changes nothing; the downloaded zip imports back and
 * samples; the run's recipe downloads as a PyTorch training script that holds it.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importGenerator } from '../src/core/export/generatorImport';
import { byTestId, canvasDigest, describeLab, launchChromium, openLab, waitFor } from './lab';

const RUN = '/?backend=cpu&epochs=2&stepsPerEpoch=2&batchSize=8&checkpointEvery=1&logEvery=1&seed=3';
const SAMPLES = 6;

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
  await tf.setBackend('cpu');
});
afterAll(async () => {
  await browser?.close();
});

/** Grey levels a canvas shows: a drawn grid has many, a blank canvas one. */
/** Grey levels a canvas shows: a drawn grid has many, a blank one a single one. */
async function greyLevels(page: Page, testId: string): Promise<number> {
  return (await canvasDigest(page, testId))?.distinct ?? 0;
}

async function download(page: Page, testId: string): Promise<{ name: string; bytes: Uint8Array }> {
  const [file] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }) as Promise<Download>,
    byTestId(page, testId).click(),
  ]);
  const path = await file.path();
  return { name: file.suggestedFilename(), bytes: new Uint8Array(await readFile(path)) };
}

function noise(count: number): Float32Array {
  const values = new Float32Array(count * 100);
  let state = 12345;
  for (let i = 0; i < values.length; i += 2) {
    // Box-Muller over a small LCG: standard normal noise without tfjs's global RNG.
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const u = (state + 1) / 2 ** 32;
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const v = state / 2 ** 32;
    const r = Math.sqrt(-2 * Math.log(u));
    values[i] = r * Math.cos(2 * Math.PI * v);
    values[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return values;
}

function expectDigits(values: Float32Array | Int32Array | Uint8Array, count: number): void {
  expect(values.length).toBe(count * 784);
  for (const v of values) {
    if (!(v >= -1 && v <= 1)) throw new Error(`A generated value lies outside [-1, 1]: ${v}`);
  }
}

it('downloads TF.js, ONNX and Keras .h5, runs them outside the page, checks ONNX in the page, and imports the zip and the .h5', async () => {
  const lab = await openLab(browser, RUN);
  const { page } = lab;
  try {
    await byTestId(page, 'train-button').click();
    await waitFor(
      page,
      'the run to finish and be saved',
      `document.querySelector('[data-testid="run-row"][data-epochs="2"] [data-testid="run-status"]')?.textContent === 'completed'`,
      240_000,
    );
    const sources = byTestId(page, 'sample-epoch');
    expect(await sources.inputValue()).toBe('2');

    // The files arrive, named for the run and epoch.
    const zip = await download(page, 'download-generator');
    const onnx = await download(page, 'download-onnx');
    const keras = await download(page, 'download-keras');
    expect(keras.name).toBe('mnist-gan-seed-epoch2-generator.h5');
    expect(Array.from(keras.bytes.subarray(0, 8))).toEqual([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(zip.name).toBe('mnist-gan-seed-epoch2-generator.zip');
    expect(onnx.name).toBe('mnist-gan-seed-epoch2-generator.onnx');

    // Node side: the zip in tfjs through the lab's importer, the ONNX in onnxruntime-web.
    const input = noise(SAMPLES);
    const { model, manifest } = await importGenerator({ name: zip.name, bytes: zip.bytes });
    expect(manifest).toMatchObject({ preset: 'seed', epoch: 2, step: 4, seed: 3, latentSize: 100, pixelRange: [-1, 1] });
    const predicted = model.predict(tf.tensor2d(input, [SAMPLES, 100])) as tf.Tensor;
    const tfjsValues = (await predicted.data()) as Float32Array;
    predicted.dispose();
    model.dispose();
    expectDigits(tfjsValues, SAMPLES);

    const session = await ort.InferenceSession.create(onnx.bytes, { executionProviders: ['wasm'] });
    const { image } = await session.run({ noise: new ort.Tensor('float32', input, [SAMPLES, 100]) });
    await session.release();
    expect(image.dims).toEqual([SAMPLES, 784]);
    const onnxValues = image.data as Float32Array;
    expectDigits(onnxValues, SAMPLES);
    let nodeDiff = 0;
    for (let i = 0; i < onnxValues.length; i++) nodeDiff = Math.max(nodeDiff, Math.abs(onnxValues[i] - tfjsValues[i]));
    expect(nodeDiff).toBeLessThanOrEqual(1e-5);

    // In the page: ONNX Runtime on the same noise as the tfjs sample beside it.
    await byTestId(page, 'sample-seed').fill('11');
    await byTestId(page, 'sample-count').fill('20');
    await byTestId(page, 'onnx-run-button').click();
    await waitFor(
      page,
      'the ONNX Runtime check',
      `['done', 'error'].includes(document.querySelector('[data-testid="onnx-grid"]')?.dataset.status)`,
      120_000,
    );
    expect(await byTestId(page, 'onnx-grid').getAttribute('data-status'), await describeLab(lab)).toBe('done');
    // The readout must be there and hold a number: Number(null) would pass as 0.
    const maxDiffReadout = byTestId(page, 'onnx-max-diff');
    expect(await maxDiffReadout.count(), await describeLab(lab)).toBe(1);
    const maxDiffValue = await maxDiffReadout.getAttribute('data-value');
    expect(maxDiffValue, 'data-value of onnx-max-diff').toEqual(expect.stringMatching(/^(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i));
    const maxDiff = Number(maxDiffValue);
    expect(maxDiff).toBeGreaterThanOrEqual(0);
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
    await waitFor(page, 'the tfjs sample', `document.querySelector('[data-testid="sample-grid"]')?.dataset.status === 'done'`);
    expect(await greyLevels(page, 'onnx-grid')).toBeGreaterThanOrEqual(16);
    expect(await greyLevels(page, 'sample-grid')).toBeGreaterThanOrEqual(16);
    console.log(`ONNX Runtime in the page: max |ONNX − TF.js| = ${maxDiff}; in Node: ${nodeDiff}`);

    // The run's recipe as a PyTorch script (src/core/trainingScript.test.ts runs such scripts).
    const script = await download(page, 'download-training-script');
    expect(script.name).toMatch(/seed-3-train\.py$/);
    const text = new TextDecoder().decode(script.bytes);
    const embedded = /RECIPE = json\.loads\(r'''\n([\s\S]*?)\n'''\)/.exec(text)?.[1];
    expect(JSON.parse(embedded ?? 'null')).toEqual(JSON.parse(await byTestId(page, 'recipe-json').inputValue()));
    expect(text).toContain('"epochs":2,"stepsPerEpoch":2,"saveEvery":1,"seed":3}');

    // A damaged file: a message, and the sample sources stay as they were.
    const options = () => sources.locator('option').allTextContents();
    const before = await options();
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) % 251;
    await byTestId(page, 'import-generator').setInputFiles({ name: 'x.zip', mimeType: 'application/zip', buffer: junk });
    await byTestId(page, 'error-message').waitFor({ timeout: 30_000 });
    expect(await byTestId(page, 'error-message').textContent()).toMatch(/x\.zip is neither a zip nor a TF\.js model\.json/);
    expect(await options()).toEqual(before);
    expect(await sources.inputValue()).toBe('2');
    await page.getByRole('button', { name: 'Dismiss these messages' }).click();
    expect(await byTestId(page, 'error-message').count()).toBe(0);
    await byTestId(page, 'import-generator').setInputFiles({ name: 'notes.h5', mimeType: 'text/plain', buffer: Buffer.from('not a model') });
    await byTestId(page, 'error-message').waitFor({ timeout: 30_000 });
    expect(await byTestId(page, 'error-message').textContent()).toMatch(/notes\.h5: this is not an HDF5 file/);
    expect(await options()).toEqual(before);
    await page.getByRole('button', { name: 'Dismiss these messages' }).click();
    expect(await byTestId(page, 'error-message').count()).toBe(0);

    // The downloaded zip imports back, becomes the sample source, and draws digits.
    await byTestId(page, 'import-generator').setInputFiles({ name: zip.name, mimeType: 'application/zip', buffer: Buffer.from(zip.bytes) });
    await waitFor(
      page,
      'the imported generator among the sample sources',
      `[...document.querySelectorAll('[data-testid="sample-epoch"] option')].some((o) => o.selected && o.textContent === 'imported: ${zip.name}')`,
    );
    expect(await options()).toEqual([...before, `imported: ${zip.name}`]);
    await byTestId(page, 'sample-button').click();
    await waitFor(
      page,
      'a sample from the imported generator',
      `(() => { const c = document.querySelector('[data-testid="sample-grid"]'); return c?.dataset.status === 'done' && c.getAttribute('aria-label').includes('imported: '); })()`,
    );
    expect(await greyLevels(page, 'sample-grid')).toBeGreaterThanOrEqual(16);

    // The downloaded Keras .h5 imports back too (h5wasm in the worker, under the page's CSP) and draws digits.
    await byTestId(page, 'import-generator').setInputFiles({ name: keras.name, mimeType: 'application/x-hdf5', buffer: Buffer.from(keras.bytes) });
    await waitFor(
      page,
      'the imported .h5 among the sample sources',
      `[...document.querySelectorAll('[data-testid="sample-epoch"] option')].some((o) => o.selected && o.textContent === 'imported: ${keras.name}')`,
      60_000,
    );
    await byTestId(page, 'sample-button').click();
    await waitFor(
      page,
      'a sample from the imported .h5',
      `(() => { const c = document.querySelector('[data-testid="sample-grid"]'); return c?.dataset.status === 'done' && c.getAttribute('aria-label').includes('${keras.name}'); })()`,
    );
    expect(await greyLevels(page, 'sample-grid')).toBeGreaterThanOrEqual(16);
    expect(await byTestId(page, 'error-message').count(), await describeLab(lab)).toBe(0);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});
