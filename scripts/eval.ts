/**
 * `npm run eval -- <generator> [--n 10000] [--seeds 3] [--critics strided,maxpool] [--epochs 3]
 * [--out report.json] [--backend wasm] [--shapes]`: judges a generator file the lab exported (TF.js zip, or
 * .onnx) against MNIST:
 * - FD: Fréchet distance between n generated and the n real test digits, in the evaluation
 *   classifier's features (public/classifier/), with the real-train-vs-test reference;
 * - the MNIST score and the class histogram of the generated digits;
 * - C2ST (src/core/metrics/c2st.ts): every critic design trained `epochs` epochs, once per seed,
 *   to tell the n generated digits, rounded to 8-bit grey as exported, from n real training
 *   digits; accuracy on a held-out 20% of each (0.5 = indistinguishable). The reported C2ST is
 *   the design with the highest mean; the floor is the same test on two disjoint real sets;
 * - the grey levels of both sets (metrics/greyLevels.ts), and with `--shapes` the strongest
 *   critic's C2ST on both sets binarised: what is left when the greys cannot give digits away.
 * Prints a table and writes JSON next to the input (or to --out).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { digitGridPng } from './pngGrid';
import { basename, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DIGIT_CLASSES, DIGIT_PIXELS, LATENT_SIZE } from '../src/core/digits';
import { IMPORT_LIMITS, importGenerator } from '../src/core/export/generatorImport';
import { cyclingLabels } from '../src/core/sampling';
import { ONNX_LABEL } from '../src/core/export/onnxExport';
import { oneHotLabels } from '../src/core/network';
import { C2ST_DEFAULTS, type CriticRun, asExported, criticSeeds, judgeC2st } from '../src/core/metrics/c2st';
import { CheckpointC2st } from '../src/core/metrics/checkpointC2st';
import { CRITICS, criticByName } from '../src/core/metrics/critics';
import { GREY_BANDS, type GreyLevels, binarised, greyLevels } from '../src/core/metrics/greyLevels';
import { QUALITY_N } from '../src/worker/quality';
import { Rng } from '../src/core/rng';
import { classifierScores, openJudge } from './judge';

/** Options that take no value. */
const FLAGS = ['--shapes'];

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? args[index + 1] : fallback;
}

type Sampler = (noise: Float32Array, rows: number) => Promise<Float32Array>;

/** A class-conditional generator's one-hot labels for `rows` digits: 0–9 in turn, as the lab samples. */
function labelsInTurn(rows: number, classes: number): tf.Tensor2D {
  return oneHotLabels(cyclingLabels(rows), classes);
}

async function tfjsSampler(bytes: Uint8Array, name: string): Promise<{ sample: Sampler; dispose: () => void }> {
  const { model, classes } = await importGenerator({ name, bytes }, IMPORT_LIMITS, { conditional: true });
  return {
    sample: async (noise, rows) => {
      const out = tf.tidy(() => {
        const z = tf.tensor2d(noise, [rows, LATENT_SIZE]);
        return model.predict(classes === null ? z : [z, labelsInTurn(rows, classes)]) as tf.Tensor;
      });
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
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
        [session.inputNames[0]]: new ort.Tensor('float32', noise, [rows, LATENT_SIZE]),
      };
      // A class-conditional export's second input is its one-hot label (generatorManifest.ts).
      if (session.inputNames[1] === ONNX_LABEL) {
        const labels = labelsInTurn(rows, DIGIT_CLASSES);
        feeds[ONNX_LABEL] = new ort.Tensor('float32', labels.dataSync() as Float32Array, [rows, DIGIT_CLASSES]);
        labels.dispose();
      }
      const result = await session.run(feeds);
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

function wholeOption(args: string[], name: string, fallback: number, min: number): number {
  const value = Number(option(args, name, String(fallback)));
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`--${name} must be a whole number of at least ${min}, got ${option(args, name, '')}.`);
  }
  return value;
}

