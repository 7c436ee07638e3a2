/**
 * `npm run train:gan -- --preset dcgan --steps 600 [--seed 42] [--backend wasm] [--out file.zip]`:
 * trains a preset in Node (wasm by default) with the lab's own training step and writes the
 * generator as the lab's TF.js zip, ready for `npm run eval`. For measuring presets without a
 * browser; the lab itself trains in the page.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { PRESETS, isPresetName } from '../src/core/presets';
import { allocateStepInputs, createGan, drawStepInputs, trainStep } from '../src/core/gan';
import { exportGeneratorTfjs } from '../src/core/export/tfjsExport';
import { loadMnist } from './mnistNode';

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? args[index + 1] : fallback;
}

export async function main(args: string[]): Promise<void> {
  const preset = option(args, 'preset', 'seed');
  if (!isPresetName(preset)) throw new Error(`Unknown preset "${preset}".`);
  const steps = Number(option(args, 'steps', '500'));
  const seed = Number(option(args, 'seed', '42'));
  const backend = option(args, 'backend', 'wasm');
  const out = resolve(option(args, 'out', `gan-${preset}-${steps}.zip`));
  await tf.setBackend(backend);
  const { train } = loadMnist(process.cwd());
  const { recipe, schedule } = PRESETS[preset];
  const lr = Number(option(args, 'lr', '0'));
  const batch = Number(option(args, 'batch', '0')) || recipe.batchSize;
  const gan = createGan(lr ? { ...recipe, gOptimizer: { ...recipe.gOptimizer, lr }, dOptimizer: { ...recipe.dOptimizer, lr } } : recipe, seed);
  const inputs = allocateStepInputs(gan.recipe, batch);
  const started = Date.now();
  console.log(`Training ${preset} for ${steps} steps of batch ${batch} on ${tf.getBackend()} (seed ${seed}).`);
  for (let step = 1; step <= steps; step++) {
    drawStepInputs(inputs, train, gan.recipe, seed, step);
    const losses = trainStep(gan, inputs);
    if (step % 50 === 0 || step === steps) {
      const [dLoss, gLoss, dReal, dFake] = await losses.data();
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `step ${step}: D ${dLoss.toFixed(3)} G ${gLoss.toFixed(3)} D(x) ${dReal.toFixed(2)} D(G(z)) ${dFake.toFixed(2)}` +
          `  ${(step / seconds).toFixed(2)} steps/s`,
      );
    }
    losses.dispose();
  }
  const bytes = await exportGeneratorTfjs(gan.generator, {
    preset,
    step: steps,
    epoch: Math.floor(steps / schedule.stepsPerEpoch),
    seed,
  });
  writeFileSync(out, bytes);
  console.log(`Wrote ${out} after ${((Date.now() - started) / 60000).toFixed(1)} min.`);
}
