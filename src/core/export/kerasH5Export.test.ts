/**
 * The Keras .h5 export read by h5py and run by NumPy from the file's own model_config and
 * weights (scripts/kerasH5Check.py) must give what the lab gives on the same noise.
 */
import { describe, expect, it } from 'vitest';
import { exportGeneratorKeras } from './kerasH5Export';
import { CONV_BN_GENERATOR, SEED_GENERATOR, labImages, noise, numpyCheck, randomWeights } from '../../testing/kerasH5Oracle';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

describe('Keras .h5 export', () => {
  for (const [name, spec] of [['seed generator', SEED_GENERATOR], ['conv generator with batch norm', CONV_BN_GENERATOR]] as const) {
    it(`writes the ${name} so a NumPy forward pass from the file equals the lab's within 1e-5`, async () => {
      const source = randomWeights(spec, 7);
      const file = await exportGeneratorKeras(source);
      expect(Array.from(file.subarray(0, 8))).toEqual(HDF5_SIGNATURE);
      const input = noise(spec, 3, 11);
      const expected = await labImages(source, input);
      expect(numpyCheck(file, 3, input, expected)).toBeLessThan(1e-5);
      // The oracle does see a difference when there is one.
      expect(numpyCheck(file, 3, input, expected.map((v) => v + 1e-3))).toBeGreaterThan(5e-4);
    });
  }

  it('refuses a class-conditional generator with a sentence saying what to do', async () => {
    const source = randomWeights({ ...SEED_GENERATOR, classes: 10 }, 3);
    await expect(exportGeneratorKeras(source)).rejects.toThrow(/class-conditional.*TF\.js or ONNX/);
  });
});