/** "0.912 ± 0.004 (maxpool)" */
function c2stCell(run: CriticRun): string {
  return `${run.mean.toFixed(3)} ± ${run.sd.toFixed(3)} (${run.critic})`;
}

export async function main(args: string[]): Promise<void> {
  const file = args.find((arg, i) => !arg.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--') || FLAGS.includes(args[i - 1])));
  if (!file) {
    console.error(
      'Usage: npm run eval -- <generator.zip | generator.onnx> [--n 10000] [--seeds 3] [--critics strided,maxpool] [--epochs 3] [--out report.json] [--shapes]',
    );
    process.exitCode = 2;
    return;
  }
  const root = process.cwd();
  const n = wholeOption(args, 'n', 10000, 10);
  const c2stOptions = { ...C2ST_DEFAULTS, epochs: wholeOption(args, 'epochs', C2ST_DEFAULTS.epochs, 1) };
  const seeds = criticSeeds(wholeOption(args, 'seeds', 3, 1));
  const designs = option(args, 'critics', CRITICS.map((c) => c.name).join(',')).split(',').map(criticByName);
  const out = resolve(option(args, 'out', `${resolve(file).replace(/\.(zip|onnx|json)$/i, '')}.eval.json`));
  await tf.setBackend(option(args, 'backend', 'wasm'));
  const started = Date.now();
  const judge = await openJudge(root, n);
  const bytes = new Uint8Array(readFileSync(file));
  const sampler = file.toLowerCase().endsWith('.onnx') ? await onnxSampler(bytes) : await tfjsSampler(bytes, basename(file));
  const generated = await sampleAll(sampler.sample, n, 12345);
  sampler.dispose();
  const { realTest, realA, realB } = judge;
  const generatedScores = await classifierScores(judge, generated);
  const realScores = await classifierScores(judge, realA);
  judge.dispose();
  console.log(
    `Sampled and scored in ${((Date.now() - started) / 1000).toFixed(0)} s; two-sample tests: ` +
      `${designs.map((d) => d.name).join(', ')} × seeds ${seeds.join(', ')}, generated and floor (${c2stOptions.epochs} epochs each)…`,
  );
  // The digits as users get them (8-bit grey), so quantisation alone cannot give them away.
  const verdict = await judgeC2st({ generated: asExported(generated), real: realA, otherReal: realB }, designs, seeds, c2stOptions, (critic, set, seed, accuracy) =>
    console.log(`  ${critic} ${set} seed ${seed}: ${accuracy.toFixed(4)}`),
  );
  const strongest = verdict.critics.find((c) => c.critic === verdict.strongest)!;
  const greys = { generated: greyLevels(generated), realTrain: greyLevels(realA) };
  // The shapes alone: the strongest design again, on both sets binarised.
  const shapes = args.includes('--shapes')
    ? (
        await judgeC2st(
          { generated: binarised(generated), real: binarised(realA), otherReal: binarised(realB) },
          [criticByName(verdict.strongest)],
          seeds,
          c2stOptions,
          (critic, set, seed, accuracy) => console.log(`  ${critic} ${set} (binarised) seed ${seed}: ${accuracy.toFixed(4)}`),
        )
      ).critics[0]
    : null;
  // What the lab's Quality panel says of the same digits: its checkpoint C2ST, as sized there.
  const checkpointN = Math.min(QUALITY_N, n);
  const firstDigits = (set: Float32Array) => set.subarray(0, checkpointN * DIGIT_PIXELS);
  const checkpoint = await new CheckpointC2st(firstDigits(realA), firstDigits(realB)).judge(firstDigits(generated));
  const report = {
    file: resolve(file),
    n,
    generated: generatedScores,
    realTrain: realScores,
    c2st: {
      judged: 'generated digits rounded to 8-bit grey (toPixels), scaled back as real digits: (x - 127.5) / 127.5',
      ...c2stOptions,
      trainPerSet: n - Math.floor(c2stOptions.heldOut * n),
      heldOutPerSet: Math.floor(c2stOptions.heldOut * n),
      seeds,
      strongest: verdict.strongest,
      generated: { mean: strongest.generated.mean, sd: strongest.generated.sd },
      floor: { mean: strongest.floor.mean, sd: strongest.floor.sd },
      critics: verdict.critics,
    },
    checkpointC2st: { ...checkpoint, seconds: checkpoint.ms / 1000 },
    greyLevels: { bands: GREY_BANDS, ...greys },
    ...(shapes && {
      c2stShapes: {
        judged: 'both sets binarised at grey 128 (greyLevels.ts, binarised)',
        critic: shapes.critic,
        generated: { mean: shapes.generated.mean, sd: shapes.generated.sd },
        floor: { mean: shapes.floor.mean, sd: shapes.floor.sd },
        runs: shapes,
      },
    }),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  const row = (name: string, r: typeof report.generated, c2st: CriticRun) =>
    `| ${name.padEnd(22)} | ${r.fd.toFixed(2).padStart(8)} | ${r.score.toFixed(2).padStart(5)} | ${String(r.histogram.modes).padStart(5)} | ` +
    `${(100 * r.histogram.smallestShare).toFixed(1).padStart(8)}% | ${c2stCell(c2st).padEnd(25)} |`;
  console.log(`\n${n} digits each; FD against ${realTest.length / DIGIT_PIXELS} real test digits; C2ST mean ± sd over ${seeds.length} seeds.`);
  console.log(`| set                    |       FD | score | modes | smallest | C2ST (critic)             |`);
  console.log(`|------------------------|---------:|------:|------:|---------:|---------------------------|`);
  console.log(row('generated', report.generated, strongest.generated));
  console.log(row('real train (floor)', report.realTrain, strongest.floor));
  console.log(`class counts (generated): ${report.generated.histogram.counts.join(' ')}`);
  console.log('C2ST per critic (mean ± sd; per seed):');
  for (const c of verdict.critics) {
    const seedsOf = (run: CriticRun) => run.accuracies.map((a) => a.toFixed(3)).join(' ');
    const minutes = (run: CriticRun) => run.seconds.reduce((sum, s) => sum + s, 0) / run.seconds.length / 60;
    console.log(
      `  ${c.critic.padEnd(8)} generated ${c2stCell(c.generated)} [${seedsOf(c.generated)}]  ` +
        `floor ${c2stCell(c.floor)} [${seedsOf(c.floor)}]  ${minutes(c.generated).toFixed(1)} min a run`,
    );
  }
  console.log(
    `The lab's checkpoint C2ST (${checkpoint.critic}, ${checkpoint.n} digits each, ${checkpoint.epochs} epochs, one seed) on the first ` +
      `${checkpoint.n} of these digits: ${checkpoint.accuracy.toFixed(3)}, floor ${checkpoint.floor.toFixed(3)}.`,
  );
  const greyRow = (name: string, levels: GreyLevels) =>
    `  ${name.padEnd(10)} black ${(100 * levels.black).toFixed(1)}% of pixels; lit: ` +
    levels.lit.map((share, i) => `${GREY_BANDS[i].name} ${(100 * share).toFixed(1)}%`).join(', ');
  console.log(`Grey levels (8-bit; bands ${GREY_BANDS.map((band) => `${band.name} ≤ ${band.upTo}`).join(', ')}):`);
  console.log(greyRow('generated', greys.generated));
  console.log(greyRow('real', greys.realTrain));
  if (shapes) console.log(`C2ST of the shapes alone (both sets binarised, ${shapes.critic}): generated ${c2stCell(shapes.generated)}, floor ${c2stCell(shapes.floor)}.`);
  writeFileSync(out, JSON.stringify(report, null, 2));
  // The first 100 of the sampled digits (noise seed 12345), as the README shows them.
  const png = out.replace(/\.json$/i, '') + '.png';
  writeFileSync(png, digitGridPng(generated, Math.min(100, n), 10));
  console.log(`Wrote ${out} and ${png} (${report.seconds} s).`);
}
