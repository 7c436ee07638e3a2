/**
 * `npm run eval -- <generator> [--n 10000] [--out report.json] [--epochs 3] [--backend wasm]`:
 * judges a generator file the lab exported (TF.js zip, or .onnx) against MNIST:
 * - FD: Fréchet distance between n generated and the n real test digits, in the evaluation
 *   classifier's features (public/classifier/), with the real-train-vs-test reference;
 * - the MNIST score and the class histogram of the generated digits;
 * - C2ST: a fresh CNN (the evaluation classifier's architecture, 3 conv layers + dense, one
 *   output) trained `epochs` epochs to tell n generated from n real training digits; its accuracy
 *   on a held-out 20% (0.5 = indistinguishable). The same test real vs real is the floor.
 * Prints a table and writes JSON next to the input (or to --out).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { digitGridPng } from './pngGrid';
import { basename, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DIGIT_PIXELS, LATENT_SIZE } from '../src/core/digits';
import { importGenerator } from '../src/core/export/generatorImport';
import { type MnistSplit, normaliseBatch } from '../src/core/mnistIdx';
import { classHistogram, mnistScore } from '../src/core/metrics/classScores';
import {
  CLASSIFIER_FEATURES,
  CLASSIFIER_MODEL_JSON,
  CLASSIFIER_WEIGHTS,
  type Classifier,
  buildClassifierModel,
  classifierForward,
  classifierFromFiles,
  loadClassifier,
} from '../src/core/metrics/classifier';
import { fitGaussian, frechetDistance } from '../src/core/metrics/frechet';
import { Rng } from '../src/core/rng';
import { loadMnist } from './mnistNode';

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? args[index + 1] : fallback;
}

function shuffled(count: number, rng: Rng): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function images(split: MnistSplit, indices: Int32Array): Float32Array {
  return normaliseBatch(split.pixels, indices, new Float32Array(indices.length * DIGIT_PIXELS));
}

type Sampler = (noise: Float32Array, rows: number) => Promise<Float32Array>;

async function tfjsSampler(bytes: Uint8Array, name: string): Promise<{ sample: Sampler; dispose: () => void }> {
  const { model } = await importGenerator({ name, bytes });
  return {
    sample: async (noise, rows) => {
      const out = tf.tidy(() => model.predict(tf.tensor2d(noise, [rows, LATENT_SIZE])) as tf.Tensor);
      const values = (await out.data()) as Float32Array;
      out.dispose();
      return values;
    },
    dispose: () => model.dispose(),
  };
}

async function onnxSampler(bytes: Uint8Array): Promise<{ sample: Sampler; dispose: () => void }> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  return {
    sample: async (noise, rows) => {
      const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', noise, [rows, LATENT_SIZE]) });
      return new Float32Array(result[session.outputNames[0]].data as Float32Array);
    },
    dispose: () => void session.release(),
  };
}

async function sampleAll(sample: Sampler, count: number, seed: number): Promise<Float32Array> {
  const out = new Float32Array(count * DIGIT_PIXELS);
  const rng = new Rng(seed);
  for (let start = 0; start < count; start += 500) {
    const rows = Math.min(500, count - start);
    out.set(await sample(rng.fillNormal(new Float32Array(rows * LATENT_SIZE)), rows), start * DIGIT_PIXELS);
  }
  return out;
}

/**
 * Two-sample test: trains a fresh CNN to tell set A (label 1) from set B (label 0) on 80% of
 * each, returns its accuracy on the other 20%.
 */
async function c2st(a: Float32Array, b: Float32Array, epochs: number, seed: number): Promise<number> {
  const n = a.length / DIGIT_PIXELS;
  const rng = new Rng(seed);
  const order = shuffled(2 * n, rng);
  const held = Math.floor(0.2 * 2 * n);
  const test = order.subarray(0, held);
  const train = order.subarray(held);
  const row = (index: number) =>
    index < n ? a.subarray(index * DIGIT_PIXELS, (index + 1) * DIGIT_PIXELS) : b.subarray((index - n) * DIGIT_PIXELS, (index - n + 1) * DIGIT_PIXELS);
  const model = buildClassifierModel(1);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(1e-3);
  const batch = 128;
  const x = new Float32Array(batch * DIGIT_PIXELS);
  const y = new Float32Array(batch);
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const perm = shuffled(train.length, rng);
      for (let start = 0; start + batch <= train.length; start += batch) {
        for (let i = 0; i < batch; i++) {
          const index = train[perm[start + i]];
          x.set(row(index), i * DIGIT_PIXELS);
          y[i] = index < n ? 1 : 0;
        }
        tf.tidy(() => {
          const xt = tf.tensor2d(x, [batch, DIGIT_PIXELS]);
          const yt = tf.tensor2d(y, [batch, 1]);
          optimizer.minimize(
            () => tf.losses.sigmoidCrossEntropy(yt, classifierForward(vars, xt, { trainable: true })[1]) as tf.Scalar,
            false,
            vars,
          );
        });
      }
    }
    let correct = 0;
    for (let start = 0; start < test.length; start += 500) {
      const rows = Math.min(500, test.length - start);
      const xt = new Float32Array(rows * DIGIT_PIXELS);
      for (let i = 0; i < rows; i++) xt.set(row(test[start + i]), i * DIGIT_PIXELS);
      const logits = tf.tidy(() => classifierForward(vars, tf.tensor2d(xt, [rows, DIGIT_PIXELS]))[1]);
      const values = await logits.data();
      logits.dispose();
      for (let i = 0; i < rows; i++) if (values[i] > 0 === test[start + i] < n) correct++;
    }
    return correct / test.length;
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

