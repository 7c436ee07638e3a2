/**
 * The GAN of a recipe and its training step. Under the seed's recipe: D learns on B real digits
 * (target 0.9) and B generated ones (target 0) in one batch of 2B, then G learns through D with
 * D's weights held fixed (D's dropout still active), target 1, binary cross-entropy throughout,
 * as the Keras original does. Other recipes change the loss (hinge, least squares), run several
 * D updates per G update, give each network its own Adam, decay the learning rates over the run,
 * average G's weights with a warm-up (recipe.ts) and regularise D (regularisers.ts).
 */
import { DIGIT_CLASSES, DIGIT_PIXELS, toPixels } from './digits';
import * as tf from '@tensorflow/tfjs';
import { type NetworkSpec, outputSize } from './architecture';
import { KerasAdam } from './adam';
import { type ImageSplit, normaliseBatch } from './mnistIdx';
import { ConfigError } from './errors';
import { buildLayersModel, disposeNetworkState, dropoutWidths, forward, networkState, oneHotLabels, trainableVariables } from './network';
import { type Recipe, averageDecay, latentSize, recipeNetworks, scheduledRate } from './recipe';
import { type LiveSettings, liveSettingsOf } from './liveSettings';
import { instanceNoise, instanceNoiseStd, r1Applies, r1Penalty } from './regularisers';
import { Rng, Stream } from './rng';
import { generatorForward } from './sampling';

export interface Gan {
  recipe: Recipe;
  /** Both networks as built (recipeNetworks): with a label input where the recipe conditions. */
  networks: { generator: NetworkSpec; discriminator: NetworkSpec };
  generator: tf.LayersModel;
  discriminator: tf.LayersModel;
  gParams: tf.Variable[];
  dParams: tf.Variable[];
  /**
   * Non-trainable state in stateShapes order, written by training forward passes and kept in
   * checkpoints: batch norm's moving statistics (G; its model holds them), spectral norm's u
   * vectors (D).
   */
  gState: tf.Variable[];
  dState: tf.Variable[];
  gOptimizer: KerasAdam;
  dOptimizer: KerasAdam;
  /**
   * The moving average of G's weights (parameters, then state) for recipes that keep one, else
   * null. Samples, grids, quality and exports come from samplingParams(gan).
   */
  gAverage: tf.Variable[] | null;
  /** The base learning rates and decay in force; the recipe's until changed live. */
  live: LiveSettings;
  /** The run's length in steps, for a learning-rate schedule (0: no schedule applies). */
  totalSteps: number;
}

/** G's weights as forward takes them: the parameters, then the state. */
export function generatorWeights(gan: Gan): tf.Variable[] {
  return gan.gState.length === 0 ? gan.gParams : [...gan.gParams, ...gan.gState];
}

/** D's weights as forward takes them: the parameters, then the state. */
export function discriminatorWeights(gan: Gan): tf.Variable[] {
  return gan.dState.length === 0 ? gan.dParams : [...gan.dParams, ...gan.dState];
}

