/**
 * The GAN of a preset and its training step: D learns on B real digits (target 0.9) and B
 * generated ones (target 0) in one batch of 2B, then G learns through D with D's weights held
 * fixed (D's dropout still active), target 1, binary cross-entropy throughout, as the Keras
 * original does.
 */
import { DIGIT_PIXELS, LATENT_SIZE, toPixels } from './digits';
import * as tf from '@tensorflow/tfjs';
import { type NetworkSpec, outputSize } from './architecture';
import { KerasAdam } from './adam';
import { type MnistSplit, normaliseBatch } from './mnistIdx';
import { buildLayersModel, dropoutWidths, forward, trainableVariables } from './network';
import { PRESETS, type PresetInfo, type PresetName } from './presets';
import { Rng, Stream } from './rng';

export interface Gan {
  presetName: PresetName;
  preset: PresetInfo;
  generator: tf.Sequential;
  discriminator: tf.Sequential;
  gParams: tf.Variable[];
  dParams: tf.Variable[];
  gOptimizer: KerasAdam;
  dOptimizer: KerasAdam;
  /**
   * The moving average of G's weights for presets that keep one (PresetInfo.generatorAverage),
   * else null. Samples, grids, quality and exports come from samplingParams(gan).
   */
  gAverage: tf.Variable[] | null;
}

/** The weights G draws with: the moving average where the preset keeps one. */
export function samplingParams(gan: Gan): tf.Variable[] {
  return gan.gAverage ?? gan.gParams;
}

/** Fresh average variables holding copies of `params` (the average starts at the weights). */
export function averageOf(params: tf.Variable[]): tf.Variable[] {
  return tf.tidy(() => params.map((p) => tf.variable(p.clone(), false)));
}

/** average ← decay·average + (1 − decay)·weights, for each tensor. */
function updateAverage(average: tf.Variable[], params: tf.Variable[], decay: number): void {
  tf.tidy(() => {
    average.forEach((a, i) => a.assign(tf.add(tf.mul(a, decay), tf.mul(params[i], 1 - decay))));
  });
}

/** A fresh GAN whose initial weights are drawn from the run seed. */
export function createGan(presetName: PresetName, seed: number, lr: number): Gan {
  const preset: PresetInfo = PRESETS[presetName];
  const init = Rng.forStep(seed, 0, Stream.init);
  const generator = buildLayersModel(preset.generator, init);
  const discriminator = buildLayersModel(preset.discriminator, init);
  const gParams = trainableVariables(generator);
  const dParams = trainableVariables(discriminator);
  return {
    presetName,
    preset,
    generator,
    discriminator,
    gParams,
    dParams,
    gOptimizer: new KerasAdam(gParams, preset.adam, lr),
    dOptimizer: new KerasAdam(dParams, preset.adam, lr),
    gAverage: preset.generatorAverage !== undefined ? averageOf(gParams) : null,
  };
}

export function disposeGan(gan: Gan): void {
  gan.gOptimizer.dispose();
  gan.dOptimizer.dispose();
  if (gan.gAverage) tf.dispose(gan.gAverage);
  gan.generator.dispose();
  gan.discriminator.dispose();
}

/** Everything random one step needs, drawn on the CPU from the step's own streams. */
export interface StepInputs {
  batchSize: number;
  /** B real digits in [-1, 1]. */
  real: Float32Array;
  noiseD: Float32Array;
  /** D's dropout masks for the 2B rows of the D update. */
  masksD: Float32Array[];
  noiseG: Float32Array;
  /** D's dropout masks for the B rows of the G update. */
  masksG: Float32Array[];
}

