/**
 * Where one training step's time goes on the active tfjs backend, per kernel, and the matrix
 * products' speed in GFLOP/s: the body of `npm run profile` (profileStep.ts), run in Node or in
 * a browser worker (stepProfile.worker.ts). No Node or DOM APIs here.
 *
 * Where the kernels have helper threads, every measurement is taken twice, with them and
 * without, alternating block by block, so the two columns see the same machine: on a shared
 * machine figures from different runs can differ by 2× while their ratio holds.
 */
import * as tf from '@tensorflow/tfjs';
import { allocateStepInputs, createGan, drawStepInputs, trainStep } from '../src/core/gan';
import { GEMM_KERNEL } from '../src/core/kernels/gemmKernel';
import { PRESETS, type PresetName } from '../src/core/presets';
import { syntheticSplit } from '../src/testing/syntheticMnist';
import { spread } from './spread';

/** Switches the kernels' helper threads on and off. */
export interface ThreadSwitch {
  /** Threads with the helpers on. */
  threads: number;
  use(helpers: boolean): void;
}

export interface StepProfileOptions {
  preset: PresetName;
  /** One line per kernel and input shapes instead of per kernel. */
  byShape: boolean;
  /** Where it runs, for the heading: e.g. "Node". */
  where: string;
  /** Given where there are helper threads: each figure is then taken with and without them. */
  threads?: ThreadSwitch;
}

/** Steps profiled kernel by kernel (per setting); each kernel's figure is its median over them. */
const PROFILED_STEPS = 5;
/** Timed blocks of steps per setting, for the time of a whole step. */
const BLOCKS = 10;
const STEPS_PER_BLOCK = 5;

interface Setting {
  label: string;
  helpers: boolean;
}

/** Floating-point operations of a matrix product with output [m, n] and left operand of `aSize` values. */
function gemmFlops(outputShape: number[], aSize: number): number {
  const [m, n] = outputShape;
  return 2 * m * n * (aSize / m);
}

const threadsLabel = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;
const figure = (values: number[], digits: number) => {
  const s = spread(values);
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
};

