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
import { CLASSIFIER_MODEL_JSON, CLASSIFIER_WEIGHTS, classifierFromFiles, loadClassifier } from '../src/core/metrics/classifier';
import { classifierAccuracy, trainClassifierModel } from '../src/core/metrics/classifierTraining';
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

export async function main(args: string[]): Promise<void> {
  const root = process.cwd();
  const epochs = Number(option(args, 'epochs', '6'));
  const batch = Number(option(args, 'batch', '128'));
  const seed = Number(option(args, 'seed', '1'));
  const out = resolve(option(args, 'out', join(root, 'public/classifier')));
  await tf.setBackend('wasm');
  const { train, test } = loadMnist(root);
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
  console.log(`Training the evaluation classifier on ${tf.getBackend()}: ${epochs} epochs, batch ${batch}.`);
  const { model } = await trainClassifierModel(train, {
    classes: 10,
    epochs,
    batch,
    seed,
    onStep(step, steps, loss) {
      if (step % 100 === 0) console.log(`  step ${step}/${steps}  loss ${loss?.toFixed(4) ?? '—'}  ${seconds()} s`);
    },
    async onEpoch(epoch, current) {
      const acc = await classifierAccuracy(current, test);
      console.log(`epoch ${epoch}: test accuracy ${(100 * acc).toFixed(2)}%  (${seconds()} s)`);
    },
  });
  const bytes = await saveFloat16(model, out);
  // Check what was written: the float16 weights must keep the accuracy.
  const reloaded = await loadClassifier(
    classifierFromFiles(readFileSync(join(out, CLASSIFIER_MODEL_JSON), 'utf8'), new Uint8Array(readFileSync(join(out, CLASSIFIER_WEIGHTS)))),
  );
  const acc = await classifierAccuracy(reloaded, test);
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
