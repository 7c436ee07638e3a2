/**
 * The presets train bit for bit as they did before recipes existed: three steps from seed 21 on
 * synthetic digits leave weights whose FNV-1a hash is the one the code of d77c788 (presets as
 * fixed networks, before recipe.ts) printed for the same steps. A change to initialisation,
 * noise streams, losses or the update order changes the hash.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { allocateStepInputs, createGan, disposeGan, drawStepInputs, trainStep } from './gan';
import { PRESETS, type PresetName } from './presets';
import { syntheticSplit } from '../testing/syntheticMnist';

function fnv(arrays: Float32Array[]): string {
  let hash = 0x811c9dc5;
  for (const array of arrays) {
    for (const byte of new Uint8Array(array.buffer, array.byteOffset, array.byteLength)) {
      hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
    }
  }
  return hash.toString(16);
}

/** Printed by the same three steps at d77c788 (G, D, then the average's weights). */
const BEFORE_RECIPES: Record<string, Partial<Record<PresetName, string>>> = {
  cpu: { seed: '5faa49dc', dcgan: '58e63ebd', 'seed-ema': '42ee3d24' },
  wasm: { seed: 'bba43162', dcgan: '6ba57278', 'seed-ema': 'c418a0c2' },
};

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['cpu', 'wasm'])('on %s', (backend) => {
  it.each(['seed', 'dcgan', 'seed-ema'] as const)('%s trains as before recipes', async (preset) => {
    await tf.setBackend(backend);
    const recipe = PRESETS[preset].recipe;
    const gan = createGan(recipe, 21);
    const data = syntheticSplit(32, 8);
    const inputs = allocateStepInputs(recipe, 8);
    for (let step = 1; step <= 3; step++) {
      drawStepInputs(inputs, data, recipe, 21, step);
      (await trainStep(gan, inputs)).dispose();
    }
    const weights = [...gan.gParams, ...gan.dParams, ...(gan.gAverage ?? [])].map((p) => p.dataSync() as Float32Array);
    disposeGan(gan);
    expect(fnv(weights)).toBe(BEFORE_RECIPES[backend][preset]);
  });
});