/** The profile's lines, as printed and saved. */
export async function profileSteps(options: StepProfileOptions): Promise<string[]> {
  const lines: string[] = [];
  const settings: Setting[] = options.threads
    ? [
        { label: threadsLabel(options.threads.threads), helpers: true },
        { label: threadsLabel(1), helpers: false },
      ]
    : [{ label: threadsLabel(1), helpers: false }];
  // Block i runs the settings in turn, starting with a different one each time.
  const inTurn = (i: number) => settings.map((_, k) => settings[(i + k) % settings.length]);
  const use = (setting: Setting) => options.threads?.use(setting.helpers);

  const gan = createGan(PRESETS[options.preset].recipe, 1);
  const inputs = allocateStepInputs(gan.recipe);
  const data = syntheticSplit(1000, 1);
  let index = 0;
  const step = async () => {
    drawStepInputs(inputs, data, gan.recipe, 1, ++index);
    const losses = trainStep(gan, inputs);
    await losses.data();
    losses.dispose();
  };
  for (const setting of settings) {
    use(setting);
    for (let i = 0; i < 3; i++) await step();
  }

  const blockMs = settings.map(() => [] as number[]);
  for (let block = 0; block < BLOCKS; block++) {
    for (const setting of inTurn(block)) {
      use(setting);
      const started = performance.now();
      for (let i = 0; i < STEPS_PER_BLOCK; i++) await step();
      blockMs[settings.indexOf(setting)].push((performance.now() - started) / STEPS_PER_BLOCK);
    }
  }

  // Per setting: kernel → its total in each profiled step; the products' time, work and rates.
  const perKernel = settings.map(() => new Map<string, { ms: number[]; calls: number }>());
  const gemm = settings.map(() => ({ ms: [] as number[], flop: [] as number[], rates: [] as number[] }));
  for (let profiled = 0; profiled < PROFILED_STEPS; profiled++) {
    for (const setting of inTurn(profiled)) {
      use(setting);
      const which = settings.indexOf(setting);
      const profile = await tf.profile(() => step());
      const totals = new Map<string, { ms: number; calls: number }>();
      let ms = 0;
      let flop = 0;
      for (const kernel of profile.kernels) {
        const kernelMs = Number(kernel.kernelTimeMs);
        if (kernel.name === GEMM_KERNEL && kernel.outputShapes[0] && kernel.inputShapes[0]) {
          const flops = gemmFlops(kernel.outputShapes[0], kernel.inputShapes[0].reduce((a, b) => a * b, 1));
          ms += kernelMs;
          flop += flops;
          // Products under a millisecond are dominated by call overhead; their rate says little.
          if (kernelMs >= 1) gemm[which].rates.push(flops / kernelMs / 1e6);
        }
        const shapes = (kernel.inputShapes ?? []).map((shape) => JSON.stringify(shape)).join(' ');
        const key = options.byShape ? `${kernel.name} ${shapes}` : kernel.name;
        const total = totals.get(key) ?? { ms: 0, calls: 0 };
        total.ms += kernelMs;
        total.calls++;
        totals.set(key, total);
      }
      gemm[which].ms.push(ms);
      gemm[which].flop.push(flop);
      for (const [key, total] of totals) {
        const entry = perKernel[which].get(key) ?? { ms: [], calls: total.calls };
        entry.ms.push(total.ms);
        perKernel[which].set(key, entry);
      }
    }
  }
  use(settings[0]);

  lines.push(
    `${options.preset} on ${tf.getBackend()} (${options.where}): ms per step, median (min–max) of ${BLOCKS} blocks of ${STEPS_PER_BLOCK} steps` +
      (settings.length > 1 ? ', the settings alternating block by block' : ''),
  );
  settings.forEach((setting, i) => lines.push(`  ${setting.label.padEnd(10)} ${figure(blockMs[i], 1)}`));
  if (settings.length > 1) {
    lines.push(`  ratio      ${figure(blockMs[0].map((ms, i) => ms / blockMs[1][i]), 2)} (${settings[0].label} / 1 thread, block pair by pair)`);
  }
  settings.forEach((setting, i) => {
    const { ms, flop, rates } = gemm[i];
    if (spread(ms).median === 0) return;
    const r = spread(rates);
    lines.push(
      `${GEMM_KERNEL}, ${setting.label}: ${figure(ms, 1)} ms of a profiled step, ` +
        `${(spread(flop).median / spread(ms).median / 1e6).toFixed(1)} GFLOP/s overall; products of 1 ms or more: ` +
        `${r.min.toFixed(1)}–${r.max.toFixed(1)} GFLOP/s (median ${r.median.toFixed(1)}, ${rates.length} products in ${PROFILED_STEPS} steps)`,
    );
  });

  lines.push(`Per kernel, summed over a step: median (min–max) of ${PROFILED_STEPS} profiled steps per setting, ms`);
  const column = 24;
  const header = settings.map((setting) => setting.label.padEnd(column)).join('');
  lines.push(`${header}${settings.length > 1 ? 'ratio'.padEnd(7) : ''}calls  kernel`);
  const keys = [...perKernel[0].keys()].sort(
    (a, b) => spread(perKernel[0].get(b)!.ms).median - spread(perKernel[0].get(a)!.ms).median,
  );
  for (const key of keys.slice(0, 30)) {
    const columns = perKernel.map((kernels) => {
      const ms = kernels.get(key)?.ms;
      return (ms ? figure(ms, 2) : '–').padEnd(column);
    });
    let ratio = '';
    if (settings.length > 1) {
      const [all, one] = perKernel.map((kernels) => kernels.get(key)?.ms);
      const ratios = all && one ? all.map((ms, i) => ms / one[i]).filter(Number.isFinite) : [];
      ratio = (ratios.length ? spread(ratios).median.toFixed(2) : '–').padEnd(7);
    }
    lines.push(`${columns.join('')}${ratio}${String(perKernel[0].get(key)!.calls).padStart(5)}  ${key}`);
  }
  return lines;
}
