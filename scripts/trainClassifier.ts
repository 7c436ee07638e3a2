/**
 * `npm run train:classifier`: trains the evaluation classifier (src/core/metrics/classifier.ts)
 * on MNIST in Node on the wasm backend, reports its test accuracy and writes it to
 * public/classifier/ (TF.js Layers format, weights stored as float16). It only ever judges
 * generated digits; it never trains the GAN.
 *
 * Options: --epochs N (default 6), --batch N (128), --seed N (1), --out DIR.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { normaliseBatch } from '../src/core/mnistIdx';
import {
  CLASSIFIER_MODEL_JSON,
  CLASSIFIER_WEIGHTS,
  Classifier,
  buildClassifierModel,
  classifierForward,
  classifierFromFiles,
  loadClassifier,
} from '../src/core/metrics/classifier';
import { Rng } from '../src/core/rng';
import { loadMnist } from './mnistNode';

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? args[index + 1] : fallback;
}

/** IEEE half precision, round to nearest even (weights are small and finite). */
function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exponent = ((x >>> 23) & 0xff) - 127 + 15;
    let mantissa = x & 0x7fffff;
    if (exponent <= 0) {
      // Subnormal half (or zero).
      if (exponent < -10) {
        out[i] = sign;
        continue;
      }
      mantissa |= 0x800000;
      const shift = 14 - exponent;
      let half = mantissa >>> shift;
      const rest = mantissa & ((1 << shift) - 1);
      const midpoint = 1 << (shift - 1);
      if (rest > midpoint || (rest === midpoint && half & 1)) half++;
      out[i] = sign | half;
      continue;
    }
    if (exponent >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    let half = (exponent << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
    out[i] = sign | half;
  }
  return out;
}

async function saveFloat16(model: tf.LayersModel, dir: string): Promise<number> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const { modelTopology, weightSpecs, weightData } = artifacts! as tf.io.ModelArtifacts;
  const floats = new Float32Array(weightData as ArrayBuffer);
  const halves = toFloat16(floats);
  const specs = weightSpecs!.map((spec) => ({
    ...spec,
    quantization: { dtype: 'float16' as const, original_dtype: 'float32' as const },
  }));
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology,
    weightsManifest: [{ paths: [CLASSIFIER_WEIGHTS], weights: specs }],
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, CLASSIFIER_MODEL_JSON), JSON.stringify(modelJson));
  writeFileSync(join(dir, CLASSIFIER_WEIGHTS), new Uint8Array(halves.buffer));
  return halves.byteLength;
}

async function accuracy(classifier: Classifier, pixels: Uint8Array, labels: Uint8Array): Promise<number> {
  const images = normaliseBatch(pixels, Int32Array.from({ length: labels.length }, (_, i) => i), new Float32Array(pixels.length));
  const { probabilities } = await classifier.evaluate(images);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (probabilities[i * 10 + c] > probabilities[i * 10 + best]) best = c;
    if (best === labels[i]) correct++;
  }
  return correct / labels.length;
}

export async function main(args: string[]): Promise<void> {
  const root = process.cwd();
  const epochs = Number(option(args, 'epochs', '6'));
  const batch = Number(option(args, 'batch', '128'));
  const seed = Number(option(args, 'seed', '1'));
  const out = resolve(option(args, 'out', join(root, 'public/classifier')));
  await tf.setBackend('wasm');
  const { train, test } = loadMnist(root);
  const rng = new Rng(seed);
  const model = buildClassifierModel();
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(1e-3);
  // tfjs keeps the rate in a protected field; Adam reads it at every step.
  const setRate = (rate: number) => ((optimizer as unknown as { learningRate: number }).learningRate = rate);
  const stepsPerEpoch = Math.floor(train.count / batch);
  const images = new Float32Array(batch * 784);
  const labels = new Int32Array(batch);
  const mask = new Float32Array(batch * 128);
  const started = Date.now();
  console.log(`Training the evaluation classifier on ${tf.getBackend()}: ${epochs} epochs of ${stepsPerEpoch} steps, batch ${batch}.`);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    // Shuffle; 1e-3, then 3e-4 and 1e-4 for the last two epochs.
    const order = Int32Array.from({ length: train.count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    setRate(epoch === epochs && epochs > 2 ? 1e-4 : epoch === epochs - 1 && epochs > 2 ? 3e-4 : 1e-3);
    let lossSum = 0;
    for (let step = 0; step < stepsPerEpoch; step++) {
      const indices = order.subarray(step * batch, (step + 1) * batch);
      normaliseBatch(train.pixels, indices, images);
      for (let i = 0; i < batch; i++) labels[i] = train.labels[indices[i]];
      rng.fillDropoutMask(mask, 0.3);
      const loss = tf.tidy(() => {
        const x = tf.tensor2d(images, [batch, 784]);
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
        const m = tf.tensor2d(mask, [batch, 128]);
        return optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(y, classifierForward(vars, x, { trainable: true, dropoutMask: m })[1]) as tf.Scalar,
          true,
          vars,
        )!;
      });
      if (step % 50 === 49) lossSum = (await loss.data())[0];
      loss.dispose();
      if (step % 100 === 99) {
        const seconds = (Date.now() - started) / 1000;
        console.log(`  epoch ${epoch} step ${step + 1}/${stepsPerEpoch}  loss ${lossSum.toFixed(4)}  ${seconds.toFixed(0)} s`);
      }
    }
    const snapshot = Classifier.fromModel(model);
    const acc = await accuracy(snapshot, test.pixels, test.labels);
    snapshot.dispose();
    console.log(`epoch ${epoch}: test accuracy ${(100 * acc).toFixed(2)}%  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  const bytes = await saveFloat16(model, out);
  // Check what was written: the float16 weights must keep the accuracy.
  const reloaded = await loadClassifier(
    classifierFromFiles(readFileSync(join(out, CLASSIFIER_MODEL_JSON), 'utf8'), new Uint8Array(readFileSync(join(out, CLASSIFIER_WEIGHTS)))),
  );
  const acc = await accuracy(reloaded, test.pixels, test.labels);
  reloaded.dispose();
  console.log(
    `Wrote ${out} (${(bytes / 1024).toFixed(0)} KB of float16 weights). Test accuracy as saved: ` +
      `${(100 * acc).toFixed(2)}% on ${test.count} digits; ${((Date.now() - started) / 60000).toFixed(1)} min.`,
  );
  if (acc < 0.99) {
    console.error('The classifier is below 99.0% test accuracy; train longer (--epochs).');
    process.exitCode = 1;
  }
}