/** The weights G draws with (parameters, then state): the moving average where the recipe keeps one. */
export function samplingParams(gan: Gan): tf.Variable[] {
  return gan.gAverage ?? generatorWeights(gan);
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

/** Networks and optimizers for `recipe`, weights drawn from `init`. */
export function buildGan(recipe: Recipe, init: Rng, totalSteps = 0): Gan {
  const networks = recipeNetworks(recipe);
  const generator = buildLayersModel(networks.generator, init);
  const discriminator = buildLayersModel(networks.discriminator, init);
  const gParams = trainableVariables(generator);
  const dParams = trainableVariables(discriminator);
  const gState = networkState(networks.generator, generator, init);
  const dState = networkState(networks.discriminator, discriminator, init);
  return {
    recipe,
    networks,
    generator,
    discriminator,
    gParams,
    dParams,
    gState,
    dState,
    gOptimizer: new KerasAdam(gParams, recipe.gOptimizer, recipe.gOptimizer.lr),
    dOptimizer: new KerasAdam(dParams, recipe.dOptimizer, recipe.dOptimizer.lr),
    gAverage: recipe.average ? averageOf([...gParams, ...gState]) : null,
    live: liveSettingsOf(recipe),
    totalSteps,
  };
}

/** A fresh GAN whose initial weights are drawn from the run seed. */
export function createGan(recipe: Recipe, seed: number, totalSteps = 0): Gan {
  return buildGan(recipe, Rng.forStep(seed, 0, Stream.init), totalSteps);
}

export function disposeGan(gan: Gan): void {
  gan.gOptimizer.dispose();
  gan.dOptimizer.dispose();
  if (gan.gAverage) tf.dispose(gan.gAverage);
  disposeNetworkState(gan.generator, gan.gState);
  disposeNetworkState(gan.discriminator, gan.dState);
  gan.generator.dispose();
  gan.discriminator.dispose();
}

/** One D update's random inputs. */
export interface DiscriminatorInputs {
  /** B real digits in [-1, 1]. */
  real: Float32Array;
  noise: Float32Array;
  /** D's dropout masks for the 2B rows of the update. */
  masks: Float32Array[];
  /** Unit normal draws for the 2B rows' instance noise (scaled by the step's std), or null: none. */
  instanceNoise: Float32Array | null;
  /** Class-conditional recipes: the real digits' labels, then the B labels G is asked for; else null. */
  labels: Uint8Array | null;
}

/** Everything random one step needs, drawn on the CPU from the step's own streams. */
export interface StepInputs {
  batchSize: number;
  latentSize: number;
  /** The step these were drawn for (1-based; 0 before the first draw). */
  step: number;
  /** One per D update of the step (recipe.dStepsPerGStep). */
  d: DiscriminatorInputs[];
  noiseG: Float32Array;
  /** D's dropout masks for the B rows of the G update. */
  masksG: Float32Array[];
  /** Unit normal draws for the instance noise on the B rows of the G update, or null: none. */
  instanceNoiseG: Float32Array | null;
  /** Class-conditional recipes: the B labels G is asked for in its update; else null. */
  labelsG: Uint8Array | null;
}

export function allocateStepInputs(recipe: Recipe, batchSize = recipe.batchSize): StepInputs {
  const widths = dropoutWidths(recipe.discriminator);
  const latent = latentSize(recipe);
  const conditional = recipe.conditioning === 'class';
  return {
    batchSize,
    latentSize: latent,
    step: 0,
    d: Array.from({ length: recipe.dStepsPerGStep }, () => ({
      real: new Float32Array(batchSize * DIGIT_PIXELS),
      noise: new Float32Array(batchSize * latent),
      masks: widths.map(({ width }) => new Float32Array(2 * batchSize * width)),
      instanceNoise: recipe.instanceNoise ? new Float32Array(2 * batchSize * DIGIT_PIXELS) : null,
      labels: conditional ? new Uint8Array(2 * batchSize) : null,
    })),
    noiseG: new Float32Array(batchSize * latent),
    masksG: widths.map(({ width }) => new Float32Array(batchSize * width)),
    instanceNoiseG: recipe.instanceNoise ? new Float32Array(batchSize * DIGIT_PIXELS) : null,
    labelsG: conditional ? new Uint8Array(batchSize) : null,
  };
}

/**
 * The stream of D update `update` (0-based) of a step: the first keeps the seed's own streams.
 * Streams are below 16, so those of different updates never meet.
 */
function dStream(stream: number, update: number): number {
  return stream + 16 * update;
}

/**
 * Fills `inputs` for step `step` of a run: real digits drawn uniformly with replacement, as the
 * original did, normal noise, dropout masks, instance noise where the recipe asks for it (from
 * streams of its own, so that the other draws stay as they were). Depends only on (seed, step):
 * resuming is exact.
 */
/** The split's labels, which a class-conditional recipe cannot train without. */
export function requireLabels(data: ImageSplit): Uint8Array {
  if (!data.labels) {
    throw new ConfigError(
      'This recipe is class-conditional: it trains on labelled images, and this dataset has no labels. ' +
        'Choose a recipe without conditioning, or import the dataset again with its label file.',
    );
  }
  return data.labels;
}

export function drawStepInputs(
  inputs: StepInputs,
  data: ImageSplit,
  recipe: Recipe,
  seed: number,
  step: number,
): StepInputs {
  const rates = dropoutWidths(recipe.discriminator);
  const indices = new Int32Array(inputs.batchSize);
  inputs.d.forEach((d, update) => {
    const indexRng = Rng.forStep(seed, step, dStream(Stream.realIndices, update));
    for (let i = 0; i < indices.length; i++) indices[i] = indexRng.nextInt(data.count);
    normaliseBatch(data.pixels, indices, d.real);
    Rng.forStep(seed, step, dStream(Stream.noiseD, update)).fillNormal(d.noise);
    const maskD = Rng.forStep(seed, step, dStream(Stream.dropoutD, update));
    d.masks.forEach((mask, i) => maskD.fillDropoutMask(mask, rates[i].rate));
    if (d.instanceNoise) Rng.forStep(seed, step, dStream(Stream.instanceNoiseD, update)).fillNormal(d.instanceNoise);
    if (d.labels) {
      const labels = requireLabels(data);
      for (let i = 0; i < indices.length; i++) d.labels[i] = labels[indices[i]];
      fillLabels(Rng.forStep(seed, step, dStream(Stream.labelsD, update)), d.labels.subarray(indices.length));
    }
  });
  Rng.forStep(seed, step, Stream.noiseG).fillNormal(inputs.noiseG);
  const maskG = Rng.forStep(seed, step, Stream.dropoutG);
  inputs.masksG.forEach((mask, i) => maskG.fillDropoutMask(mask, rates[i].rate));
  if (inputs.instanceNoiseG) Rng.forStep(seed, step, Stream.instanceNoiseG).fillNormal(inputs.instanceNoiseG);
  if (inputs.labelsG) fillLabels(Rng.forStep(seed, step, Stream.labelsG), inputs.labelsG);
  inputs.step = step;
  return inputs;
}

/** Digit labels drawn uniformly: what a conditional G is asked to draw. */
function fillLabels(rng: Rng, out: Uint8Array): void {
  for (let i = 0; i < out.length; i++) out[i] = rng.nextInt(DIGIT_CLASSES);
}

/** One-hot labels for a conditional recipe's rows, or undefined for an unconditional one. */
function labelTensor(labels: ArrayLike<number> | null): tf.Tensor2D | undefined {
  return labels ? oneHotLabels(labels, DIGIT_CLASSES) : undefined;
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

/**
 * D's loss on the scores of B real rows then B generated rows, under the recipe's loss:
 * bce against (realTarget, 0); hinge mean(max(0, 1 − real)) + mean(max(0, 1 + fake));
 * least squares ½mean((real − 1)²) + ½mean(fake²). `targets` (discriminatorTargets) serve bce;
 * they are made outside the differentiated function, whose own tensors end with its forward pass.
 */
export function discriminatorLoss(recipe: Recipe, logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  if (recipe.loss === 'bce') return bceWithLogits(logits, targets);
  const [real, fake] = tf.split(logits, 2, 0);
  if (recipe.loss === 'hinge') {
    return tf.add(tf.mean(tf.relu(tf.sub(1, real))), tf.mean(tf.relu(tf.add(1, fake))));
  }
  return tf.mul(0.5, tf.add(tf.mean(tf.square(tf.sub(real, 1))), tf.mean(tf.square(fake))));
}

/** G's loss on D's scores of its B digits: bce towards `targets` of 1 (non-saturating), hinge −mean, LS ½mean((s − 1)²). */
export function generatorLoss(recipe: Recipe, logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  if (recipe.loss === 'bce') return bceWithLogits(logits, targets);
  if (recipe.loss === 'hinge') return tf.neg(tf.mean(logits)) as tf.Scalar;
  return tf.mul(0.5, tf.mean(tf.square(tf.sub(logits, 1))));
}

function masksToTensors(masks: Float32Array[], rows: number): tf.Tensor2D[] {
  return masks.map((mask) => tf.tensor2d(mask, [rows, mask.length / rows]));
}

/** Both optimizers' learning rates for step `step` under the live rates and the schedule. */
function applySchedule(gan: Gan, step: number): void {
  const { lrSchedule } = gan.recipe;
  gan.gOptimizer.lr = scheduledRate(gan.live.gLr, lrSchedule, step, gan.totalSteps);
  gan.dOptimizer.lr = scheduledRate(gan.live.dLr, lrSchedule, step, gan.totalSteps);
}

/** One D update (update `update` of the step). Returns [D loss, mean D(x), mean D(G(z))] (caller disposes). */
export function discriminatorStep(gan: Gan, inputs: StepInputs, update = 0): tf.Tensor1D {
  const { generator, discriminator } = gan.networks;
  const batch = inputs.batchSize;
  const d = inputs.d[update];
  return tf.tidy(() => {
    const real = tf.tensor2d(d.real, [batch, DIGIT_PIXELS]);
    const noise = tf.tensor2d(d.noise, [batch, inputs.latentSize]);
    // Real rows with their own labels, generated rows with the labels G was asked for.
    const labels = labelTensor(d.labels);
    const fakeLabels = labels && tf.slice(labels, [batch, 0], [batch, DIGIT_CLASSES]);
    const fake = forward(generator, generatorWeights(gan), noise, { training: true, labels: fakeLabels });
    const std = instanceNoiseAt(gan, inputs.step);
    let x = tf.concat([real, fake], 0);
    if (d.instanceNoise && std !== null) x = tf.add(x, instanceNoise(d.instanceNoise, 2 * batch, std));
    const masks = masksToTensors(d.masks, 2 * batch);
    const targets = tf.tensor2d(discriminatorTargets(batch, gan.recipe.realTarget), [2 * batch, 1]);
    const { r1 } = gan.recipe;
    const penalised = r1 !== null && r1Applies(r1, gan.recipe.dStepsPerGStep, inputs.step, update);
    // R1 is taken on the real rows as D's loss sees them (noise and dropout included).
    const realRows = penalised ? tf.slice(x, [0, 0], [batch, DIGIT_PIXELS]) : null;
    const realMasks = penalised ? masks.map((mask) => tf.slice(mask, [0, 0], [batch, mask.shape[1]])) : [];
    const realLabels = penalised && labels ? tf.slice(labels, [0, 0], [batch, DIGIT_CLASSES]) : undefined;
    let logits: tf.Tensor2D | null = null;
    let adversarial: tf.Scalar | null = null;
    const { value, grads } = tf.valueAndGrads((...params: tf.Tensor[]) => {
      const weights = [...params, ...gan.dState];
      // Before the loss's forward pass moves spectral norm's u, so that both use the same σ.
      const penalty = realRows ? r1Penalty(discriminator, weights, realRows, r1!.gamma, realMasks, realLabels) : null;
      logits = tf.keep(forward(discriminator, weights, x, { dropoutMasks: masks, logits: true, batchGroups: 2, training: true, labels }));
      const loss = discriminatorLoss(gan.recipe, logits, targets);
      if (!penalty) return loss;
      adversarial = tf.keep(loss);
      // Lazy regularisation: one update in `every` carries the penalty of `every` updates.
      return tf.add(loss, tf.mul(penalty, r1!.every)) as tf.Scalar;
    })(gan.dParams);
    gan.dOptimizer.apply(grads);
    const probabilities = tf.sigmoid(logits!);
    (logits as tf.Tensor | null)?.dispose();
    const [onReal, onFake] = tf.split(probabilities, 2, 0);
    // The loss reported is the adversarial one, comparable across recipes and steps.
    const reported = tf.stack([adversarial ?? value, tf.mean(onReal), tf.mean(onFake)]) as tf.Tensor1D;
    (adversarial as tf.Tensor | null)?.dispose();
    return reported;
  });
}

/** The instance noise's std at `step`, or null when the recipe adds none. */
function instanceNoiseAt(gan: Gan, step: number): number | null {
  const { instanceNoise: noise } = gan.recipe;
  return noise ? instanceNoiseStd(noise, step, gan.totalSteps) : null;
}

/** One G update through the frozen D. Returns [G loss] (caller disposes). */
export function generatorStep(gan: Gan, inputs: StepInputs): tf.Tensor1D {
  const { generator, discriminator } = gan.networks;
  const batch = inputs.batchSize;
  return tf.tidy(() => {
    const noise = tf.tensor2d(inputs.noiseG, [batch, inputs.latentSize]);
    const labels = labelTensor(inputs.labelsG);
    const masks = masksToTensors(inputs.masksG, batch);
    const targets = tf.tensor2d(generatorTargets(batch), [batch, 1]);
    const std = instanceNoiseAt(gan, inputs.step);
    const added = inputs.instanceNoiseG && std !== null ? instanceNoise(inputs.instanceNoiseG, batch, std) : null;
    const { value, grads } = tf.valueAndGrads((...params: tf.Tensor[]) => {
      const generated = forward(generator, [...params, ...gan.gState], noise, { training: true, labels });
      const fake = added ? (tf.add(generated, added) as tf.Tensor2D) : generated;
      const logits = forward(discriminator, discriminatorWeights(gan), fake, {
        labels,
        dropoutMasks: masks,
        logits: true,
        inputNeedsGrad: true,
        paramsNeedGrad: false,
      });
      return generatorLoss(gan.recipe, logits, targets);
    })(gan.gParams);
    gan.gOptimizer.apply(grads);
    const { average } = gan.recipe;
    if (gan.gAverage && average && gan.live.averageDecay !== null) {
      const decay = averageDecay({ ...average, decay: gan.live.averageDecay }, Math.max(1, inputs.step));
      updateAverage(gan.gAverage, generatorWeights(gan), decay);
    }
    return tf.reshape(value, [1]) as tf.Tensor1D;
  });
}

/**
 * One training step: the recipe's D updates, then one G update. Returns [D loss, G loss,
 * mean D(x), mean D(G(z))], D's figures from its last update (caller disposes).
 */
export function trainStep(gan: Gan, inputs: StepInputs): tf.Tensor1D {
  applySchedule(gan, Math.max(1, inputs.step));
  let d: tf.Tensor1D | null = null;
  for (let update = 0; update < inputs.d.length; update++) {
    d?.dispose();
    d = discriminatorStep(gan, inputs, update);
  }
  const g = generatorStep(gan, inputs);
  const result = tf.tidy(() => {
    const [dLoss, dReal, dFake] = tf.unstack(d!);
    return tf.stack([dLoss, g.reshape([]), dReal, dFake]) as tf.Tensor1D;
  });
  tf.dispose([d!, g]);
  return result;
}

/**
 * G applied to `noise` (count × latent size) in inference mode: count × 784 values in [-1, 1].
 * Draws with the moving average where the recipe keeps one. A class-conditional G draws digit
 * `labels[i]` for row i; by default the digits in turn, 0 to 9 (sampling.ts' cyclingLabels).
 */
export function generate(gan: Gan, noise: Float32Array, labels?: ArrayLike<number>): tf.Tensor2D {
  return tf.tidy(() => generatorForward(gan.networks.generator, samplingParams(gan), noise, labels));
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
export function fixedNoise(seed: number, count: number, latent: number): Float32Array {
  return Rng.forStep(seed, 0, Stream.fixedNoise).fillNormal(new Float32Array(count * latent));
}

export function generatorOutputSize(gan: Gan): number {
  return outputSize(gan.networks.generator);
}
