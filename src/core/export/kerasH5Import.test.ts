/**
 * Keras .h5 generators into the lab: a file written by h5py as Keras 2 writes it, read back and
 * run by tfjs, must give what NumPy computes from the same file; lab → .h5 → lab keeps outputs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../presets';
import { exportGeneratorKeras } from './kerasH5Export';
import { importKerasH5 } from './kerasH5Import';
import { CONV_BN_GENERATOR, PYTHON, SEED_GENERATOR, labImages, noise, numpyCheck, randomWeights } from '../../testing/kerasH5Oracle';

function pythonSeedFile(weightsOnly: boolean): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'keras-seed-'));
  try {
    const path = join(dir, 'gan_generator_epoch_20.h5');
    execFileSync(PYTHON, ['scripts/kerasH5Seed.py', path, ...(weightsOnly ? ['--weights-only'] : [])]);
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function predict(model: tf.LayersModel, input: Float32Array, latent: number): Promise<Float32Array> {
  const out = tf.tidy(() => (model.predict(tf.tensor2d(input, [input.length / latent, latent])) as tf.Tensor).reshape([input.length / latent, -1]));
  try {
    return new Float32Array(await out.data());
  } finally {
    out.dispose();
  }
}

describe('Keras .h5 import', () => {
  it("imports the Keras scripts' seed generator (h5py-written) and samples what NumPy computes from the file", async () => {
    const bytes = pythonSeedFile(false);
    const { model, latentSize } = await importKerasH5({ name: 'gan_generator_epoch_20.h5', bytes });
    try {
      expect(latentSize).toBe(100);
      const input = noise(SEED_GENERATOR, 4, 3);
      const images = await predict(model, input, 100);
      expect(Math.max(...images.map(Math.abs))).toBeLessThanOrEqual(1);
      expect(numpyCheckWholeFile(bytes, input, images)).toBeLessThan(1e-5);
    } finally {
      model.dispose();
    }
  });

  it('imports a weights-only file with the recipe it belongs to, and names the missing recipe without one', async () => {
    const whole = await importKerasH5({ name: 'g.h5', bytes: pythonSeedFile(false) });
    const bytes = pythonSeedFile(true);
    await expect(importKerasH5({ name: 'weights.h5', bytes })).rejects.toThrow(/weights\.h5: this is a weights-only file.*recipe/);
    const { model } = await importKerasH5({ name: 'weights.h5', bytes }, { recipe: PRESETS.seed.recipe });
    try {
      const input = noise(SEED_GENERATOR, 2, 9);
      expect(Array.from(await predict(model, input, 100))).toEqual(Array.from(await predict(whole.model, input, 100)));
    } finally {
      model.dispose();
      whole.model.dispose();
    }
  });

  for (const [name, spec] of [['seed generator', SEED_GENERATOR], ['conv generator with batch norm', CONV_BN_GENERATOR]] as const) {
    it(`gives the ${name}'s outputs back after lab → .h5 → lab`, async () => {
      const source = randomWeights(spec, 21);
      const { model } = await importKerasH5({ name: 'round.h5', bytes: await exportGeneratorKeras(source) });
      try {
        const input = noise(spec, 3, 4);
        const back = await predict(model, input, spec.inputSize);
        const lab = await labImages(source, input);
        let max = 0;
        for (let i = 0; i < lab.length; i++) max = Math.max(max, Math.abs(back[i] - lab[i]));
        expect(max).toBeLessThan(1e-5);
      } finally {
        model.dispose();
      }
    });
  }
});

/** scripts/kerasH5Check.py on a whole-model file. */
function numpyCheckWholeFile(bytes: Uint8Array, input: Float32Array, images: Float32Array): number {
  return numpyCheck(bytes, input.length / 100, input, images);
}
