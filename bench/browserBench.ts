/**
 * Throughput of the lab itself: opens the built app in Chromium with a seed-preset run from the
 * URL, clicks Train, and times the steps the worker reports after a warm-up. What is measured is
 * the app's own worker, training step and loop. The main thread's long tasks are recorded with
 * a PerformanceObserver while it trains.
 */
import type { Browser, Page } from 'playwright-core';

export interface BackendPlan {
  backend: string;
  warmupSteps: number;
  measuredSteps: number;
}

/** Sized so that each repeat takes seconds, not minutes, on a 2-core machine. */
export const DEFAULT_PLANS: Record<string, BackendPlan> = {
  wasm: { backend: 'wasm', warmupSteps: 10, measuredSteps: 40 },
  webgl: { backend: 'webgl', warmupSteps: 4, measuredSteps: 12 },
  // On a software device (SwiftShader, 0.08 steps/s here) 20 steps took 5 minutes a repeat.
  webgpu: { backend: 'webgpu', warmupSteps: 2, measuredSteps: 8 },
  cpu: { backend: 'cpu', warmupSteps: 1, measuredSteps: 3 },
};

export interface RepeatResult {
  stepsPerSecond: number;
  steps: number;
  seconds: number;
  /** Change in live tensors per step over the measured steps (0 when nothing leaks). */
  tensorsPerStep: number;
  /** Bytes held by the worker's tensors at the end. */
  workerTensorBytes: number;
  /** Longest main-thread task while training, in ms (0 if none passed 50 ms). */
  longestTaskMs: number;
  backendShown: string;
}

interface Sample {
  time: number;
  step: number;
  memory: string;
}

declare global {
  interface Window {
    benchLongTasks: { start: number; duration: number }[];
    benchTensors: [step: number, tensors: number][];
  }
}

function firstNumber(text: string): number {
  const match = /-?\d[\d,]*(\.\d+)?/.exec(text);
  return match ? Number(match[0].replace(/,/g, '')) : Number.NaN;
}

async function waitForStep(page: Page, atLeast: number, timeoutMs: number): Promise<Sample> {
  const handle = await page.waitForFunction(
    (min) => {
      const text = (id: string) =>
        document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
      const error = text('error-message');
      if (error) throw new Error(`The lab shows an error: ${error}`);
      const step = Number((/\d[\d,]*/.exec(text('status-step'))?.[0] ?? '0').replace(/,/g, ''));
      return step >= min ? { time: performance.now(), step, memory: text('worker-memory') } : null;
    },
    atLeast,
    { timeout: timeoutMs, polling: 50 },
  );
  return (await handle.jsonValue()) as Sample;
}

/** One measured run of `plan` on a fresh page. */
export async function measureOnce(
  browser: Browser,
  baseUrl: string,
  plan: BackendPlan,
  seed: number,
  preset: 'seed' | 'dcgan' = 'seed',
): Promise<RepeatResult> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.benchLongTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          window.benchLongTasks.push({ start: entry.startTime, duration: entry.duration });
        }
      }).observe({ type: 'longtask', buffered: true });
    });
    const total = plan.warmupSteps + plan.measuredSteps + 5;
    const query = `?preset=${preset}&backend=${plan.backend}&epochs=1&stepsPerEpoch=${total}&seed=${seed}`;
    await page.goto(new URL(query, baseUrl).href);
    const train = page.locator('[data-testid="train-button"]');
    await train.waitFor();
    await page.waitForFunction(
      () => !(document.querySelector('[data-testid="train-button"]') as HTMLButtonElement).disabled,
    );
    await train.click();
    const perStepBudget = plan.backend === 'cpu' ? 60_000 : 20_000;
    const start = await waitForStep(page, plan.warmupSteps, 120_000 + plan.warmupSteps * perStepBudget);
    // Live tensors, sampled often: a grid or a read-back in flight adds a few for a moment, so
    // growth is judged on the least seen at the start and at the end of the window.
    await page.evaluate(() => {
      window.benchTensors = [];
      const read = () => {
        const text = document.querySelector('[data-testid="worker-memory"]')?.textContent ?? '';
        const tensors = Number(/·\s*(\d+)/.exec(text)?.[1] ?? Number.NaN);
        const step = Number(/\d+/.exec(document.querySelector('[data-testid="status-step"]')?.textContent ?? '')?.[0]);
        if (Number.isFinite(tensors)) window.benchTensors.push([step, tensors]);
      };
      window.setInterval(read, 20);
    });
    const end = await waitForStep(page, start.step + plan.measuredSteps, plan.measuredSteps * perStepBudget);
    const tensorSamples = await page.evaluate(() => window.benchTensors);
    const longTasks = await page.evaluate(() => window.benchLongTasks);
    const during = longTasks.filter((task) => task.start >= start.time && task.start <= end.time);
    const backendShown =
      (await page.locator('[data-testid="status-backend"]').textContent())?.trim() ?? '';
    const steps = end.step - start.step;
    const seconds = (end.time - start.time) / 1000;
    const third = Math.max(1, Math.floor(steps / 3));
    const least = (from: number, to: number) =>
      Math.min(...tensorSamples.filter(([step]) => step >= from && step <= to).map(([, t]) => t));
    const tensors0 = least(start.step, start.step + third);
    const tensors1 = least(end.step - third, end.step);
    return {
      stepsPerSecond: steps / seconds,
      steps,
      seconds,
      tensorsPerStep: (tensors1 - tensors0) / (steps - third),
      workerTensorBytes: firstNumber(end.memory) * 1e6,
      longestTaskMs: Math.max(0, ...during.map((task) => task.duration)),
      backendShown,
    };
  } finally {
    await context.close();
  }
}

/** The GPU the browser reports: WebGL's unmasked renderer and the WebGPU adapter, if any. */
export async function describeGpu(browser: Browser, baseUrl: string) {
  const page = await browser.newPage();
  try {
    await page.goto(baseUrl);
    return await page.evaluate(async () => {
      const gl = document.createElement('canvas').getContext('webgl2');
      const debug = gl?.getExtension('WEBGL_debug_renderer_info');
      const webglRenderer = gl
        ? String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER))
        : null;
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      let webgpuAdapter: string | null = null;
      if (gpu) {
        const adapter = (await gpu.requestAdapter()) as { info?: Record<string, string> } | null;
        // GPUAdapterInfo keeps its fields in getters, which JSON.stringify does not see.
        const info = adapter?.info;
        webgpuAdapter = adapter
          ? ['vendor', 'architecture', 'device', 'description'].map((key) => `${key} "${info?.[key] ?? ''}"`).join(', ')
          : 'navigator.gpu present, no adapter';
      }
      return { webglRenderer, webgpuAdapter, crossOriginIsolated: crossOriginIsolated };
    });
  } finally {
    await page.close();
  }
}
