/**
 * The layer kinds beyond the seed's (ReLU, minibatch standard deviation, spectral and batch
 * normalisation) against references written with plain tfjs ops: forward values, and gradients
 * with respect to the input and the parameters against tfjs' own autodiff of the reference.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { type NetworkSpec, layerOutputShapes, parameterShapes, stateShapes } from './architecture';
import { batchNorm, buildLayersModel, forward, minibatchStd, spectralNormalise } from './network';
import { checkRecipe } from './recipe';
import { PRESETS } from './presets';
import { Rng } from './rng';

const BACKENDS = ['cpu', 'wasm'];

function random(shape: number[], rng: Rng, scale = 1): tf.Tensor {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.nextNormal() * scale;
  return tf.tensor(values, shape);
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Value and gradients (input first, then every parameter) of Σ out·weightsOut. */
function valueAndGrads(f: (x: tf.Tensor, ...params: tf.Tensor[]) => tf.Tensor, x: tf.Tensor, params: tf.Tensor[], weightsOut: tf.Tensor) {
  return tf.valueAndGrads((xi: tf.Tensor, ...p: tf.Tensor[]) => tf.sum(tf.mul(f(xi, ...p), weightsOut)))([x, ...params]);
}

function expectSameValueAndGrads(
  ours: (x: tf.Tensor, ...params: tf.Tensor[]) => tf.Tensor,
  reference: (x: tf.Tensor, ...params: tf.Tensor[]) => tf.Tensor,
  x: tf.Tensor,
  params: tf.Tensor[],
  tolerance = 1e-4,
): void {
  const outShape = reference(x, ...params).shape;
  const weightsOut = random(outShape, new Rng(5));
  expect(maxDiff(ours(x, ...params), reference(x, ...params))).toBeLessThan(tolerance);
  const expected = valueAndGrads(reference, x, params, weightsOut);
  const actual = valueAndGrads(ours, x, params, weightsOut);
  expect(Math.abs(actual.value.dataSync()[0] - expected.value.dataSync()[0])).toBeLessThan(tolerance * 10);
  actual.grads.forEach((grad, i) => {
    expect(maxDiff(grad, expected.grads[i]), `gradient ${i}`).toBeLessThan(tolerance);
  });
}

