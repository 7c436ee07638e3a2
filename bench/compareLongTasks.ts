/**
 * `npm run bench:compare`: whether comparing long runs keeps the page responsive. Six runs of the
 * seed preset's length (25,600 steps, 3,200 logged loss points each; see longRuns.ts) are
 * written into the lab's storage. The bench opens the comparison, switches its x axis, moves its
 * epoch slider, then trains a small run: first with the comparison closed (the rest of the page,
 * for reference), then beside the six (switching the axis and moving the slider again), then in
 * place of one of them, its curves growing live. Every main-thread task is read from a Chromium
 * trace (mainThreadTasks.ts); per phase the bench prints the tasks over 50 ms, the longest and
 * their median, by the clock and by the main thread's CPU time, and writes it all to
 * bench/results/<date>-<commit>-compare.json.
 *
 * The whole scenario runs --repeats times (3 by default), each in a browser of its own; the
 * figures are quoted as the median over the repeats with their range.
 *
 * Options: --allow-dirty (measure uncommitted code; the file says so) · --train-seconds 15 ·
 * --repeats 3 · --profile <file> (also save the main thread's CPU profile of the first repeat,
 * for Chromium's DevTools).
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { launchChromium, startPreview } from '../scripts/labBrowser';
import { provenance, writeResult } from '../scripts/provenance';
import { spread } from '../scripts/spread';
import { LONG_RUN_EPOCHS, LONG_RUN_LOG_EVERY, LONG_RUN_STEPS_PER_EPOCH, writeLongRuns } from './longRuns';
import { type MainThreadTask, traceMainThread } from './mainThreadTasks';

interface Options {
  allowDirty: boolean;
  trainSeconds: number;
  repeats: number;
  profile: string | null;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { allowDirty: false, trainSeconds: 15, repeats: 3, profile: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--allow-dirty') options.allowDirty = true;
    else if (arg === '--train-seconds') options.trainSeconds = Number(argv[++i]);
    else if (arg === '--repeats') options.repeats = Number(argv[++i]);
    else if (arg === '--profile') {
      options.profile = argv[++i] ?? '';
      if (options.profile === '') throw new Error('--profile needs a file name.');
    } else throw new Error(`Unknown option ${arg}; use --allow-dirty, --train-seconds N, --repeats N, --profile <file>.`);
  }
  if (!(options.trainSeconds > 0)) throw new Error('--train-seconds must be a positive number.');
  if (!(Number.isInteger(options.repeats) && options.repeats >= 1)) throw new Error('--repeats must be a whole number ≥ 1.');
  return options;
}

/** A small run on the cpu backend that logs every step: the comparison gets a loss event per step. */
const TRAINING_RUN = '?backend=cpu&epochs=50&stepsPerEpoch=20&batchSize=8&checkpointEvery=5&logEvery=1&seed=9';
const COMPARED = 6;
const LONG_TASK_MS = 50;
/** Quiet time after an action, so the tasks it caused are counted in its phase. */
const SETTLE_MS = 1500;
const ROW = '[data-testid="run-row"]';

interface Phase {
  phase: string;
  from: number;
  to: number;
}

interface Figures {
  /** Tasks whose wall-clock time passed 50 ms (long tasks). */
  longTasks: number;
  longestMs: number;
  medianLongMs: number;
  /** Tasks whose main-thread CPU time passed 50 ms. */
  longByCpu: number;
  longestCpuMs: number;
}

function figures(tasks: readonly MainThreadTask[]): Figures {
  const long = tasks.filter((t) => t.wallMs > LONG_TASK_MS).map((t) => t.wallMs);
  const round = (ms: number) => Math.round(ms);
  return {
    longTasks: long.length,
    longestMs: round(Math.max(0, ...tasks.map((t) => t.wallMs))),
    medianLongMs: long.length ? round(spread(long).median) : 0,
    longByCpu: tasks.filter((t) => t.cpuMs > LONG_TASK_MS).length,
    longestCpuMs: round(Math.max(0, ...tasks.map((t) => t.cpuMs))),
  };
}

