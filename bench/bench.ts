/**
 * `npm run bench`: the seed preset's training speed in the browser, per backend, against the
 * same GAN in PyTorch on the same CPU, measured in the same run and repeated; medians and
 * ratios printed and written to bench/results/<date>-<commit>[-dcgan].json.
 *
 * Options: --backends wasm,webgl,cpu (webgpu too on a machine that has it) · --repeats 3 ·
 * --preset seed|dcgan (the convolutional preset, in the lab and in PyTorch) · --no-reference ·
 * --allow-dirty (measure uncommitted code; the file says so).
 */
import type { Browser } from 'playwright-core';
import { launchChromium, startPreview } from '../scripts/labBrowser';
import { provenance, writeResult } from '../scripts/provenance';
import { spread } from '../scripts/spread';
import { DEFAULT_PLANS, type RepeatResult, describeGpu, measureOnce } from './browserBench';
import { REFERENCE_SETUP, referenceAvailable, runReference } from './reference';

const BENCH_PRESETS = ['seed', 'dcgan'] as const;
type BenchPreset = (typeof BENCH_PRESETS)[number];

interface Options {
  preset: BenchPreset;
  backends: string[];
  repeats: number;
  reference: boolean;
  allowDirty: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { preset: 'seed', backends: ['wasm', 'webgl', 'cpu'], repeats: 3, reference: true, allowDirty: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--backends') options.backends = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg === '--repeats') options.repeats = Number(argv[++i]);
    else if (arg === '--no-reference') options.reference = false;
    else if (arg === '--preset') {
      const preset = argv[++i];
      if (!BENCH_PRESETS.includes(preset as BenchPreset)) throw new Error(`--preset must be ${BENCH_PRESETS.join(' or ')}, got ${preset}.`);
      options.preset = preset as BenchPreset;
    }
    else if (arg === '--allow-dirty') options.allowDirty = true;
    else throw new Error(`Unknown option ${arg}; use --backends a,b --repeats N --preset seed|dcgan --no-reference --allow-dirty.`);
  }
  const unknown = options.backends.filter((b) => !(b in DEFAULT_PLANS));
  if (unknown.length > 0) throw new Error(`Unknown backend(s) ${unknown.join(', ')}.`);
  if (!Number.isInteger(options.repeats) || options.repeats < 1) throw new Error('--repeats must be ≥ 1.');
  return options;
}

/** A preset's whole run, in steps: 200 epochs of 128 for seed, 100 for dcgan (presets.ts). */
const RUN_STEPS: Record<BenchPreset, number> = { seed: 200 * 128, dcgan: 100 * 128 };
const BATCH: Record<BenchPreset, number> = { seed: 128, dcgan: 64 };

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

