/**
 * Test helpers: open the lab in Chromium, record what goes wrong on the page, read the
 * `data-testid` readouts.
 */
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { launchChromium } from '../scripts/labBrowser';

export { launchChromium };

export interface Lab {
  page: Page;
  /** Uncaught errors and console errors of the page and its workers, in order. */
  problems: string[];
  close(): Promise<void>;
}

/** The favicon request is the browser's, not the app's: a missing icon is not an app error. */
function isFaviconMiss(message: ConsoleMessage): boolean {
  return message.location().url.endsWith('/favicon.ico');
}

/**
 * Opens `pathAndQuery` (e.g. `/?backend=cpu`) of the served app in a fresh context. Playwright
 * runs string predicates (`waitForFunction('…')`) through eval, which the lab's
 * Content-Security-Policy forbids, so contexts bypass the policy unless `enforceCsp` is set;
 * e2e/security.test.ts checks the policy itself with it set.
 */
export async function openLab(
  browser: Browser,
  pathAndQuery: string,
  { enforceCsp = false }: { enforceCsp?: boolean } = {},
): Promise<Lab> {
  const context: BrowserContext = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    bypassCSP: !enforceCsp,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.stack ?? error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error' || isFaviconMiss(message)) return;
    const where = message.worker() ? 'worker' : 'page';
    problems.push(`console.error (${where}): ${message.text()}`);
  });
  page.on('crash', () => problems.push('the page crashed'));
  await page.goto(new URL(pathAndQuery, inject('labUrl')).href);
  return { page, problems, close: () => context.close() };
}

/** The first number in a readout's text ("Epoch 3 / 200" → 3), or NaN if there is none. */
export function firstNumber(text: string | null | undefined): number {
  const match = /-?\d[\d,]*(?:\.\d+)?/.exec(text ?? '');
  return match ? Number(match[0].replace(/,/g, '')) : Number.NaN;
}

export function byTestId(page: Page, testId: string) {
  return page.locator(`[data-testid="${testId}"]`);
}

export async function readNumber(page: Page, testId: string): Promise<number> {
  return firstNumber(await byTestId(page, testId).first().textContent());
}

/** The readouts that explain where a run stands; attached to timeout failures. */
export async function describeLab(lab: Lab): Promise<string> {
  const ids = ['status-epoch', 'status-step', 'status-backend', 'steps-per-second', 'error-message'];
  const lines = await Promise.all(
    ids.map(async (id) => {
      const element = byTestId(lab.page, id).first();
      const text = (await element.count()) > 0 ? await element.textContent() : '(absent)';
      return `  ${id}: ${text?.trim()}`;
    }),
  );
  const problems = lab.problems.length > 0 ? lab.problems.join('\n  ') : '(none)';
  return `${lines.join('\n')}\n  page problems: ${problems}`;
}

/** Waits until the page expression `predicate` holds; fails naming `what`. */
export async function waitFor(page: Page, what: string, predicate: string, timeoutMs = 60_000): Promise<void> {
  try {
    await page.waitForFunction(predicate, null, { timeout: timeoutMs, polling: 200 });
  } catch (error) {
    throw new Error(`Timed out waiting for ${what}.`, { cause: error });
  }
}

/** Waits until the readout's first number is at least `min`; fails with the lab's state. */
export async function waitForNumber(
  lab: Lab,
  testId: string,
  min: number,
  timeoutMs: number,
): Promise<number> {
  try {
    await lab.page.waitForFunction(
      ({ testId, min }) => {
        const text = document.querySelector(`[data-testid="${testId}"]`)?.textContent ?? '';
        const match = /-?\d[\d,]*(?:\.\d+)?/.exec(text);
        return match !== null && Number(match[0].replace(/,/g, '')) >= min;
      },
      { testId, min },
      { timeout: timeoutMs, polling: 250 },
    );
  } catch (error) {
    throw new Error(
      `${testId} did not reach ${min} within ${timeoutMs / 1000} s.\n${await describeLab(lab)}`,
      { cause: error },
    );
  }
  return readNumber(lab.page, testId);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface CanvasDigest {
  /** FNV-1a over the grey values: equal digests, equal pixels. */
  hash: number;
  /** Grey levels seen: a drawn grid has many, a blank canvas one. */
  distinct: number;
  /** The lightest grey less the darkest: a drawn grid spans a wide range, a flat fill none. */
  range: number;
}

/** Reads a canvas's pixels in the page (copied onto a 2D canvas first). */
export async function canvasDigest(page: Page, testId: string): Promise<CanvasDigest | null> {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`[data-testid="${id}"]`);
    if (!(canvas instanceof HTMLCanvasElement) || canvas.width === 0) return null;
    const copy = document.createElement('canvas');
    copy.width = canvas.width;
    copy.height = canvas.height;
    const context = copy.getContext('2d')!;
    context.drawImage(canvas, 0, 0);
    const data = context.getImageData(0, 0, copy.width, copy.height).data;
    let hash = 0x811c9dc5;
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4) {
      hash = Math.imul(hash ^ data[i], 0x01000193) >>> 0;
      seen.add(data[i]);
    }
    return { hash, distinct: seen.size, range: Math.max(...seen) - Math.min(...seen) };
  }, testId);
}

/** A canvas's digest once it shows digits (16 grey levels or more), within 20 s. */
export async function drawnDigest(page: Page, testId: string): Promise<CanvasDigest> {
  const deadline = Date.now() + 20_000;
  let digest = await canvasDigest(page, testId);
  while ((digest === null || digest.distinct < 16) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    digest = await canvasDigest(page, testId);
  }
  expect(digest, `${testId} shows digits`).not.toBeNull();
  expect(digest!.distinct, `${testId} grey levels`).toBeGreaterThanOrEqual(16);
  return digest!;
}

/** The loss chart draws D's and G's lines, with no NaN or infinite point in them. */
export async function expectFiniteLossLines(page: Page): Promise<void> {
  const paths = await byTestId(page, 'loss-chart')
    .locator('.recharts-line path')
    .evaluateAll((elements) => elements.map((path) => path.getAttribute('d') ?? ''));
  expect(paths.length, 'D and G loss lines').toBeGreaterThanOrEqual(2);
  for (const d of paths) expect(d).not.toMatch(/NaN|Infinity|^$/);
}