function describe(name: string, f: Figures): string {
  return (
    `${name.padEnd(50)} ${String(f.longTasks).padStart(3)} over 50 ms, longest ${String(f.longestMs).padStart(4)} ms ` +
    `(median of those ${String(f.medianLongMs).padStart(3)} ms) · CPU: ${f.longByCpu} over 50 ms, longest ${f.longestCpuMs} ms`
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Every comparison chart shows `n` runs (`charts`: the keys to check; all seven by default). */
async function waitForSeries(page: Page, n: number, charts?: string[]): Promise<void> {
  await page.waitForFunction(
    ({ n, charts }) => {
      const figures = Array.from(document.querySelectorAll<HTMLElement>('[data-testid="runs-compare-chart"]'));
      const checked = charts ? figures.filter((f) => charts.includes(f.dataset.chart ?? '')) : figures;
      return figures.length === 7 && checked.every((f) => f.dataset.series === String(n));
    },
    { n, charts },
    { timeout: 60_000, polling: 100 },
  );
}

async function stepShown(page: Page): Promise<number> {
  const text = (await page.locator('[data-testid="status-step"]').textContent()) ?? '';
  return Number((/\d[\d,]*/.exec(text)?.[0] ?? 'NaN').replace(/,/g, ''));
}

/** The D loss chart's drawn curves: they change when a run's curve grows. */
async function lossPaths(page: Page): Promise<string> {
  return page
    .locator('[data-testid="runs-compare-chart"][data-chart="dLoss"] .compare-line path')
    .evaluateAll((paths) => paths.map((p) => p.getAttribute('d')).join('|'));
}

interface PhaseResult extends Figures {
  phase: string;
  seconds: number;
}

/** One run of the whole scenario, in a browser of its own. */
interface Repeat {
  phases: PhaseResult[];
  /** Every phase but the reference together. */
  comparisonOpen: Figures;
  reference: Figures;
  trainingRunGrew: { fromStep: number; toStep: number; curvesChanged: boolean };
}

async function measure(url: string, options: Options, profile: string | null): Promise<{ repeat: Repeat; chromium: string }> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) problems.push(message.text());
    });
    await page.goto(new URL(TRAINING_RUN, url).href);
    await page.locator('[data-testid="run-list"]').waitFor();
    const ids = await writeLongRuns(page, COMPARED);
    await page.reload();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-row"]').length === n, COMPARED);
    for (const id of ids) await page.locator(`${ROW}[data-run-id="${id}"] [data-testid="run-compare"]`).check();
    await sleep(SETTLE_MS);

    const tracing = await traceMainThread(browser, page);
    const cdp = profile ? await context.newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
      await cdp.send('Profiler.start');
    }

    const phases: Phase[] = [];
    /** Runs `body`, waits for the page to settle, and notes when that was in the page's clock. */
    const phase = async (name: string, body: () => Promise<void>) => {
      const from = await page.evaluate(() => performance.now());
      await body();
      await sleep(SETTLE_MS);
      phases.push({ phase: name, from, to: await page.evaluate(() => performance.now()) });
    };
    const toggleAxis = async () => {
      for (const axis of ['time', 'step']) {
        await page.locator(`[data-testid="runs-compare-axis-${axis}"]`).click();
        await page.waitForFunction((axis) => document.querySelector(`[data-testid="runs-compare-axis-${axis}"]`)?.getAttribute('aria-pressed') === 'true', axis);
        await waitForSeries(page, COMPARED, ['dLoss', 'gLoss', 'dReal', 'dFake']);
        await sleep(SETTLE_MS);
      }
    };
    const slide = async (epoch: number) => {
      await page.locator('[data-testid="runs-compare-epoch"]').fill(String(epoch));
      await page.waitForFunction(
        (epoch) => Array.from(document.querySelectorAll<HTMLElement>('[data-testid="runs-compare-grid"]')).every((c) => c.dataset.epoch === String(epoch)),
        epoch,
      );
    };
    const openComparison = async () => {
      await page.locator('[data-testid="compare-open"]').click();
      await waitForSeries(page, COMPARED);
    };
    const half = (options.trainSeconds * 1000) / 2;

    await phase('open the comparison of six long runs', openComparison);
    await phase('axis: training time, then step', toggleAxis);
    await phase('epoch slider to 100, then 200', async () => {
      await slide(100);
      await slide(200);
    });

    // For reference: what the rest of the page costs while a run trains, the comparison closed.
    await page.locator('[data-testid="runs-compare-close"]').click();
    await page.locator('[data-testid="train-button"]').click();
    await page.waitForFunction(() => Number(/\d+/.exec(document.querySelector('[data-testid="status-step"]')?.textContent ?? '')?.[0]) >= 5, null, { timeout: 180_000, polling: 200 });
    await phase(`reference: a run trains, comparison closed (${options.trainSeconds} s)`, () => sleep(2 * half));
    await phase('open the comparison while it trains', openComparison);
    await phase(`it trains beside the six (${options.trainSeconds} s, axis, slider)`, async () => {
      await sleep(half);
      await toggleAxis();
      await slide(100);
      await sleep(half);
    });

    // The training run replaces the sixth long run: its curves grow in the charts as it trains.
    const training = await page.locator(ROW).evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.runId ?? '').find((id) => !id.startsWith('long-')));
    if (!training) throw new Error('The training run is not in the run list.');
    const grown = { fromStep: 0, toStep: 0, curvesChanged: false };
    await phase(`it trains in the comparison (${options.trainSeconds} s, axis)`, async () => {
      await page.locator(`${ROW}[data-run-id="${ids[COMPARED - 1]}"] [data-testid="run-compare"]`).uncheck();
      await page.locator(`${ROW}[data-run-id="${training}"] [data-testid="run-compare"]`).check();
      await waitForSeries(page, COMPARED, ['dLoss', 'gLoss', 'dReal', 'dFake']);
      grown.fromStep = await stepShown(page);
      const before = await lossPaths(page);
      await sleep(half);
      await toggleAxis();
      await sleep(half);
      grown.toStep = await stepShown(page);
      grown.curvesChanged = (await lossPaths(page)) !== before;
    });
    if (!(grown.toStep > grown.fromStep && grown.curvesChanged)) {
      throw new Error(`The training run did not grow in the comparison: step ${grown.fromStep} → ${grown.toStep}, curves changed: ${grown.curvesChanged}.`);
    }
    if (problems.length > 0) throw new Error(`The page reported problems:\n${problems.join('\n')}`);

    if (cdp && profile) {
      const { profile: cpuProfile } = await cdp.send('Profiler.stop');
      writeFileSync(profile, JSON.stringify(cpuProfile));
      console.log(`Wrote the main thread's CPU profile to ${profile}`);
    }
    const tasks = await tracing.stop();
    const during = (p: Phase) => tasks.filter((t) => t.start >= p.from && t.start < p.to);
    const isReference = (p: Phase) => p.phase.startsWith('reference');
    const repeat: Repeat = {
      phases: phases.map((p) => ({ phase: p.phase, seconds: Math.round((p.to - p.from) / 100) / 10, ...figures(during(p)) })),
      comparisonOpen: figures(phases.filter((p) => !isReference(p)).flatMap(during)),
      reference: figures(phases.filter(isReference).flatMap(during)),
      trainingRunGrew: grown,
    };
    await context.close();
    return { repeat, chromium: browser.version() };
  } finally {
    await browser.close();
  }
}