function withRandomParams(spec: NetworkSpec, rng: Rng): tf.Tensor[] {
  return parameterShapes(spec).map((shape) => random(shape, rng, 0.5));
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('relu', () => {
  // dense → relu is one fused block (slope 0) handing its gradient transposed to the next block.
  const DENSE: NetworkSpec = {
    name: 'discriminator',
    inputSize: 6,
    layers: [
      { kind: 'dense', units: 5 },
      { kind: 'relu' },
      { kind: 'dense', units: 4 },
      { kind: 'relu' },
      { kind: 'dropout', rate: 0.5 },
      { kind: 'dense', units: 3 },
    ],
  };
  // After a convolution it is a layer of its own.
  const CONV: NetworkSpec = {
    name: 'discriminator',
    inputSize: 32,
    layers: [
      { kind: 'reshape', shape: [4, 4, 2] },
      { kind: 'conv2d', filters: 3, kernel: 3, stride: 1 },
      { kind: 'relu' },
      { kind: 'reshape', shape: [48] },
    ],
  };

  for (const backend of BACKENDS) {
    it(`dense → relu blocks match tf.relu and autodiff on ${backend}`, async () => {
      await tf.setBackend(backend);
      const rng = new Rng(31);
      const x = random([7, 6], rng);
      const params = withRandomParams(DENSE, rng);
      const mask = tf.tensor2d(Array.from({ length: 28 }, () => (rng.nextFloat() < 0.5 ? 0 : 2)), [7, 4]);
      const reference = (xi: tf.Tensor, ...p: tf.Tensor[]) => {
        let h = tf.relu(tf.add(tf.matMul(xi as tf.Tensor2D, p[0] as tf.Tensor2D), p[1]));
        h = tf.mul(tf.relu(tf.add(tf.matMul(h as tf.Tensor2D, p[2] as tf.Tensor2D), p[3])), mask);
        return tf.add(tf.matMul(h as tf.Tensor2D, p[4] as tf.Tensor2D), p[5]);
      };
      const ours = (xi: tf.Tensor, ...p: tf.Tensor[]) =>
        forward(DENSE, p, xi as tf.Tensor2D, { inputNeedsGrad: true, dropoutMasks: [mask as tf.Tensor2D] });
      // Some pre-activations must be negative for the test to mean anything.
      expect(tf.tidy(() => tf.less(tf.add(tf.matMul(x as tf.Tensor2D, params[0] as tf.Tensor2D), params[1]), 0).any().dataSync()[0])).toBe(1);
      expectSameValueAndGrads(ours, reference, x, params);
    });

    // The reference's own convolution has no filter gradient on wasm, so this case is only
    // registered on cpu; ours is tested on wasm in conv2d.test.ts.
    if (backend === 'cpu') it(`conv2d → relu matches tf.relu and autodiff on ${backend}`, async () => {
      await tf.setBackend(backend);
      const rng = new Rng(32);
      const x = random([3, 32], rng);
      const params = withRandomParams(CONV, rng);
      const reference = (xi: tf.Tensor, ...p: tf.Tensor[]) => {
        const image = tf.reshape(xi, [3, 4, 4, 2]) as tf.Tensor4D;
        const h = tf.relu(tf.add(tf.conv2d(image, p[0] as tf.Tensor4D, 1, 'same'), p[1]));
        return tf.reshape(h, [3, 48]);
      };
      const ours = (xi: tf.Tensor, ...p: tf.Tensor[]) => forward(CONV, p, xi as tf.Tensor2D, { inputNeedsGrad: true });
      expectSameValueAndGrads(ours, reference, x, params);
    });
  }

  it("the Layers model's ReLU computes what forward does", async () => {
    await tf.setBackend('cpu');
    const model = buildLayersModel(DENSE, new Rng(3));
    try {
      const x = random([4, 6], new Rng(4)) as tf.Tensor2D;
      const params = model.getWeights();
      expect(maxDiff(model.predict(x) as tf.Tensor, forward(DENSE, params, x))).toBeLessThan(1e-6);
    } finally {
      model.dispose();
    }
  });
});

/** ProGAN's feature by hand, in float64 loops: per group, mean over features of the std over rows. */
function minibatchStdByHand(values: Float32Array, shape: number[], groups: number): Float32Array {
  const [rows, ...rest] = shape;
  const features = rest.reduce((a, b) => a * b, 1);
  const channels = rest[rest.length - 1];
  const per = rows / groups;
  const out = new Float32Array((values.length / channels) * (channels + 1));
  for (let g = 0; g < groups; g++) {
    let sum = 0;
    for (let f = 0; f < features; f++) {
      let mean = 0;
      for (let r = 0; r < per; r++) mean += values[(g * per + r) * features + f];
      mean /= per;
      let variance = 0;
      for (let r = 0; r < per; r++) variance += (values[(g * per + r) * features + f] - mean) ** 2;
      sum += Math.sqrt(variance / per + 1e-8);
    }
    const feature = sum / features;
    for (let r = 0; r < per; r++) {
      for (let p = 0; p < features / channels; p++) {
        const from = (g * per + r) * features + p * channels;
        const to = ((g * per + r) * (features / channels) + p) * (channels + 1);
        for (let c = 0; c < channels; c++) out[to + c] = values[from + c];
        out[to + channels] = feature;
      }
    }
  }
  return out;
}

/** The same feature from tfjs ops, one group at a time, for autodiff to differentiate. */
function minibatchStdReference(x: tf.Tensor, groups: number): tf.Tensor {
  const [rows, ...rest] = x.shape;
  const per = rows / groups;
  // (tfjs cannot differentiate a split into one part.)
  const parts = (groups === 1 ? [x] : tf.split(x, groups, 0)).map((part) => {
    const centred = tf.sub(part, tf.mean(part, 0, true));
    const std = tf.sqrt(tf.add(tf.div(tf.sum(tf.square(centred), 0), per), 1e-8));
    const feature = tf.mul(tf.ones([per, ...rest.slice(0, -1), 1]), tf.mean(std));
    return tf.concat([part, feature], -1);
  });
  return tf.concat(parts, 0);
}

describe('minibatchStd', () => {
  it('infers its shapes: one more feature, flat or on the channels', () => {
    const spec: NetworkSpec = {
      name: 'discriminator',
      inputSize: 784,
      layers: [
        { kind: 'minibatchStd' },
        { kind: 'reshape', shape: [785] },
        { kind: 'dense', units: 196 },
        { kind: 'reshape', shape: [7, 7, 4] },
        { kind: 'minibatchStd' },
        { kind: 'conv2d', filters: 2, kernel: 3, stride: 1 },
      ],
    };
    expect(layerOutputShapes(spec)).toEqual([[785], [785], [196], [7, 7, 4], [7, 7, 5], [7, 7, 2]]);
    // No parameters of its own: the conv after it takes the extra channel.
    expect(parameterShapes(spec)).toEqual([[785, 196], [196], [3, 3, 5, 2], [2]]);
  });

  for (const backend of BACKENDS) {
    for (const [shape, groups] of [[[6, 5], 1], [[6, 5], 2], [[4, 3, 2, 3], 1], [[4, 3, 2, 3], 2]] as const) {
      it(`matches ProGAN's formula and autodiff on ${backend} for [${shape.join(', ')}] in ${groups} batch(es)`, async () => {
        await tf.setBackend(backend);
        const x = random([...shape], new Rng(41));
        const out = minibatchStd(x, groups);
        const byHand = minibatchStdByHand(x.dataSync() as Float32Array, [...shape], groups);
        expect(out.shape).toEqual([...shape.slice(0, -1), shape[shape.length - 1] + 1]);
        const values = out.dataSync();
        let diff = 0;
        for (let i = 0; i < byHand.length; i++) diff = Math.max(diff, Math.abs(values[i] - byHand[i]));
        expect(diff).toBeLessThan(1e-5);
        expectSameValueAndGrads((xi) => minibatchStd(xi, groups), (xi) => minibatchStdReference(xi, groups), x, []);
      });
    }

    it(`in D's forward pass takes real and generated rows apart, with gradients as autodiff on ${backend}`, async () => {
      await tf.setBackend(backend);
      const spec: NetworkSpec = {
        name: 'discriminator',
        inputSize: 5,
        layers: [{ kind: 'dense', units: 4 }, { kind: 'leakyRelu', alpha: 0.2 }, { kind: 'minibatchStd' }, { kind: 'dense', units: 1 }],
      };
      const rng = new Rng(43);
      const x = random([8, 5], rng);
      const params = withRandomParams(spec, rng);
      const reference = (xi: tf.Tensor, ...p: tf.Tensor[]) => {
        const h = tf.leakyRelu(tf.add(tf.matMul(xi as tf.Tensor2D, p[0] as tf.Tensor2D), p[1]), 0.2);
        return tf.add(tf.matMul(minibatchStdReference(h, 2) as tf.Tensor2D, p[2] as tf.Tensor2D), p[3]);
      };
      const ours = (xi: tf.Tensor, ...p: tf.Tensor[]) => forward(spec, p, xi as tf.Tensor2D, { inputNeedsGrad: true, batchGroups: 2 });
      expectSameValueAndGrads(ours, reference, x, params);
      // D's Layers model (which holds its variables) infers the widened input of the last dense.
      const model = buildLayersModel(spec, new Rng(1));
      try {
        expect(model.getWeights().map((w) => w.shape)).toEqual(parameterShapes(spec));
        const xi = x as tf.Tensor2D;
        const weights = model.getWeights();
        expect(maxDiff(model.predict(xi) as tf.Tensor, forward(spec, weights, xi))).toBeLessThan(1e-5);
      } finally {
        model.dispose();
      }
    });
  }

  it('is refused in a generator, naming the layer', () => {
    const recipe = structuredClone(PRESETS.seed.recipe);
    recipe.generator.layers.splice(1, 0, { kind: 'minibatchStd' });
    const { problems } = checkRecipe(recipe);
    expect(problems.map((p) => p.field)).toContain('generator.layers[1].kind');
    const d = structuredClone(PRESETS.seed.recipe);
    d.discriminator.layers.splice(6, 0, { kind: 'minibatchStd' });
    expect(checkRecipe(d).problems).toEqual([]);
  });
});

/**
 * The largest singular value of a rows × cols matrix, in float64: the square root of the largest
 * eigenvalue of KᵀK, found by cyclic Jacobi rotations (no power iteration involved).
 */
function largestSingularValue(k: Float32Array, rows: number, cols: number): number {
  const a = Array.from({ length: cols }, (_, i) =>
    Array.from({ length: cols }, (_, j) => {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += k[r * cols + i] * k[r * cols + j];
      return sum;
    }),
  );
  for (let sweep = 0; sweep < 60; sweep++) {
    for (let p = 0; p < cols; p++) {
      for (let q = p + 1; q < cols; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let i = 0; i < cols; i++) {
          const [ip, iq] = [a[i][p], a[i][q]];
          a[i][p] = c * ip - s * iq;
          a[i][q] = s * ip + c * iq;
        }
        for (let i = 0; i < cols; i++) {
          const [pi, qi] = [a[p][i], a[q][i]];
          a[p][i] = c * pi - s * qi;
          a[q][i] = s * pi + c * qi;
        }
      }
    }
  }
  return Math.sqrt(Math.max(...a.map((row, i) => row[i])));
}

