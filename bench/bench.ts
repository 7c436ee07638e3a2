/**
 * `npm run bench`: the seed preset's training speed in the browser, per backend, against the
 * same GAN in PyTorch on the same CPU, measured in the same run and repeated; medians and
 * ratios printed and written to bench/results/<date>-<commit>.json.
 *
 * Options: --backends wasm,webgl,cpu (webgpu too on a machine that has it) · --repeats 3 ·
 * --no-reference.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { launchChromium, startPreview } from '../scripts/labBrowser';
import { DEFAULT_PLANS, type RepeatResult, describeGpu, measureOnce } from './browserBench';
import { REFERENCE_SETUP, referenceAvailable, runReference } from './reference';

interface Options {
  backends: string[];
  repeats: number;
  reference: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { backends: ['wasm', 'webgl', 'cpu'], repeats: 3, reference: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--backends') options.backends = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg === '--repeats') options.repeats = Number(argv[++i]);
    else if (arg === '--no-reference') options.reference = false;
    else throw new Error(`Unknown option ${arg}; use --backends a,b --repeats N --no-reference.`);
  }
  const unknown = options.backends.filter((b) => !(b in DEFAULT_PLANS));
  if (unknown.length > 0) throw new Error(`Unknown backend(s) ${unknown.join(', ')}.`);
  if (!Number.isInteger(options.repeats) || options.repeats < 1) throw new Error('--repeats must be ≥ 1.');
  return options;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function commit(root: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  } catch {
    return 'nocommit';
  }
}

const SEED_RUN_STEPS = 200 * 128;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

export async function bench(root: string, argv: string[]): Promise<void> {
  const options = parseArgs(argv);
  const withReference = options.reference && (await referenceAvailable());
  if (options.reference && !withReference) {
    console.warn(`PyTorch reference skipped: not installed. To include it: ${REFERENCE_SETUP}`);
  }
  const server = await startPreview(root);
  const extraArgs = options.backends.includes('webgpu') ? ['--enable-unsafe-webgpu'] : [];
  const browser = await launchChromium(extraArgs);
  const browserResults: Record<string, RepeatResult[]> = {};
  const reference: number[] = [];
  let referenceInfo: { torch: string; threads: number } | null = null;
  try {
    const gpu = await describeGpu(browser, server.url);
    console.log(`Chromium ${browser.version()} · WebGL renderer: ${gpu.webglRenderer ?? 'none'}`);
    console.log(`WebGPU adapter: ${gpu.webgpuAdapter ?? 'none'} · crossOriginIsolated: ${gpu.crossOriginIsolated}`);
    // Interleaved, so the reference and every backend see the same machine conditions.
    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      if (withReference) {
        const result = await runReference(root, 40, 5);
        referenceInfo = { torch: result.torch, threads: result.threads };
        reference.push(result.median);
        console.log(`repeat ${repeat} · pytorch: ${result.median.toFixed(2)} steps/s (${result.threads} threads)`);
      }
      for (const backend of options.backends) {
        const result = await measureOnce(browser, server.url, DEFAULT_PLANS[backend], repeat);
        (browserResults[backend] ??= []).push(result);
        console.log(
          `repeat ${repeat} · ${backend}: ${result.stepsPerSecond.toFixed(2)} steps/s, ` +
            `${result.tensorsPerStep} tensors/step, longest main-thread task ${result.longestTaskMs.toFixed(0)} ms ` +
            `(${result.backendShown})`,
        );
      }
    }
    const referenceMedian = reference.length ? median(reference) : null;
    const summary = Object.fromEntries(
      Object.entries(browserResults).map(([backend, results]) => {
        const stepsPerSecond = median(results.map((r) => r.stepsPerSecond));
        const ratios = withReference ? results.map((r, i) => r.stepsPerSecond / reference[i]) : [];
        return [
          backend,
          {
            medianStepsPerSecond: stepsPerSecond,
            medianRatioToPytorch: ratios.length ? median(ratios) : null,
            seedRunSeconds: SEED_RUN_STEPS / stepsPerSecond,
            maxTensorsPerStep: Math.max(...results.map((r) => r.tensorsPerStep)),
            maxLongestTaskMs: Math.max(...results.map((r) => r.longestTaskMs)),
            workerTensorBytes: results.at(-1)?.workerTensorBytes ?? null,
            backendShown: results.at(-1)?.backendShown ?? '',
            repeats: results,
          },
        ];
      }),
    );

    console.log('\nbackend   steps/s   × PyTorch   200 seed epochs   tensors/step   longest task');
    if (referenceMedian !== null) {
      console.log(
        `pytorch   ${referenceMedian.toFixed(2).padStart(7)}   ${'1.00'.padStart(9)}   ${duration(SEED_RUN_STEPS / referenceMedian).padStart(15)}`,
      );
    }
    for (const [backend, s] of Object.entries(summary)) {
      console.log(
        `${backend.padEnd(8)}  ${s.medianStepsPerSecond.toFixed(2).padStart(7)}   ` +
          `${(s.medianRatioToPytorch?.toFixed(2) ?? '—').padStart(9)}   ${duration(s.seedRunSeconds).padStart(15)}   ` +
          `${String(s.maxTensorsPerStep).padStart(12)}   ${s.maxLongestTaskMs.toFixed(0).padStart(9)} ms`,
      );
    }

    const date = new Date().toISOString().slice(0, 10);
    const file = join(root, 'bench', 'results', `${date}-${commit(root)}.json`);
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          commit: commit(root),
          machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryBytes: totalmem() },
          chromium: browser.version(),
          gpu,
          preset: 'seed',
          batchSize: 128,
          repeats: options.repeats,
          reference: withReference
            ? { ...referenceInfo, stepsPerSecond: reference, median: referenceMedian }
            : null,
          backends: summary,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nWrote ${file}`);
  } finally {
    await browser.close();
    await server.close();
  }
}
