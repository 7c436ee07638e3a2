/**
 * `npm run profile -- [--backend wasm] [--preset seed] [--by-shape] [--save] [--allow-dirty]`:
 * where one training step's time goes, in Node, per tfjs kernel (summed over the step; nested
 * scopes such as `forward` are listed too and overlap the kernels inside them), and the matrix
 * products' speed in GFLOP/s. Single-threaded: the page splits the matrix products over every
 * core, so there they take a smaller share. `--save` also writes what it prints to
 * bench/results/<date>-<commit>-profile-<preset>-<backend>.txt (a clean tree is required unless
 * --allow-dirty).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { GEMM_KERNEL } from '../src/core/kernels/gemmKernel';
import { allocateStepInputs, createGan, drawStepInputs, trainStep } from '../src/core/gan';
import { PRESETS, isPresetName } from '../src/core/presets';
import { type Provenance, provenance, resultStem, spread } from './provenance';
import { syntheticSplit } from '../src/testing/syntheticMnist';

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? args[index + 1] : fallback;
}

/** Floating-point operations of a matrix product with output [m, n] and left operand of `aSize` values. */
function gemmFlops(outputShape: number[], aSize: number): number {
  const [m, n] = outputShape;
  return 2 * m * n * (aSize / m);
}

export async function main(args: string[]): Promise<void> {
  const origin: Provenance | null = args.includes('--save') ? provenance(resolve('.'), args.includes('--allow-dirty')) : null;
  const lines: string[] = [];
  const print = (line: string) => {
    console.log(line);
    lines.push(line);
  };
  await tf.setBackend(option(args, 'backend', 'wasm'));
  const preset = option(args, 'preset', 'seed');
  if (!isPresetName(preset)) throw new Error(`Unknown preset "${preset}".`);
  const gan = createGan(PRESETS[preset].recipe, 1);
  const inputs = allocateStepInputs(gan.recipe);
  const data = syntheticSplit(1000, 1);
  const step = async (index: number) => {
    drawStepInputs(inputs, data, gan.recipe, 1, index);
    const losses = trainStep(gan, inputs);
    await losses.data();
    losses.dispose();
  };
  for (let index = 1; index <= 5; index++) await step(index);
  // Ten timed blocks of five steps each, so the figure comes with its spread.
  const blocks: number[] = [];
  for (let block = 0; block < 10; block++) {
    const started = performance.now();
    for (let index = 0; index < 5; index++) await step(6 + block * 5 + index);
    blocks.push((performance.now() - started) / 5);
  }
  const perStep = spread(blocks);
  if (origin) print(`commit ${origin.commit}${origin.dirty ? ' (uncommitted changes)' : ''} · ${origin.machine.cpu} · ${origin.machine.cores} cores · Node ${origin.machine.node}`);
  print(
    `${preset} on ${tf.getBackend()}, single thread: ${perStep.median.toFixed(1)} ms per step ` +
      `(median of 10 blocks of 5 steps; ${perStep.min.toFixed(1)}–${perStep.max.toFixed(1)})`,
  );
  const totals = new Map<string, { ms: number; calls: number }>();
  const profile = await tf.profile(() => step(100));
  let gemmMs = 0;
  let gemmFlop = 0;
  const gemmRates: number[] = [];
  for (const kernel of profile.kernels) {
    if (kernel.name === GEMM_KERNEL && kernel.outputShapes[0] && kernel.inputShapes[0]) {
      const flops = gemmFlops(kernel.outputShapes[0], kernel.inputShapes[0].reduce((a, b) => a * b, 1));
      const ms = Number(kernel.kernelTimeMs);
      gemmMs += ms;
      gemmFlop += flops;
      // Products under a millisecond are dominated by call overhead; their rate says little.
      if (ms >= 1) gemmRates.push(flops / ms / 1e6);
    }
    const shapes = (kernel.inputShapes ?? []).map((shape) => JSON.stringify(shape)).join(' ');
    const key = args.includes('--by-shape') ? `${kernel.name} ${shapes}` : kernel.name;
    const total = totals.get(key) ?? { ms: 0, calls: 0 };
    total.ms += Number(kernel.kernelTimeMs);
    total.calls++;
    totals.set(key, total);
  }
  if (gemmMs > 0) {
    const rates = spread(gemmRates);
    print(
      `${GEMM_KERNEL}: ${gemmMs.toFixed(1)} ms of the profiled step, ${(gemmFlop / gemmMs / 1e6).toFixed(1)} GFLOP/s overall; ` +
        `products of 1 ms or more: ${rates.min.toFixed(1)}–${rates.max.toFixed(1)} GFLOP/s (median ${rates.median.toFixed(1)}, ${gemmRates.length} products)`,
    );
  }
  print('    ms  calls  kernel');
  for (const [key, { ms, calls }] of [...totals].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) {
    print(`${ms.toFixed(2).padStart(6)} ${String(calls).padStart(6)}  ${key}`);
  }
  if (origin) {
    const dir = resolve('bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${resultStem(origin)}-profile-${preset}-${tf.getBackend()}.txt`);
    writeFileSync(file, `npm run profile -- ${args.join(' ')}\n${lines.join('\n')}\n`);
    console.log(`Wrote ${file}`);
  }
}