function unitVector(length: number, rng: Rng): tf.Variable {
  const u = rng.fillNormal(new Float32Array(length));
  const norm = Math.hypot(...u);
  return tf.variable(tf.tensor(u.map((x) => x / norm)), false);
}

/**
 * Spectral normalisation written again from the paper: u' and v from a detached copy of the
 * kernel (constants), σ = vᵀ·K·u' on the live kernel, so autodiff's gradient flows through σ.
 */
function spectralReference(kernel: tf.Tensor, u: tf.Tensor): { w: tf.Tensor; next: tf.Tensor } {
  const units = kernel.shape[kernel.shape.length - 1];
  const rows = kernel.size / units;
  const k = kernel.dataSync();
  const uValues = Array.from(u.dataSync());
  const unit = (x: number[]) => {
    const norm = Math.hypot(...x);
    return x.map((value) => value / norm);
  };
  const v = unit(Array.from({ length: rows }, (_, r) => uValues.reduce((sum, uj, j) => sum + k[r * units + j] * uj, 0)));
  const next = unit(Array.from({ length: units }, (_, j) => v.reduce((sum, vr, r) => sum + k[r * units + j] * vr, 0)));
  const matrix = tf.reshape(kernel, [rows, units]) as tf.Tensor2D;
  const sigma = tf.sum(tf.mul(tf.tensor2d(v, [rows, 1]), tf.matMul(matrix, tf.tensor2d(next, [units, 1]))));
  return { w: tf.div(kernel, sigma), next: tf.tensor1d(next) };
}

