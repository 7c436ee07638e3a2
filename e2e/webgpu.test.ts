/**
 * WebGPU in real Chromium (started with --enable-unsafe-webgpu; here its adapter is SwiftShader,
 * a software device, so runs are tiny): a seeded run trains with finite losses equal to cpu's,
 * draws the live grid and pauses; a lost device hands the run to wasm from its last resume point.
 */
import type { Browser, Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { byTestId, canvasDigest, describeLab, launchChromium, openLab, readNumber, sleep, waitForNumber, type Lab } from './lab';
import { readStoredRuns, rowSelector, waitUntil } from './storageProbe';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium(['--enable-unsafe-webgpu']);
});
afterAll(async () => {
  await browser?.close();
});

const RUN = 'epochs=20&stepsPerEpoch=2&batchSize=8&checkpointEvery=10&logEvery=1&seed=11';

/**
 * Largest |webgpu − cpu| allowed for the four losses of each of the first two steps (values
 * near 0.7): both compute in float32 from the same CPU-drawn inputs, summing in other orders
 * (measured here: 1.2e-7).
 */
const LOSS_TOLERANCE = 1e-5;

const savedEpochs = (n: number) => `Number(document.querySelector('${rowSelector}')?.dataset.epochs) >= ${n}`;

interface Losses {
  step: number;
  values: number[];
}

/** The loss points the lab saved for its (only) run, from IndexedDB, by step. */
async function savedLosses(page: Page): Promise<Losses[]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('mnist-gan-lab-losses');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const chunks = await new Promise<Float64Array[]>((resolve, reject) => {
      const request = db.transaction('losses', 'readonly').objectStore('losses').getAll();
      request.onsuccess = () => resolve(request.result as Float64Array[]);
      request.onerror = () => reject(request.error);
    });
    db.close();
    const points: { step: number; values: number[] }[] = [];
    for (const chunk of chunks) {
      for (let i = 0; i + 5 <= chunk.length; i += 5) points.push({ step: chunk[i], values: Array.from(chunk.slice(i + 1, i + 5)) });
    }
    return points.sort((a, b) => a.step - b.step);
  });
}

async function trainingWorker(page: Page): Promise<Worker> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const worker = page.workers().find((w) => w.url().includes('training.worker'));
    if (worker) return worker;
    if (Date.now() > deadline) throw new Error(`No training worker among ${page.workers().map((w) => w.url())}`);
    await sleep(100);
  }
}

/**
 * Trains until epoch 1 is saved (on SwiftShader the first step compiles shaders and epoch 1's
 * quality check classifies 1,000 digits: minutes on a busy 2-core machine); the losses of steps 1 and 2.
 */
async function firstLosses(lab: Lab): Promise<Losses[]> {
  await byTestId(lab.page, 'train-button').click();
  await waitUntil(lab.page, 'epoch 1 saved', savedEpochs(1), 420_000);
  return (await savedLosses(lab.page)).filter((p) => p.step <= 2);
}

it('trains on webgpu: finite losses equal to cpu’s, a drawn grid, pause', async () => {
  const lab = await openLab(browser, `/?backend=webgpu&${RUN}`);
  const { page } = lab;
  try {
    const gpu = await firstLosses(lab);
    const readout = (await byTestId(page, 'status-backend').textContent()) ?? '';
    expect(readout, await describeLab(lab)).toMatch(/webgpu.*WebGPU, \w+/i);
    expect(gpu.map((p) => p.step)).toEqual([1, 2]);
    expect(gpu.flatMap((p) => p.values).every(Number.isFinite)).toBe(true);
    const grid = (await canvasDigest(page, 'live-grid'))!;
    expect(grid.range).toBeGreaterThanOrEqual(64);
    expect(grid.distinct).toBeGreaterThanOrEqual(16);

    await byTestId(page, 'pause-button').click();
    await waitUntil(page, 'Resume on the button', `/resume/i.test(document.querySelector('[data-testid="pause-button"]')?.textContent ?? '')`, 120_000);
    // A step already under way may finish; then the counter holds.
    let pausedAt = await readNumber(page, 'status-step');
    for (let i = 0; i < 20; i += 1) {
      await sleep(2_000);
      const now = await readNumber(page, 'status-step');
      if (now === pausedAt) break;
      pausedAt = now;
    }
    await sleep(4_000);
    expect(await readNumber(page, 'status-step'), await describeLab(lab)).toBe(pausedAt);
    expect(lab.problems).toEqual([]);

    const cpuLab = await openLab(browser, `/?backend=cpu&${RUN}`);
    try {
      const cpu = await firstLosses(cpuLab);
      expect(cpu.map((p) => p.step)).toEqual([1, 2]);
      const worst = Math.max(...gpu.flatMap((p, i) => p.values.map((v, j) => Math.abs(v - cpu[i].values[j]))));
      console.log(`webgpu vs cpu, steps 1-2: largest loss difference ${worst.toExponential(2)}`, { gpu, cpu });
      expect(worst).toBeLessThanOrEqual(LOSS_TOLERANCE);
    } finally {
      await cpuLab.close();
    }
  } finally {
    await lab.close();
  }
}, 900_000);

it('goes on with wasm from the last resume point when the WebGPU device is lost', async () => {
  const lab = await openLab(browser, `/?backend=webgpu&${RUN}`);
  const { page } = lab;
  try {
    await byTestId(page, 'train-button').click();
    await waitUntil(page, 'epoch 1 saved', savedEpochs(1), 420_000);
    expect(await byTestId(page, 'status-backend').textContent()).toMatch(/webgpu/i);
    const worker = await trainingWorker(page);
    await worker.evaluate(() => {
      const engine = (self as unknown as { _tfengine: { backend: { device: { destroy(): void } } } })._tfengine;
      engine.backend.device.destroy();
    });
    await waitUntil(
      page,
      'the notice',
      `[...document.querySelectorAll('[data-testid="notice"]')].some((n) => /WebGPU device was lost.*goes on with wasm from its last resume point/.test(n.textContent))`,
      120_000,
    );
    await waitUntil(page, 'wasm in the backend readout', `/wasm/i.test(document.querySelector('[data-testid="status-backend"]')?.textContent ?? '')`, 60_000);
    const step = await readNumber(page, 'status-step');
    await waitForNumber(lab, 'status-step', step + 2, 120_000);
    expect(await byTestId(page, 'error-message').count(), await describeLab(lab)).toBe(0);
    const [run] = await readStoredRuns(page);
    expect(run.epochs).toEqual(Array.from({ length: run.epochs.length }, (_, i) => i + 1));
    expect(lab.problems.filter((p) => !/device.*(lost|destroyed)|destroyed device|mapAsync/i.test(p))).toEqual([]);
  } finally {
    await lab.close();
  }
}, 600_000);
