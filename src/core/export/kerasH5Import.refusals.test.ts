/**
 * Keras .h5 files the lab must refuse, each with a sentence naming the file and what is wrong,
 * and a fuzz over corrupt, truncated and bit-flipped .h5 files: always an ImportError or a sound
 * generator, never another exception and never a hang.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutate, randomBytes } from '../../testing/fuzzSupport';
import { DIGIT_PIXELS } from '../digits';
import { Rng } from '../rng';
import { ImportError } from './importError';
import { type KerasModel, kerasModel, writeKerasH5 } from './kerasH5Export';
import { importKerasH5 } from './kerasH5Import';
import { loadH5wasm, scratchName } from './h5wasmLoader';
import { networkFromSpec } from './generatorLayers';
import { weightShapes } from '../architecture';

/** A small valid generator: 8 noise values → 4 → 784. */
function small(): KerasModel {
  const spec = {
    name: 'generator',
    inputSize: 8,
    layers: [{ kind: 'dense' as const, units: 4 }, { kind: 'leakyRelu' as const, alpha: 0.2 }, { kind: 'dense' as const, units: 784 }, { kind: 'tanh' as const }],
  };
  const rng = new Rng(1);
  return kerasModel(networkFromSpec({ spec, weights: weightShapes(spec).map((s) => rng.fillNormal(new Float32Array(s.reduce((a, b) => a * b, 1)))) }));
}

async function refusal(name: string, bytes: Uint8Array): Promise<string> {
  const before = tf.memory().numTensors;
  const error = await importKerasH5({ name, bytes }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportError);
  expect(tf.memory().numTensors).toBe(before);
  return (error as ImportError).message;
}

let valid: Uint8Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
  valid = await writeKerasH5(small());
});

afterAll(() => {
  tf.disposeVariables();
});

describe('Keras .h5 refusals', () => {
  it('accepts the small generator the cases start from', async () => {
    const { model, latentSize } = await importKerasH5({ name: 'ok.h5', bytes: valid });
    expect(latentSize).toBe(8);
    expect(model.outputs[0].shape).toEqual([null, DIGIT_PIXELS]);
    model.dispose();
  });

  it('refuses what is not HDF5, and HDF5 that holds no model', async () => {
    expect(await refusal('notes.h5', new TextEncoder().encode('hello'))).toMatch(/^notes\.h5: this is not an HDF5 file/);
    const { h5, fs } = await loadH5wasm();
    const path = scratchName();
    const f = new h5.File(path, 'w');
    f.create_dataset({ name: 'data', data: new Float32Array([1, 2]), shape: [2], dtype: '<f4' });
    f.close();
    const plain = fs.readFile(path);
    fs.unlink(path);
    expect(await refusal('data.h5', plain)).toMatch(/^data\.h5: this HDF5 file holds no Keras model: it has neither a model_config attribute nor layer_names/);
  });

  it('names a layer class the lab does not know', async () => {
    const model = small();
    model.layers.splice(2, 0, { class_name: 'LSTM', config: { name: 'lstm', units: 4 } });
    expect(await refusal('rnn.h5', await writeKerasH5(model))).toMatch(/^rnn\.h5: layer 'lstm' is an LSTM; the lab reads Dense, LeakyReLU, .* and BatchNormalization layers\./);
  });

  it('refuses shapes that do not end in 784 pixels and weights that disagree with the config', async () => {
    const short = small();
    short.layers[3].config.units = 10;
    expect(await refusal('short.h5', await writeKerasH5(short))).toMatch(/^short\.h5: .*weight 'dense_1\/kernel:0' .* has shape \[4, 784\] but the layer's config needs \[4, 10\]/);

    const wide = small();
    wide.layers.push({ class_name: 'Reshape', config: { name: 'reshape', target_shape: [28, 28, 1] } }, { class_name: 'Conv2D', config: { name: 'conv2d', filters: 2, kernel_size: [3, 3], strides: [1, 1], padding: 'same', activation: 'linear', use_bias: false } });
    wide.weights.set('conv2d', [{ name: 'kernel:0', shape: [3, 3, 1, 2], values: new Float32Array(18) }]);
    expect(await refusal('wide.h5', await writeKerasH5(wide))).toMatch(/^wide\.h5: the model turns 8 noise values into \[28, 28, 2\] \(1568 values per sample\); a generator gives 784/);

    const activation = small();
    activation.layers[1].config.activation = 'softmax';
    expect(await refusal('act.h5', await writeKerasH5(activation))).toMatch(/^act\.h5: layer 'dense' \(Dense\) uses the activation "softmax"/);
  });

  it('refuses a file over the size limit before reading it', async () => {
    expect(await importKerasH5({ name: 'big.h5', bytes: valid }, { limits: { maxBytes: 1000, maxZipEntries: 1, maxLayerWidth: 10 } }).catch((e: Error) => e.message)).toMatch(/^big\.h5: the file is .* MB; the lab imports generators up to/);
  });

  it('fuzz: truncated, bit-flipped and random .h5 files give an ImportError or a sound generator, quickly', async () => {
    const rng = new Rng(42);
    const started = Date.now();
    let refused = 0;
    for (let i = 0; i < 600; i++) {
      const kind = i % 3;
      const bytes =
        kind === 0
          ? valid.subarray(0, rng.nextInt(valid.length))
          : kind === 1
            ? mutate(rng, valid)
            : Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, ...randomBytes(rng, rng.nextInt(4096))]);
      const caseStart = Date.now();
      try {
        const { model } = await importKerasH5({ name: `case${i}.h5`, bytes });
        expect(model.outputs[0].shape).toEqual([null, DIGIT_PIXELS]);
        model.dispose();
      } catch (error) {
        if (!(error instanceof ImportError)) throw new Error(`case ${i} (kind ${kind}) threw ${String(error)}`);
        expect(error.message).toMatch(new RegExp(`^case${i}\\.h5: `));
        refused += 1;
      }
      expect(Date.now() - caseStart).toBeLessThan(2000);
    }
    expect(refused).toBeGreaterThan(300);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);
});