describe('spectral normalisation', () => {
  for (const shape of [[6, 4], [3, 3, 2, 5], [40, 3]]) {
    it(`σ reaches the largest singular value of a [${shape.join(', ')}] kernel by repeated steps`, async () => {
      await tf.setBackend('cpu');
      const rng = new Rng(51);
      const kernel = random(shape, rng);
      const units = shape[shape.length - 1];
      const u = unitVector(units, rng);
      let sigma = 0;
      for (let step = 0; step < 200; step++) {
        const w = spectralNormalise(kernel, u, { needsGrad: false, update: true });
        sigma = tf.tidy(() => tf.div(tf.norm(kernel), tf.norm(w)).dataSync()[0]);
        w.dispose();
      }
      const expected = largestSingularValue(kernel.dataSync() as Float32Array, kernel.size / units, units);
      expect(Math.abs(sigma - expected) / expected).toBeLessThan(1e-4);
      // One step from a random u underestimates it: u matters and is kept between steps.
      const fresh = unitVector(units, new Rng(52));
      const once = spectralNormalise(kernel, fresh, { needsGrad: false, update: false });
      expect(tf.tidy(() => tf.div(tf.norm(kernel), tf.norm(once)).dataSync()[0])).toBeLessThan(expected * (1 - 1e-4));
    });
  }

  it('the reference singular value is right on matrices whose answer is known', () => {
    // Rank one a·bᵀ: σ = ‖a‖·‖b‖; a diagonal: its largest entry.
    const a = [1, -2, 3];
    const b = [0.5, 4];
    const rankOne = new Float32Array(a.flatMap((x) => b.map((y) => x * y)));
    expect(largestSingularValue(rankOne, 3, 2)).toBeCloseTo(Math.hypot(...a) * Math.hypot(...b), 4);
    expect(largestSingularValue(new Float32Array([2, 0, 0, 0, -7, 0, 0, 0, 3]), 3, 3)).toBeCloseTo(7, 5);
  });

  const DENSE: NetworkSpec = {
    name: 'discriminator',
    inputSize: 6,
    layers: [
      { kind: 'dense', units: 5, spectralNorm: true },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'dense', units: 4 },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'dense', units: 1, spectralNorm: true },
    ],
  };
  const CONV: NetworkSpec = {
    name: 'discriminator',
    inputSize: 32,
    layers: [
      { kind: 'reshape', shape: [4, 4, 2] },
      { kind: 'conv2d', filters: 3, kernel: 3, stride: 2, spectralNorm: true },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'reshape', shape: [12] },
      { kind: 'dense', units: 2, spectralNorm: true },
    ],
  };

  it('keeps one u per normalised layer as state', () => {
    expect(stateShapes(DENSE)).toEqual([[5], [1]]);
    expect(stateShapes(CONV)).toEqual([[3], [2]]);
  });

  for (const backend of BACKENDS) {
    for (const spec of [DENSE, CONV]) {
      const name = spec === DENSE ? 'dense' : 'conv2d';
      // The reference's own convolution has no filter gradient on wasm: conv is compared on cpu only.
      if (backend !== 'cpu' && spec !== DENSE) continue;
      it(`${name} layers match the paper's W/σ and its gradients on ${backend}`, async () => {
        await tf.setBackend(backend);
        const rng = new Rng(53);
        const x = random([4, spec.inputSize], rng);
        const params = withRandomParams(spec, rng);
        const kernels = parameterShapes(spec).flatMap((shape, i) => (shape.length > 1 ? [i] : []));
        const snKernels = kernels.filter((_, i) => spec.layers.filter((l) => l.kind === 'dense' || l.kind === 'conv2d')[i].spectralNorm);
        const us = stateShapes(spec).map((shape) => unitVector(shape[0], rng));
        // The same layers in plain tfjs ops, the kernels normalised by hand.
        const referencePlain = (xi: tf.Tensor, ...p: tf.Tensor[]) => {
          const w = [...p];
          snKernels.forEach((k, i) => (w[k] = spectralReference(p[k], us[i]).w));
          const dense = (h: tf.Tensor, k: number) => tf.add(tf.matMul(h as tf.Tensor2D, w[k] as tf.Tensor2D), w[k + 1]);
          if (spec === DENSE) return dense(tf.leakyRelu(dense(tf.leakyRelu(dense(xi, 0), 0.2), 2), 0.2), 4);
          const image = tf.reshape(xi, [4, 4, 4, 2]) as tf.Tensor4D;
          const conv = tf.leakyRelu(tf.add(tf.conv2d(image, w[0] as tf.Tensor4D, 2, 'same'), w[1]), 0.2);
          return dense(tf.reshape(conv, [4, 12]), 2);
        };
        const ours = (xi: tf.Tensor, ...p: tf.Tensor[]) => forward(spec, [...p, ...us], xi as tf.Tensor2D, { inputNeedsGrad: true });
        expectSameValueAndGrads(ours, referencePlain, x, params);
        // Only a training pass moves u, to the step's u'.
        const before = us.map((u) => u.dataSync().slice());
        forward(spec, [...params, ...us], x as tf.Tensor2D);
        us.forEach((u, i) => expect(Array.from(u.dataSync())).toEqual(Array.from(before[i])));
        const expectedNext = snKernels.map((k, i) => spectralReference(params[k], us[i]).next);
        forward(spec, [...params, ...us], x as tf.Tensor2D, { training: true });
        us.forEach((u, i) => expect(maxDiff(u, expectedNext[i])).toBeLessThan(1e-5));
      });
    }
  }

  it('is refused in a generator and on anything but true or false', () => {
    const recipe = structuredClone(PRESETS.seed.recipe);
    recipe.generator.layers[0] = { kind: 'dense', units: 256, spectralNorm: true };
    expect(checkRecipe(recipe).problems.map((p) => p.field)).toEqual(['generator.layers[0].spectralNorm']);
    const d = structuredClone(PRESETS.dcgan.recipe);
    (d.discriminator.layers[1] as Record<string, unknown>).spectralNorm = 'yes';
    expect(checkRecipe(d).problems.map((p) => p.field)).toEqual(['discriminator.layers[1].spectralNorm']);
    (d.discriminator.layers[1] as Record<string, unknown>).spectralNorm = true;
    d.discriminator.layers[6] = { kind: 'dense', units: 1, spectralNorm: true };
    expect(checkRecipe(d).problems).toEqual([]);
  });
});