async function judge(classifier: Classifier, generated: Float32Array, realTest: Float32Array) {
  const gen = await classifier.evaluate(generated);
  const real = await classifier.evaluate(realTest);
  return {
    fd: frechetDistance(fitGaussian(gen.features, CLASSIFIER_FEATURES), fitGaussian(real.features, CLASSIFIER_FEATURES)),
    score: mnistScore(gen.probabilities),
    histogram: classHistogram(gen.probabilities),
  };
}

export async function main(args: string[]): Promise<void> {
  const file = args.find((arg, i) => !arg.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
  if (!file) {
    console.error('Usage: npm run eval -- <generator.zip | generator.onnx> [--n 10000] [--epochs 3] [--out report.json]');
    process.exitCode = 2;
    return;
  }
  const root = process.cwd();
  const n = Number(option(args, 'n', '10000'));
  const epochs = Number(option(args, 'epochs', '3'));
  const out = resolve(option(args, 'out', `${resolve(file).replace(/\.(zip|onnx|json)$/i, '')}.eval.json`));
  await tf.setBackend(option(args, 'backend', 'wasm'));
  const started = Date.now();
  const { train, test } = loadMnist(root);
  const bytes = new Uint8Array(readFileSync(file));
  const sampler = file.toLowerCase().endsWith('.onnx') ? await onnxSampler(bytes) : await tfjsSampler(bytes, basename(file));
  const generated = await sampleAll(sampler.sample, n, 12345);
  sampler.dispose();
  const dir = join(root, 'public/classifier');
  const classifier = await loadClassifier(
    classifierFromFiles(readFileSync(join(dir, CLASSIFIER_MODEL_JSON), 'utf8'), new Uint8Array(readFileSync(join(dir, CLASSIFIER_WEIGHTS)))),
  );
  const rng = new Rng(777);
  const realTest = images(test, shuffled(test.count, rng).subarray(0, Math.min(n, test.count)));
  const trainOrder = shuffled(train.count, rng);
  const realA = images(train, trainOrder.subarray(0, n));
  const realB = images(train, trainOrder.subarray(n, 2 * n));
  const generatedScores = await judge(classifier, generated, realTest);
  const realScores = await judge(classifier, realA, realTest);
  classifier.dispose();
  console.log(`Sampled and scored in ${((Date.now() - started) / 1000).toFixed(0)} s; two-sample tests (${epochs} epochs each)…`);
  const c2stGenerated = await c2st(generated, realA, epochs, 1);
  const c2stReal = await c2st(realB, realA, epochs, 2);
  const report = {
    file: resolve(file),
    n,
    generated: { ...generatedScores, c2st: c2stGenerated },
    realTrain: { ...realScores, c2st: c2stReal },
    c2stEpochs: epochs,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  const row = (name: string, r: typeof report.generated) =>
    `| ${name.padEnd(22)} | ${r.fd.toFixed(2).padStart(8)} | ${r.score.toFixed(2).padStart(5)} | ${String(r.histogram.modes).padStart(5)} | ` +
    `${(100 * r.histogram.smallestShare).toFixed(1).padStart(8)}% | ${r.c2st.toFixed(3).padStart(5)} |`;
  console.log(`\n${n} digits each; FD against ${realTest.length / DIGIT_PIXELS} real test digits.`);
  console.log('| set                    |       FD | score | modes | smallest | C2ST  |');
  console.log('|------------------------|---------:|------:|------:|---------:|------:|');
  console.log(row('generated', report.generated));
  console.log(row('real train (reference)', report.realTrain));
  console.log(`class counts (generated): ${report.generated.histogram.counts.join(' ')}`);
  writeFileSync(out, JSON.stringify(report, null, 2));
  // The first 100 of the sampled digits (noise seed 12345), as the README shows them.
  const png = out.replace(/\.json$/i, '') + '.png';
  writeFileSync(png, digitGridPng(generated, Math.min(100, n), 10));
  console.log(`Wrote ${out} and ${png} (${report.seconds} s).`);
}