type Spread = ReturnType<typeof spread>;

/** Each figure's median over the repeats, with its range. */
function summarise(figuresOf: readonly Figures[]): Record<keyof Figures, Spread> {
  const of = (key: keyof Figures) => spread(figuresOf.map((f) => f[key]));
  return {
    longTasks: of('longTasks'),
    longestMs: of('longestMs'),
    medianLongMs: of('medianLongMs'),
    longByCpu: of('longByCpu'),
    longestCpuMs: of('longestCpuMs'),
  };
}

function describeSpread(name: string, f: Record<keyof Figures, Spread>): string {
  const s = ({ median, min, max }: Spread) => `${Math.round(median)} (${Math.round(min)}–${Math.round(max)})`;
  return `${name.padEnd(50)} longest ${s(f.longestMs)} ms, ${s(f.longTasks)} over 50 ms · CPU: longest ${s(f.longestCpuMs)} ms, ${s(f.longByCpu)} over 50 ms`;
}

export async function bench(root: string, argv: string[]): Promise<void> {
  const options = parseArgs(argv);
  const origin = provenance(root, options.allowDirty);
  const server = await startPreview(root);
  const loadBefore = loadavg()[0];
  const repeats: Repeat[] = [];
  let chromium = '';
  try {
    for (let r = 0; r < options.repeats; r++) {
      const measured = await measure(server.url, options, r === 0 ? options.profile : null);
      chromium = measured.chromium;
      const { repeat } = measured;
      repeats.push(repeat);
      console.log(`\nRepeat ${r + 1} of ${options.repeats} (the training run grew in the comparison from step ${repeat.trainingRunGrew.fromStep} to ${repeat.trainingRunGrew.toStep})`);
      for (const phase of repeat.phases) console.log(describe(phase.phase, phase));
      console.log(describe('with the comparison open (all but the reference)', repeat.comparisonOpen));
    }
  } finally {
    await server.close();
  }
  const loadAfter = loadavg()[0];

  const comparisonOpen = summarise(repeats.map((r) => r.comparisonOpen));
  const reference = summarise(repeats.map((r) => r.reference));
  const phases = repeats[0].phases.map((p, i) => ({ phase: p.phase, ...summarise(repeats.map((r) => r.phases[i])) }));
  console.log(`\nChromium ${chromium} · load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} on ${origin.machine.cores} cores · median (range) of ${options.repeats} repeats`);
  for (const phase of phases) console.log(describeSpread(phase.phase, phase));
  console.log(`\n${describeSpread('with the comparison open (all but the reference)', comparisonOpen)}`);
  console.log(describeSpread('reference: the comparison closed', reference));

  const file = writeResult(root, origin, '-compare', {
    chromium,
    loadAverage: { before: loadBefore, after: loadAfter },
    compared: {
      runs: COMPARED,
      stepsEach: LONG_RUN_EPOCHS * LONG_RUN_STEPS_PER_EPOCH,
      loggedPointsEach: (LONG_RUN_EPOCHS * LONG_RUN_STEPS_PER_EPOCH) / LONG_RUN_LOG_EVERY,
    },
    trainingRun: TRAINING_RUN,
    longTaskMs: LONG_TASK_MS,
    repeats: options.repeats,
    summary: { comparisonOpen, reference, phases },
    runs: repeats,
  });
  console.log(`Wrote ${file}`);
}
