/**
 * Faults in the middle of a run, each in real Chromium: the worker throwing, the worker gone,
 * a lost WebGL context, a NaN loss, a full disk and a second tab on the same run.
 */
import type { Browser, Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { byTestId, describeLab, launchChromium, openLab, readNumber, waitForNumber, type Lab } from './lab';
import { readStoredRuns, rowSelector, waitUntil } from './storageProbe';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const tiny = (extra: string) =>
  `/?backend=cpu&epochs=40&stepsPerEpoch=2&batchSize=8&checkpointEvery=5&logEvery=1&seed=21${extra}`;

async function trainingWorker(page: Page): Promise<Worker> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const worker = page.workers().find((w) => w.url().includes('training.worker'));
    if (worker) return worker;
    if (Date.now() > deadline) throw new Error(`No training worker among ${page.workers().map((w) => w.url())}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const savedEpochs = (n: number) => `Number(document.querySelector('${rowSelector}')?.dataset.epochs) >= ${n}`;
const errorText = (pattern: string) =>
  `new RegExp(${JSON.stringify(pattern)}, 's').test(document.querySelector('[data-testid="error-message"]')?.textContent ?? '')`;

/** Clicks the alert's Resume and checks training goes on from the last saved epoch. */
async function resumeFromAlert(lab: Lab, savedStep: number): Promise<void> {
  const { page } = lab;
  await waitUntil(page, 'Resume in the alert', `!!document.querySelector('[data-testid="error-resume"]:not([disabled])')`);
  await byTestId(page, 'error-resume').click();
  await waitUntil(page, 'the error to clear', `!document.querySelector('[data-testid="error-message"]')`);
  expect(await readNumber(page, 'status-step')).toBe(savedStep);
  await waitForNumber(lab, 'status-step', savedStep + 1, 60_000);
}

function withoutSimulated(problems: string[]): string[] {
  return problems.filter((p) => !/Simulated fault/.test(p));
}

/** Faults a bug in the worker itself could raise, started inside the worker. */
const workerFaults: [string, () => void][] = [
  [
    'an uncaught exception',
    () => {
      setTimeout(() => {
        throw new Error('Simulated fault in the training worker');
      });
    },
  ],
  [
    'a promise rejection nobody handles',
    () => {
      void Promise.reject(new Error('Simulated fault in the training worker, in a promise'));
    },
  ],
];

it.each(workerFaults)('reports a worker that throws (%s), and resumes from the last checkpoint', async (_kind, fault) => {
  const lab = await openLab(browser, tiny(''));
  const { page } = lab;
  try {
    await byTestId(page, 'train-button').click();
    await waitUntil(page, 'epoch 2 saved', savedEpochs(2), 120_000);
    const worker = await trainingWorker(page);
    await worker.evaluate(fault);
    await waitUntil(page, 'the crash message', errorText('training worker crashed: .*Simulated fault.*Resume'));
    const [run] = await readStoredRuns(page);
    await resumeFromAlert(lab, run.latestStep!);
    expect(withoutSimulated(lab.problems)).toEqual([]);
  } finally {
    await lab.close();
  }
});

it('notices a worker that is gone without a word, and resumes from the last checkpoint', async () => {
  const lab = await openLab(browser, tiny(''));
  const { page } = lab;
  try {
    await byTestId(page, 'train-button').click();
    await waitUntil(page, 'epoch 2 saved', savedEpochs(2), 120_000);
    const worker = await trainingWorker(page);
    await worker.evaluate(() => self.close()).catch(() => undefined);
    await waitUntil(page, 'the crash message', errorText('training worker crashed: .*gone'), 20_000);
    const [run] = await readStoredRuns(page);
    await resumeFromAlert(lab, run.latestStep!);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});

it('pauses on a NaN loss, keeps the last good checkpoint and resumes from it', async () => {
  const lab = await openLab(browser, '/?backend=cpu&lr=1000000&epochs=20&stepsPerEpoch=1&batchSize=8&checkpointEvery=5&logEvery=1&seed=3');
  const { page } = lab;
  try {
    await byTestId(page, 'train-button').click();
    await waitUntil(page, 'the NaN message', errorText('paused by itself at step \\d+: .*(NaN|Infinity|infinite).*learning rate'), 120_000);
    const message = (await byTestId(page, 'error-message').textContent()) ?? '';
    const [run] = await readStoredRuns(page);
    expect(run.status).toBe('paused');
    expect(run.latestStep).toBeGreaterThan(0);
    expect(message).toContain(`resume point (step ${run.latestStep}`);
    expect(run.states).toEqual([run.latestStep]);
    expect(run.epochs).toEqual(Array.from({ length: run.latestStep! }, (_, i) => i + 1));

    await byTestId(page, 'error-resume').click();
    // The same absurd rate fails again; what was saved stays as it was.
    await waitUntil(page, 'the NaN message again', errorText('paused by itself'), 120_000);
    const [after] = await readStoredRuns(page);
    expect(after.latestStep).toBe(run.latestStep);
    expect(after.states).toEqual(run.states);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});

it('goes on with wasm from the last resume point when the WebGL context is lost', async () => {
  const lab = await openLab(browser, tiny('').replace('backend=cpu', 'backend=webgl'));
  const { page } = lab;
  try {
    await byTestId(page, 'train-button').click();
    await waitUntil(page, 'epoch 1 saved', savedEpochs(1), 180_000);
    expect(await byTestId(page, 'status-backend').textContent()).toMatch(/webgl/i);
    const worker = await trainingWorker(page);
    await worker.evaluate(() => {
      const engine = (self as unknown as { _tfengine: { backend: { gpgpu: { gl: WebGL2RenderingContext } } } })._tfengine;
      engine.backend.gpgpu.gl.getExtension('WEBGL_lose_context')!.loseContext();
    });
    await waitUntil(
      page,
      'the notice',
      `[...document.querySelectorAll('[data-testid="notice"]')].some((n) => /WebGL context was lost.*goes on with wasm from its last resume point/.test(n.textContent))`,
    );
    await waitUntil(page, 'wasm in the backend readout', `/wasm/i.test(document.querySelector('[data-testid="status-backend"]')?.textContent ?? '')`, 60_000);
    const step = await readNumber(page, 'status-step');
    await waitForNumber(lab, 'status-step', step + 2, 60_000);
    expect(await byTestId(page, 'error-message').count(), await describeLab(lab)).toBe(0);
    const [run] = await readStoredRuns(page);
    expect(run.epochs).toEqual(Array.from({ length: run.epochs.length }, (_, i) => i + 1));
    expect(lab.problems.filter((p) => !/CONTEXT_LOST|context lost/i.test(p))).toEqual([]);
  } finally {
    await lab.close();
  }
});

it('keeps training when storage is full, says so with numbers and loses nothing saved', async () => {
  const lab = await openLab(browser, tiny(''));
  const { page } = lab;
  try {
    // Room for epoch 1 (a 5.9 MB generator and a 35 MB resume point), not for a second resume point beside it.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: 60_000_000 });
    await byTestId(page, 'train-button').click();
    await waitUntil(page, 'the storage problem', `!!document.querySelector('[data-testid="storage-problem"]')`, 120_000);
    const text = (await byTestId(page, 'storage-problem').textContent()) ?? '';
    expect(text).toMatch(/was not saved: the browser's storage for this site is full\. This site uses [\d.]+ MB of the [\d.]+ [MG]B/);
    const step = await readNumber(page, 'status-step');
    await waitForNumber(lab, 'status-step', step + 3, 60_000);
    expect(await byTestId(page, 'error-message').count(), await describeLab(lab)).toBe(0);
    const [run] = await readStoredRuns(page);
    expect(run.epochs).toEqual([1]);
    expect(run.grids).toEqual([1]);
    expect(run.generators).toEqual([1]);
    expect(run.states).toEqual([2]);
    expect(run.latestStep).toBe(2);
    expect(lab.problems.filter((p) => !/quota/i.test(p))).toEqual([]);
  } finally {
    await lab.close();
  }
});

it('lets one tab train a run; the other shows it busy and read-only', async () => {
  const lab = await openLab(browser, tiny(''));
  const { page } = lab;
  try {
    await byTestId(page, 'train-button').click();
    await waitUntil(page, 'epoch 1 saved', savedEpochs(1), 120_000);
    const other = await page.context().newPage();
    await other.goto(page.url());
    await waitUntil(other, 'the busy run', `document.querySelector('${rowSelector}')?.dataset.busy === 'true'`, 20_000);
    expect(await other.locator(`${rowSelector} [data-testid="run-status"]`).textContent()).toBe('training in another tab');
    expect(await other.locator(`${rowSelector} [data-testid="run-resume"]`).isDisabled()).toBe(true);
    expect(await other.locator(`${rowSelector} [data-testid="run-delete"]`).isDisabled()).toBe(true);
    expect(await byTestId(other, 'resume-offer').count()).toBe(0);
    // The lock itself: the second tab cannot take it while the first trains.
    const runId = (await other.locator(rowSelector).getAttribute('data-run-id'))!;
    const free = await other.evaluate(
      (name) => navigator.locks.request(name, { ifAvailable: true }, (lock) => lock !== null),
      `mnist-gan-lab:run:${runId}`,
    );
    expect(free).toBe(false);
    const step = await readNumber(page, 'status-step');
    await waitForNumber(lab, 'status-step', step + 2, 60_000);

    // The first tab goes away: the second may now train the run.
    await page.close();
    await waitUntil(other, 'the run to be free', `!document.querySelector('${rowSelector}')?.dataset.busy`, 20_000);
    await other.locator(`${rowSelector} [data-testid="run-resume"]`).click();
    await waitUntil(other, 'training in the second tab', `Number(/\\d+/.exec(document.querySelector('[data-testid="status-step"]')?.textContent ?? '')?.[0]) > ${step}`, 60_000);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});
