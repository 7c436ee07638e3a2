/**
 * The exported ONNX is checked by a runtime nobody here wrote: onnxruntime-web (wasm, in Node)
 * must give what tfjs gives on the same noise.
 */
import { LATENT_SIZE } from '../digits';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gan, createGan, disposeGan, generate } from '../gan';
import { PRESETS } from '../presets';
import { Rng } from '../rng';
import { ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUT, exportGeneratorOnnx } from './onnxExport';

const { onnx } = onnxProto;

function noise(count: number, seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(count * LATENT_SIZE));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

async function runOnnx(bytes: Uint8Array, input: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const rows = input.length / LATENT_SIZE;
    const feeds = { [ONNX_INPUT]: new ort.Tensor('float32', input, [rows, LATENT_SIZE]) };
    const result = await session.run(feeds);
    const image = result[ONNX_OUTPUT];
    expect(image.dims).toEqual([rows, 784]);
    return image.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Adds small noise to every weight so biases are non-zero and kernels off their init. */
function perturb(gan: Gan, seed: number): void {
  const rng = new Rng(seed);
  const weights = gan.generator.getWeights().map((w) => {
    const delta = rng.fillNormal(new Float32Array(w.size));
    return tf.tidy(() => tf.add(w, tf.mul(tf.tensor(delta, w.shape), 0.05)));
  });
  gan.generator.setWeights(weights);
  tf.dispose(weights);
}

async function tfjsImages(gan: Gan, input: Float32Array): Promise<Float32Array> {
  const out = generate(gan, input);
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}

const measured: string[] = [];

beforeAll(async () => {
  await tf.setBackend('cpu');
  ort.env.wasm.numThreads = 1;
});

afterAll(() => {
  console.info(`ONNX vs tfjs, max |difference|: ${measured.join('; ')}`);
});

describe('ONNX export', () => {
  for (const perturbed of [false, true]) {
    const label = perturbed ? 'perturbed' : 'freshly initialised';
    it(`matches tfjs in onnxruntime-web for a ${label} seed generator, batches 1 and 7`, async () => {
      const gan = createGan(PRESETS.seed.recipe, 7);
      try {
        if (perturbed) perturb(gan, 99);
        const fromSpec = await exportGeneratorOnnx(
          { spec: PRESETS.seed.recipe.generator, weights: gan.gParams.map((p) => p.dataSync() as Float32Array) },
          { preset: 'seed', epoch: 3, step: 384, seed: 7 },
        );
        const fromModel = await exportGeneratorOnnx(gan.generator, { preset: 'seed' });
        for (const rows of [1, 7]) {
          const input = noise(rows, 1000 + rows);
          const expected = await tfjsImages(gan, input);
          if (perturbed) expect(expected.some((v) => Math.abs(v) > 0.5)).toBe(true);
          for (const [source, bytes] of [['spec', fromSpec], ['model', fromModel]] as const) {
            const diff = maxAbsDiff(await runOnnx(bytes, input), expected);
            measured.push(`${label}, from ${source}, batch ${rows}: ${diff.toExponential(2)}`);
            expect(diff).toBeLessThanOrEqual(1e-5);
          }
        }
      } finally {
        disposeGan(gan);
      }
    });
  }

  it('matches tfjs in onnxruntime-web for a perturbed DCGAN generator (Conv, ConvTranspose, Reshape, Transpose)', async () => {
    const gan = createGan(PRESETS.dcgan.recipe, 5);
    try {
      perturb(gan, 98);
      const fromSpec = await exportGeneratorOnnx(
        { spec: PRESETS.dcgan.recipe.generator, weights: gan.gParams.map((p) => p.dataSync() as Float32Array) },
        { preset: 'dcgan' },
      );
      const fromModel = await exportGeneratorOnnx(gan.generator, { preset: 'dcgan' });
      const ops = onnx.ModelProto.decode(fromModel).graph!.node!.map((n) => n.opType);
      expect(ops).toEqual([
        'Gemm', 'LeakyRelu', 'Reshape', 'Transpose', 'ConvTranspose', 'LeakyRelu', 'ConvTranspose', 'Tanh',
        'Transpose', 'Reshape',
      ]);
      for (const rows of [1, 5]) {
        const input = noise(rows, 2000 + rows);
        const expected = await tfjsImages(gan, input);
        // The Layers model (what TF.js export ships) agrees with the training forward pass.
        const layers = tf.tidy(() => gan.generator.predict(tf.tensor2d(input, [rows, LATENT_SIZE])) as tf.Tensor);
        expect(maxAbsDiff((await layers.data()) as Float32Array, expected)).toBeLessThanOrEqual(1e-5);
        layers.dispose();
        for (const [source, bytes] of [['spec', fromSpec], ['model', fromModel]] as const) {
          const diff = maxAbsDiff(await runOnnx(bytes, input), expected);
          measured.push(`dcgan, from ${source}, batch ${rows}: ${diff.toExponential(2)}`);
          expect(diff).toBeLessThanOrEqual(1e-5);
        }
      }
    } finally {
      disposeGan(gan);
    }
  });

  it('declares opset 13, a dynamic batch, named input and output, and the run metadata', async () => {
    const gan = createGan(PRESETS.seed.recipe, 3);
    try {
      const bytes = await exportGeneratorOnnx(gan.generator, {
        preset: 'seed',
        epoch: 20,
        step: 2560,
        seed: 3,
        metrics: { fd: 12.5 },
      });
      const model = onnx.ModelProto.decode(bytes);
      expect(model.opsetImport.map((o) => Number(o.version))).toEqual([ONNX_OPSET]);
      expect(model.producerName).toBe('MNIST GAN Lab');
      expect(model.producerVersion).toMatch(/^\d+\.\d+\.\d+/);
      const { node = [], input = [], output = [] } = model.graph!;
      expect(node!.map((n) => n.opType)).toEqual([
        'Gemm', 'LeakyRelu', 'Gemm', 'LeakyRelu', 'Gemm', 'LeakyRelu', 'Gemm', 'Tanh',
      ]);
      const dims = (info: onnxProto.onnx.IValueInfoProto) =>
        info.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
      expect(input!.map((i) => i.name)).toEqual(['noise']);
      expect(dims(input![0])).toEqual(['N', 100]);
      expect(output!.map((o) => o.name)).toEqual(['image']);
      expect(dims(output![0])).toEqual(['N', 784]);
      const props = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
      expect(props).toMatchObject({
        preset: 'seed',
        epoch: '20',
        step: '2560',
        seed: '3',
        pixel_range: '[-1, 1]',
        latent_size: '100',
        'metric.fd': '12.5',
      });
    } finally {
      disposeGan(gan);
    }
  });

  it('names the layer it cannot convert', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 4, inputShape: [100] }), tf.layers.layerNormalization()],
    });
    await expect(exportGeneratorOnnx(model)).rejects.toThrow(/LayerNormalization layers/);
    model.dispose();
  });
});