/** Keras' batch normalisation in plain ops: batch statistics over all axes but the last. */
function batchNormReference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, axis) => axis);
  const mean = tf.mean(x, axes);
  const variance = tf.mean(tf.square(tf.sub(x, mean)), axes);
  return tf.add(tf.mul(gamma, tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-3)))), beta);
}

describe('batch normalisation', () => {
  for (const backend of BACKENDS) {
    for (const shape of [[8, 5], [3, 4, 4, 2]]) {
      it(`trains with the batch's statistics as Keras does, gradients as autodiff, on ${backend} for [${shape.join(', ')}]`, async () => {
        await tf.setBackend(backend);
        const rng = new Rng(61);
        const channels = shape[shape.length - 1];
        const x = tf.add(random(shape, rng, 2), 0.5);
        const gamma = tf.add(random([channels], rng, 0.3), 1);
        const beta = random([channels], rng, 0.3);
        const mean = tf.variable(random([channels], rng), false);
        const variance = tf.variable(tf.add(tf.abs(random([channels], rng)), 0.5), false);
        const [mean0, variance0] = [mean.dataSync().slice(), variance.dataSync().slice()];
        const ours = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => batchNorm(xi, g, b, mean, variance, { training: true, momentum: 0.9 });
        expectSameValueAndGrads(ours, batchNormReference, x, [gamma, beta]);
        // Each training pass (here: 2, a value and a gradient) moved the moving statistics by 10% towards the batch's.
        const axes = shape.slice(0, -1).map((_, axis) => axis);
        const batchMean = tf.mean(x, axes).dataSync();
        const batchVariance = tf.mean(tf.square(tf.sub(x, tf.mean(x, axes))), axes).dataSync();
        const passes = 2;
        for (let c = 0; c < channels; c++) {
          const keep = 0.9 ** passes;
          expect(mean.dataSync()[c]).toBeCloseTo(mean0[c] * keep + batchMean[c] * (1 - keep), 5);
          expect(variance.dataSync()[c]).toBeCloseTo(variance0[c] * keep + batchVariance[c] * (1 - keep), 5);
        }
        // Inference uses the moving statistics and leaves them alone.
        const [meanNow, varianceNow] = [mean.dataSync().slice(), variance.dataSync().slice()];
        const inference = batchNorm(x, gamma, beta, mean, variance, { training: false, momentum: 0.9 });
        const expected = tf.add(tf.mul(gamma, tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-3)))), beta);
        expect(maxDiff(inference, expected)).toBeLessThan(1e-5);
        expect(maxDiff(inference, batchNormReference(x, gamma, beta))).toBeGreaterThan(1e-2);
        expect(Array.from(mean.dataSync())).toEqual(Array.from(meanNow));
        expect(Array.from(variance.dataSync())).toEqual(Array.from(varianceNow));
      });
    }
  }

  const GENERATOR: NetworkSpec = {
    name: 'generator',
    inputSize: 4,
    layers: [
      { kind: 'dense', units: 18 },
      { kind: 'batchNorm' },
      { kind: 'relu' },
      { kind: 'reshape', shape: [3, 3, 2] },
      { kind: 'conv2dTranspose', filters: 3, kernel: 3, stride: 1 },
      { kind: 'batchNorm', momentum: 0.8 },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'reshape', shape: [27] },
      { kind: 'tanh' },
    ],
  };

  it('lists gamma, beta as parameters and the moving statistics as state, in the Layers model\'s order', () => {
    expect(parameterShapes(GENERATOR)).toEqual([[4, 18], [18], [18], [18], [3, 3, 3, 2], [3], [3], [3]]);
    expect(stateShapes(GENERATOR)).toEqual([[18], [18], [3], [3]]);
    const model = buildLayersModel(GENERATOR, new Rng(1));
    try {
      expect(model.weights.map((w) => w.shape)).toEqual([...parameterShapes(GENERATOR), ...stateShapes(GENERATOR)]);
      expect(model.weights.map((w) => w.originalName.split('/').pop())).toEqual(
        ['kernel', 'bias', 'gamma', 'beta', 'kernel', 'bias', 'gamma', 'beta', 'moving_mean', 'moving_variance', 'moving_mean', 'moving_variance'],
      );
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      expect(values[2].every((v) => v === 1) && values[3].every((v) => v === 0)).toBe(true);
      expect(values[8].every((v) => v === 0) && values[9].every((v) => v === 1)).toBe(true);
    } finally {
      model.dispose();
    }
  });

  for (const backend of BACKENDS) {
    it(`in G's forward pass: training equals tfjs-layers' own training mode, inference its predict, on ${backend}`, async () => {
      await tf.setBackend(backend);
      const model = buildLayersModel(GENERATOR, new Rng(2));
      try {
        const rng = new Rng(63);
        // Weights off their initial values, moving statistics included.
        model.setWeights(model.getWeights().map((w, i) => (i === 9 || i === 11 ? tf.add(tf.abs(random(w.shape, rng)), 0.5) : random(w.shape, rng, 0.5))));
        const weights = model.weights.map((w) => w.read() as tf.Variable);
        const x = random([6, 4], rng) as tf.Tensor2D;
        const inference = forward(GENERATOR, weights, x);
        expect(maxDiff(inference, model.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
        // tfjs-layers' BatchNormalization in training mode, on a copy with the same weights.
        const copy = buildLayersModel(GENERATOR, new Rng(3));
        copy.setWeights(model.getWeights());
        const before = weights.map((w) => w.dataSync().slice());
        const trained = forward(GENERATOR, weights, x, { training: true });
        const theirs = copy.apply(x, { training: true }) as tf.Tensor;
        expect(maxDiff(trained, theirs)).toBeLessThan(1e-5);
        expect(maxDiff(trained, inference)).toBeGreaterThan(1e-3);
        // Only the moving statistics moved, as tfjs-layers moves them (momentum per layer).
        weights.forEach((w, i) => {
          if (i < 8) expect(Array.from(w.dataSync())).toEqual(Array.from(before[i]));
          else {
            expect(Array.from(w.dataSync())).not.toEqual(Array.from(before[i]));
            expect(maxDiff(w, copy.weights[i].read())).toBeLessThan(1e-5);
          }
        });
        copy.dispose();
        // Gradients through the whole generator in training mode, against autodiff of plain ops.
        const params = weights.slice(0, 8).map((w) => w.clone());
        const state = () => weights.slice(8).map((w) => tf.variable(w.clone(), false));
        const reference = (xi: tf.Tensor, ...p: tf.Tensor[]) => {
          let h = batchNormReference(tf.add(tf.matMul(xi as tf.Tensor2D, p[0] as tf.Tensor2D), p[1]), p[2], p[3]);
          h = tf.reshape(tf.relu(h), [6, 3, 3, 2]);
          h = tf.add(tf.conv2dTranspose(h as tf.Tensor4D, p[4] as tf.Tensor4D, [6, 3, 3, 3], 1, 'same'), p[5]);
          h = tf.leakyRelu(batchNormReference(h, p[6], p[7]), 0.2);
          return tf.tanh(tf.reshape(h, [6, 27]));
        };
        const ours = (xi: tf.Tensor, ...p: tf.Tensor[]) => forward(GENERATOR, [...p, ...state()], xi as tf.Tensor2D, { training: true, inputNeedsGrad: true });
        // The reference's transposed convolution has no filter gradient on wasm.
        if (backend === 'cpu') expectSameValueAndGrads(ours, reference, x, params);
      } finally {
        model.dispose();
      }
    });
  }

  it('is refused in a discriminator; its momentum must be in [0, 1)', () => {
    const recipe = structuredClone(PRESETS.seed.recipe);
    recipe.generator.layers.splice(1, 0, { kind: 'batchNorm' });
    recipe.generator.layers.splice(4, 0, { kind: 'batchNorm', momentum: 0.9 });
    expect(checkRecipe(recipe).problems).toEqual([]);
    recipe.discriminator.layers.splice(1, 0, { kind: 'batchNorm' });
    (recipe.generator.layers[4] as Record<string, unknown>).momentum = 1;
    expect(checkRecipe(recipe).problems.map((p) => p.field)).toEqual(['generator.layers[4].momentum', 'discriminator.layers[1].kind']);
  });
});