export function allocateStepInputs(discriminator: NetworkSpec, batchSize: number): StepInputs {
  const widths = dropoutWidths(discriminator);
  return {
    batchSize,
    real: new Float32Array(batchSize * DIGIT_PIXELS),
    noiseD: new Float32Array(batchSize * LATENT_SIZE),
    masksD: widths.map(({ width }) => new Float32Array(2 * batchSize * width)),
    noiseG: new Float32Array(batchSize * LATENT_SIZE),
    masksG: widths.map(({ width }) => new Float32Array(batchSize * width)),
  };
}

/**
 * Fills `inputs` for step `step` of a run: real digits drawn uniformly with replacement, as the
 * original did, normal noise, dropout masks. Depends only on (seed, step): resuming is exact.
 */
export function drawStepInputs(
  inputs: StepInputs,
  data: MnistSplit,
  discriminator: NetworkSpec,
  seed: number,
  step: number,
): StepInputs {
  const indexRng = Rng.forStep(seed, step, Stream.realIndices);
  const indices = new Int32Array(inputs.batchSize);
  for (let i = 0; i < indices.length; i++) indices[i] = indexRng.nextInt(data.count);
  normaliseBatch(data.pixels, indices, inputs.real);
  Rng.forStep(seed, step, Stream.noiseD).fillNormal(inputs.noiseD);
  Rng.forStep(seed, step, Stream.noiseG).fillNormal(inputs.noiseG);
  const rates = dropoutWidths(discriminator);
  const maskD = Rng.forStep(seed, step, Stream.dropoutD);
  inputs.masksD.forEach((mask, i) => maskD.fillDropoutMask(mask, rates[i].rate));
  const maskG = Rng.forStep(seed, step, Stream.dropoutG);
  inputs.masksG.forEach((mask, i) => maskG.fillDropoutMask(mask, rates[i].rate));
  return inputs;
}

/** D's targets: `realTarget` (0.9) for the B real rows, then 0 for the B generated rows. */
export function discriminatorTargets(batchSize: number, realTarget: number): Float32Array {
  const y = new Float32Array(2 * batchSize);
  y.fill(realTarget, 0, batchSize);
  return y;
}

/** G's targets: 1 for every generated row (G wants D to call its digits real). */
export function generatorTargets(batchSize: number): Float32Array {
  return new Float32Array(batchSize).fill(1);
}

/**
 * Mean binary cross-entropy of sigmoid(logits) against targets, computed from the logits as
 * Keras does for a sigmoid output: max(l,0) − l·y + log(1 + e^−|l|).
 */
export function bceWithLogits(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  const op = tf.customGrad((l, save) => {
    const lt = l as tf.Tensor2D;
    (save as tf.GradSaveFunc)([lt]);
    const perRow = tf.add(
      tf.sub(tf.relu(lt), tf.mul(lt, targets)),
      tf.log1p(tf.exp(tf.neg(tf.abs(lt)))),
    );
    return {
      value: tf.mean(perRow),
      gradFunc: (dy, saved) =>
        tf.mul(dy, tf.div(tf.sub(tf.sigmoid(saved[0]), targets), lt.size)),
    };
  }) as unknown as (l: tf.Tensor2D) => tf.Scalar;
  return op(logits);
}

function masksToTensors(masks: Float32Array[], rows: number): tf.Tensor2D[] {
  return masks.map((mask) => tf.tensor2d(mask, [rows, mask.length / rows]));
}

