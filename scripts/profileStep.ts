/**
 * `npm run profile -- [--backend wasm] [--preset seed] [--by-shape]`: where one training step's
 * time goes, in Node, per tfjs kernel (summed over the step; nested scopes such as `forward`
 * are listed too and overlap the kernels inside them). Single-threaded: the page splits the
 * matrix products over every core, so there they take a smaller share.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { allocateStepInputs, createGan, drawStepInputs, trainStep } from '../src/core/gan';
import { isPresetName } from '../src/core/presets';
import { syntheticSplit } from '../src/core/syntheticMnist';

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? args[index + 1] : fallback;
}

export async function main(args: string[]): Promise<void> {
  await tf.setBackend(option(args, 'backend', 'wasm'));
  const preset = option(args, 'preset', 'seed');
  if (!isPresetName(preset)) throw new Error(`Unknown preset "${preset}".`);
  const gan = createGan(preset, 1, 2e-4);
  const inputs = allocateStepInputs(gan.preset.discriminator, gan.preset.overrides.batchSize);
  const data = syntheticSplit(1000, 1);
  const step = async (index: number) => {
    drawStepInputs(inputs, data, gan.preset.discriminator, 1, index);
    const losses = trainStep(gan, inputs);
    await losses.data();
    losses.dispose();
  };
  for (let index = 1; index <= 5; index++) await step(index);
  const started = performance.now();
  for (let index = 6; index <= 15; index++) await step(index);
  console.log(`${preset} on ${tf.getBackend()}: ${((performance.now() - started) / 10).toFixed(1)} ms per step`);
  const totals = new Map<string, { ms: number; calls: number }>();
  const profile = await tf.profile(() => step(16));
  for (const kernel of profile.kernels) {
    const shapes = (kernel.inputShapes ?? []).map((shape) => JSON.stringify(shape)).join(' ');
    const key = args.includes('--by-shape') ? `${kernel.name} ${shapes}` : kernel.name;
    const total = totals.get(key) ?? { ms: 0, calls: 0 };
    total.ms += Number(kernel.kernelTimeMs);
    total.calls++;
    totals.set(key, total);
  }
  console.log('    ms  calls  kernel');
  for (const [key, { ms, calls }] of [...totals].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) {
    console.log(`${ms.toFixed(2).padStart(6)} ${String(calls).padStart(6)}  ${key}`);
  }
}