export async function bench(root: string, argv: string[]): Promise<void> {
  const options = parseArgs(argv);
  const runSteps = RUN_STEPS[options.preset];
  const origin = provenance(root, options.allowDirty);
  const withReference = options.reference && (await referenceAvailable());
  if (options.reference && !withReference) {
    console.warn(`PyTorch reference skipped: not installed. To include it: ${REFERENCE_SETUP}`);
  }
  const server = await startPreview(root);
  const extraArgs = options.backends.includes('webgpu') ? ['--enable-unsafe-webgpu'] : [];
  // A browser of its own for every measurement: a software GPU process goes on working through
  // WebGPU's queue after its page has closed, and took a whole core from the next measurement.
  const inFreshBrowser = async <T>(measure: (browser: Browser) => Promise<T>): Promise<T> => {
    const browser = await launchChromium(extraArgs);
    try {
      return await measure(browser);
    } finally {
      await browser.close();
    }
  };
  const browserResults: Record<string, RepeatResult[]> = {};
  const reference: number[] = [];
  let referenceInfo: { torch: string; threads: number } | null = null;
  try {
    const { gpu, chromium } = await inFreshBrowser(async (browser) => ({
      gpu: await describeGpu(browser, server.url),
      chromium: browser.version(),
    }));
    console.log(`Chromium ${chromium} · WebGL renderer: ${gpu.webglRenderer ?? 'none'}`);
    console.log(`WebGPU adapter: ${gpu.webgpuAdapter ?? 'none'} · crossOriginIsolated: ${gpu.crossOriginIsolated}`);
    // Interleaved, so the reference and every backend see the same machine conditions.
    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      if (withReference) {
        const result = await runReference(root, options.preset, 40, 5);
        referenceInfo = { torch: result.torch, threads: result.threads };
        reference.push(result.median);
        console.log(`repeat ${repeat} · pytorch: ${result.median.toFixed(2)} steps/s (${result.threads} threads)`);
      }
      for (const backend of options.backends) {
        const result = await inFreshBrowser((browser) => measureOnce(browser, server.url, DEFAULT_PLANS[backend], repeat, options.preset));
        (browserResults[backend] ??= []).push(result);
        console.log(
          `repeat ${repeat} · ${backend}: ${result.stepsPerSecond.toFixed(2)} steps/s, ` +
            `${result.tensorsPerStep} tensors/step, longest main-thread task ${result.longestTaskMs.toFixed(0)} ms ` +
            `(${result.backendShown})`,
        );
      }
    }
    const referenceSpread = reference.length ? spread(reference) : null;
    const referenceMedian = referenceSpread?.median ?? null;
    const summary = Object.fromEntries(
      Object.entries(browserResults).map(([backend, results]) => {
        const speed = spread(results.map((r) => r.stepsPerSecond));
        const stepsPerSecond = speed.median;
        const ratios = withReference ? spread(results.map((r, i) => r.stepsPerSecond / reference[i])) : null;
        return [
          backend,
          {
            medianStepsPerSecond: stepsPerSecond,
            stepsPerSecondRange: [speed.min, speed.max],
            medianRatioToPytorch: ratios?.median ?? null,
            ratioToPytorchRange: ratios ? [ratios.min, ratios.max] : null,
            runSeconds: runSteps / stepsPerSecond,
            maxTensorsPerStep: Math.max(...results.map((r) => r.tensorsPerStep)),
            maxLongestTaskMs: Math.max(...results.map((r) => r.longestTaskMs)),
            workerTensorBytes: results.at(-1)?.workerTensorBytes ?? null,
            backendShown: results.at(-1)?.backendShown ?? '',
            repeats: results,
          },
        ];
      }),
    );

    const range = (values: readonly number[] | null) =>
      values ? `${values[0].toFixed(2)}–${values[1].toFixed(2)}` : '—';
    console.log(`\n${options.preset} preset · backend   steps/s (min–max)        × PyTorch (min–max)   whole run   tensors/step   longest task`);
    if (referenceSpread !== null) {
      console.log(
        `pytorch   ${referenceSpread.median.toFixed(2).padStart(7)} (${range([referenceSpread.min, referenceSpread.max])})`.padEnd(35) +
          `${'1.00'.padStart(9)}             ${duration(runSteps / referenceSpread.median).padStart(15)}`,
      );
    }
    for (const [backend, s] of Object.entries(summary)) {
      console.log(
        `${backend.padEnd(8)}  ${s.medianStepsPerSecond.toFixed(2).padStart(7)} (${range(s.stepsPerSecondRange)})`.padEnd(35) +
          `${(s.medianRatioToPytorch?.toFixed(2) ?? '—').padStart(9)} (${range(s.ratioToPytorchRange)})`.padEnd(22) +
          `${duration(s.runSeconds).padStart(15)}   ` +
          `${String(s.maxTensorsPerStep).padStart(12)}   ${s.maxLongestTaskMs.toFixed(0).padStart(9)} ms`,
      );
    }

    const file = writeResult(root, origin, options.preset === 'seed' ? '' : `-${options.preset}`, {
      chromium,
      gpu,
      preset: options.preset,
      batchSize: BATCH[options.preset],
      runSteps,
      repeats: options.repeats,
      reference: withReference
        ? { ...referenceInfo, stepsPerSecond: reference, median: referenceMedian, range: [referenceSpread?.min, referenceSpread?.max] }
        : null,
      backends: summary,
    });
    console.log(`\nWrote ${file}`);
  } finally {
    await server.close();
  }
}