/** One D update. Returns [D loss, mean D(x), mean D(G(z))] (caller disposes). */
export function discriminatorStep(gan: Gan, inputs: StepInputs): tf.Tensor1D {
  const { generator, discriminator } = gan.preset;
  const batch = inputs.batchSize;
  return tf.tidy(() => {
    const real = tf.tensor2d(inputs.real, [batch, DIGIT_PIXELS]);
    const noise = tf.tensor2d(inputs.noiseD, [batch, LATENT_SIZE]);
    const fake = forward(generator, gan.gParams, noise);
    const x = tf.concat([real, fake], 0);
    const masks = masksToTensors(inputs.masksD, 2 * batch);
    const targets = tf.tensor2d(discriminatorTargets(batch, gan.preset.realTarget), [2 * batch, 1]);
    let logits: tf.Tensor2D | null = null;
    const { value, grads } = tf.valueAndGrads((...params: tf.Tensor[]) => {
      logits = tf.keep(forward(discriminator, params, x, { dropoutMasks: masks, logits: true }));
      return bceWithLogits(logits, targets);
    })(gan.dParams);
    gan.dOptimizer.apply(grads);
    const probabilities = tf.sigmoid(logits!);
    (logits as tf.Tensor | null)?.dispose();
    const [onReal, onFake] = tf.split(probabilities, 2, 0);
    return tf.stack([value, tf.mean(onReal), tf.mean(onFake)]) as tf.Tensor1D;
  });
}

/** One G update through the frozen D. Returns [G loss] (caller disposes). */
export function generatorStep(gan: Gan, inputs: StepInputs): tf.Tensor1D {
  const { generator, discriminator } = gan.preset;
  const batch = inputs.batchSize;
  return tf.tidy(() => {
    const noise = tf.tensor2d(inputs.noiseG, [batch, LATENT_SIZE]);
    const masks = masksToTensors(inputs.masksG, batch);
    const targets = tf.tensor2d(generatorTargets(batch), [batch, 1]);
    const { value, grads } = tf.valueAndGrads((...params: tf.Tensor[]) => {
      const fake = forward(generator, params, noise);
      const logits = forward(discriminator, gan.dParams, fake, {
        dropoutMasks: masks,
        logits: true,
        inputNeedsGrad: true,
        paramsNeedGrad: false,
      });
      return bceWithLogits(logits, targets);
    })(gan.gParams);
    gan.gOptimizer.apply(grads);
    const decay = gan.preset.generatorAverage;
    if (gan.gAverage && decay !== undefined) updateAverage(gan.gAverage, gan.gParams, decay);
    return tf.reshape(value, [1]) as tf.Tensor1D;
  });
}

/** One training step. Returns [D loss, G loss, mean D(x), mean D(G(z))] (caller disposes). */
export function trainStep(gan: Gan, inputs: StepInputs): tf.Tensor1D {
  const d = discriminatorStep(gan, inputs);
  const g = generatorStep(gan, inputs);
  const result = tf.tidy(() => {
    const [dLoss, dReal, dFake] = tf.unstack(d);
    return tf.stack([dLoss, g.reshape([]), dReal, dFake]) as tf.Tensor1D;
  });
  tf.dispose([d, g]);
  return result;
}

/**
 * G applied to `noise` (count × 100) in inference mode: count × 784 values in [-1, 1]. Draws
 * with the moving average where the preset keeps one.
 */
export function generate(gan: Gan, noise: Float32Array): tf.Tensor2D {
  const count = noise.length / LATENT_SIZE;
  return tf.tidy(() =>
    forward(gan.preset.generator, samplingParams(gan), tf.tensor2d(noise, [count, LATENT_SIZE])),
  );
}

/**
 * G's images for `noise` as grey bytes, read at once (a few kB, every few seconds), so that no
 * tensor outlives the call while training goes on and the tensor count between steps is exact.
 * WebGPU cannot read synchronously and is awaited.
 */
export async function generatePixels(gan: Gan, noise: Float32Array): Promise<Uint8ClampedArray> {
  const images = generate(gan, noise);
  try {
    return toPixels(tf.getBackend() === 'webgpu' ? await images.data() : images.dataSync());
  } finally {
    images.dispose();
  }
}

/** The fixed noise batch behind the live grid: the same for the whole run. */
export function fixedNoise(seed: number, count: number): Float32Array {
  return Rng.forStep(seed, 0, Stream.fixedNoise).fillNormal(new Float32Array(count * LATENT_SIZE));
}

export function generatorOutputSize(gan: Gan): number {
  return outputSize(gan.preset.generator);
}
