/**
 * Keras .h5 generators as the lab's own networks: the spec and weights read from a file compute
 * what the file's generator computes, for every layer kind a lab generator has.
 */
import { describe, expect, it } from 'vitest';
import { networkFromSpec } from './generatorLayers';
import { kerasModel, writeKerasH5 } from './kerasH5Export';
import { readKerasH5Network } from './kerasH5Network';
import { CONV_BN_GENERATOR, SEED_GENERATOR, labImages, noise, randomWeights } from '../../testing/kerasH5Oracle';

describe('Keras .h5 generator as a lab network', () => {
  for (const [name, spec] of [['seed generator', SEED_GENERATOR], ['conv generator with batch norm', CONV_BN_GENERATOR]] as const) {
    it(`reads the ${name} back as a network giving the same outputs within 1e-5`, async () => {
      const original = randomWeights(spec, 3);
      const bytes = await writeKerasH5(kerasModel(networkFromSpec(original)));
      const read = await readKerasH5Network({ name: 'g.h5', bytes });
      // Dropout does nothing when sampling, and the export leaves it out.
      expect(read.spec.layers).toEqual(spec.layers.filter((layer) => layer.kind !== 'dropout'));
      const input = noise(spec, 5, 8);
      const [mine, theirs] = [await labImages(read, input), await labImages(original, input)];
      expect(Math.max(...Array.from(mine, (v, i) => Math.abs(v - theirs[i])))).toBeLessThanOrEqual(1e-5);
    });
  }
});
