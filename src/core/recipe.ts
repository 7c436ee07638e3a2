/**
 * A recipe: everything that defines how a GAN trains, as plain data — both networks, the loss,
 * the optimizers, the schedule, the weight average. Presets are recipes; a user's edited recipe
 * travels in the URL, the run's saved config, checkpoints and exports. tfjs-free.
 *
 * `checkRecipe` is the one validator: it fills nothing in silently, and names the field of
 * every problem ("discriminator.layers[2].rate must be below 1").
 */
import { type LayerSpec, type NetworkSpec, labelLayerIndex, layerOutputShapes, outputSize, parameterCount } from './architecture';
import { DIGIT_CLASSES, DIGIT_PIXELS } from './digits';

export const LOSSES = ['bce', 'hinge', 'leastSquares'] as const;
export type LossKind = (typeof LOSSES)[number];

export const LR_SCHEDULES = ['constant', 'linear'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

export const CONDITIONINGS = ['none', 'class'] as const;
export type Conditioning = (typeof CONDITIONINGS)[number];

export interface AdamRecipe {
  lr: number;
  beta1: number;
  beta2: number;
  /** Passed explicitly: tfjs' default on WebGL would be 1e-4. */
  epsilon: number;
}

export interface AverageRecipe {
  /** Decay of the exponential moving average of G's weights, e.g. 0.999. */
  decay: number;
  /**
   * Warm-up: at G step t the decay used is min(decay, (1 + t) / (10 + t)), so the average follows
   * the weights closely at first instead of starting from the initial (random) ones.
   */
  warmup: boolean;
}

/**
 * R1 (Mescheder et al., 2018): D's loss gains γ/2 · mean over the batch of ‖∇ₓ D(x)‖² on real
 * digits, which keeps D flat around the data. Lazily (StyleGAN2): only on every `every`-th D
 * update, multiplied by `every` so that its weight over the run stays γ.
 */
export interface R1Recipe {
  gamma: number;
  every: number;
}

/**
 * Instance noise (Sønderby et al., 2016; Arjovsky & Bottou, 2017): Gaussian noise of standard
 * deviation `std` added to every digit D sees, real or generated, in D's and G's updates. With
 * `anneal` it falls linearly to 0 over the run's steps.
 */
export interface InstanceNoiseRecipe {
  std: number;
  anneal: boolean;
}

export interface Recipe {
  /** G maps `generator.inputSize` latent values (the latent size) to 784 pixels in [-1, 1]. */
  generator: NetworkSpec;
  /** D maps 784 pixels to one score (a final sigmoid is left out of the losses' logits). */
  discriminator: NetworkSpec;
  /**
   * bce: the seed's binary cross-entropy (G non-saturating); hinge: D max(0, 1 ∓ score), G −score;
   * leastSquares: D ½(score − 1)² on real and ½score² on fakes, G ½(score − 1)².
   */
  loss: LossKind;
  /** D's target for real digits under bce (0.9: one-sided label smoothing; 1: none). */
  realTarget: number;
  gOptimizer: AdamRecipe;
  dOptimizer: AdamRecipe;
  /** D updates per G update; each D update draws its own real batch and noise. */
  dStepsPerGStep: number;
  /** constant, or linear: both learning rates fall linearly to 0 at the run's last step. */
  lrSchedule: LrSchedule;
  batchSize: number;
  /** A moving average of G's weights draws the grid, samples, metrics and exports; null: none. */
  average: AverageRecipe | null;
  /** R1 gradient penalty on real digits; null: none. */
  r1: R1Recipe | null;
  /** Noise on D's inputs; null: none. */
  instanceNoise: InstanceNoiseRecipe | null;
  /**
   * none; or class: G draws the digit it is given and D judges a digit together with its label
   * (Mirza & Osindero's conditional GAN). The label, one-hot over the ten digits, joins the input
   * of each network's first dense layer; real digits bring their own, generated ones are drawn
   * uniformly. Samples and exports then take a digit.
   */
  conditioning: Conditioning;
}

export interface RecipeProblem {
  /** The field, as a path: "gOptimizer.lr", "generator.layers[3].filters". */
  field: string;
  message: string;
}

/** The largest network the lab agrees to build, in parameters (≈ 200 MB of weights + Adam). */
export const MAX_NETWORK_PARAMETERS = 16_000_000;
export const MAX_BATCH_SIZE = 4096;
export const MAX_LATENT_SIZE = 1024;

const LAYER_FIELDS: Record<LayerSpec['kind'], string[]> = {
  dense: ['units', 'spectralNorm'],
  leakyRelu: ['alpha'],
  relu: [],
  minibatchStd: [],
  dropout: ['rate'],
  batchNorm: ['momentum'],
  tanh: [],
  sigmoid: [],
  reshape: ['shape'],
  conv2d: ['filters', 'kernel', 'stride', 'spectralNorm'],
  conv2dTranspose: ['filters', 'kernel', 'stride'],
};

type Problems = RecipeProblem[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkNumber(
  problems: Problems,
  field: string,
  value: unknown,
  rule: { int?: boolean; min: number; max: number; minExclusive?: boolean; maxExclusive?: boolean },
): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.push({ field, message: `${field} must be a number, got ${JSON.stringify(value) ?? 'nothing'}.` });
    return null;
  }
  if (rule.int && !Number.isInteger(value)) {
    problems.push({ field, message: `${field} must be a whole number, got ${value}.` });
    return null;
  }
  const low = rule.minExclusive ? value <= rule.min : value < rule.min;
  const high = rule.maxExclusive ? value >= rule.max : value > rule.max;
  if (low || high) {
    const lower = rule.minExclusive ? `above ${rule.min}` : `at least ${rule.min}`;
    const upper = rule.maxExclusive ? `below ${rule.max}` : `at most ${rule.max}`;
    problems.push({ field, message: `${field} must be ${lower} and ${upper}, got ${value}.` });
    return null;
  }
  return value;
}

function checkKeys(problems: Problems, field: string, value: Record<string, unknown>, known: string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const where = field === '' ? key : `${field}.${key}`;
      problems.push({ field: where, message: `${where} is not a recipe field; known here: ${known.join(', ')}.` });
    }
  }
}

function checkLayer(problems: Problems, field: string, raw: unknown): LayerSpec | null {
  if (!isRecord(raw)) {
    problems.push({ field, message: `${field} must be an object like {"kind": "dense", "units": 256}.` });
    return null;
  }
  const kind = raw.kind;
  if (typeof kind !== 'string' || !(kind in LAYER_FIELDS)) {
    problems.push({
      field: `${field}.kind`,
      message: `${field}.kind must be one of ${Object.keys(LAYER_FIELDS).join(', ')}, got ${JSON.stringify(kind) ?? 'nothing'}.`,
    });
    return null;
  }
  const layerKind = kind as LayerSpec['kind'];
  checkKeys(problems, field, raw, ['kind', ...LAYER_FIELDS[layerKind]]);
  const before = problems.length;
  const int = (name: string, min: number, max: number) => checkNumber(problems, `${field}.${name}`, raw[name], { int: true, min, max });
  if ('spectralNorm' in raw && typeof raw.spectralNorm !== 'boolean') {
    problems.push({ field: `${field}.spectralNorm`, message: `${field}.spectralNorm must be true or false (or left out: false).` });
  }
  switch (layerKind) {
    case 'dense':
      int('units', 1, 65_536);
      break;
    case 'leakyRelu':
      checkNumber(problems, `${field}.alpha`, raw.alpha, { min: 0, max: 1 });
      break;
    case 'dropout':
      checkNumber(problems, `${field}.rate`, raw.rate, { min: 0, max: 1, maxExclusive: true });
      break;
    case 'batchNorm':
      if ('momentum' in raw) checkNumber(problems, `${field}.momentum`, raw.momentum, { min: 0, max: 1, maxExclusive: true });
      break;
    case 'reshape': {
      const shape = raw.shape;
      if (!Array.isArray(shape) || shape.length < 1 || shape.length > 3 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
        problems.push({ field: `${field}.shape`, message: `${field}.shape must be [n] or [h, w, c] of whole numbers ≥ 1.` });
      }
      break;
    }
    case 'conv2d':
    case 'conv2dTranspose':
      int('filters', 1, 4096);
      int('kernel', 1, 15);
      int('stride', 1, 4);
      break;
    default:
      break;
  }
  return problems.length === before ? (raw as unknown as LayerSpec) : null;
}

/** Layers that only one of the two networks takes, and why. */
function checkLayerRole(problems: Problems, field: string, layer: LayerSpec, role: 'generator' | 'discriminator'): void {
  if (role === 'generator' && layer.kind === 'minibatchStd') {
    problems.push({ field: `${field}.kind`, message: `${field}: minibatchStd compares the digits of a batch, a discriminator's feature; the generator cannot take it.` });
  }
  if (role === 'discriminator' && layer.kind === 'batchNorm') {
    problems.push({
      field: `${field}.kind`,
      message: `${field}: batchNorm is for the generator; in the discriminator it would mix real and generated digits' statistics (use spectralNorm there).`,
    });
  }
  if (role === 'generator' && 'spectralNorm' in layer && layer.spectralNorm) {
    problems.push({ field: `${field}.spectralNorm`, message: `${field}.spectralNorm: spectral normalisation keeps the discriminator Lipschitz; the lab applies it to the discriminator only.` });
  }
}

function checkNetwork(problems: Problems, field: string, raw: unknown, role: 'generator' | 'discriminator'): NetworkSpec | null {
  if (!isRecord(raw)) {
    problems.push({ field, message: `${field} must be an object with inputSize and layers.` });
    return null;
  }
  checkKeys(problems, field, raw, ['name', 'inputSize', 'layers']);
  const before = problems.length;
  const inputSize =
    role === 'generator'
      ? checkNumber(problems, `${field}.inputSize`, raw.inputSize, { int: true, min: 1, max: MAX_LATENT_SIZE })
      : raw.inputSize === DIGIT_PIXELS
        ? DIGIT_PIXELS
        : (problems.push({ field: `${field}.inputSize`, message: `${field}.inputSize must be ${DIGIT_PIXELS} (a 28x28 digit), got ${JSON.stringify(raw.inputSize)}.` }), null);
  if (!Array.isArray(raw.layers) || raw.layers.length === 0) {
    problems.push({ field: `${field}.layers`, message: `${field}.layers must be a non-empty list of layers.` });
    return null;
  }
  const layers = raw.layers.map((layer, i) => checkLayer(problems, `${field}.layers[${i}]`, layer));
  layers.forEach((layer, i) => layer && checkLayerRole(problems, `${field}.layers[${i}]`, layer, role));
  if (problems.length !== before || inputSize === null) return null;
  const spec: NetworkSpec = { name: role, inputSize, layers: layers as LayerSpec[] };
  // The first layer whose input it cannot take is the one named.
  for (let count = 1; count <= spec.layers.length; count++) {
    try {
      layerOutputShapes({ ...spec, layers: spec.layers.slice(0, count) });
    } catch (error) {
      const at = `${field}.layers[${count - 1}]`;
      problems.push({ field: at, message: `${at}: ${(error as Error).message.replace(/^\w+: /, '')}` });
      return null;
    }
  }
  const last = outputSize(spec);
  const wanted = role === 'generator' ? DIGIT_PIXELS : 1;
  if (last !== wanted) {
    const what = role === 'generator' ? `${DIGIT_PIXELS} values (a 28x28 digit)` : 'one score';
    problems.push({ field: `${field}.layers`, message: `${field} must end in ${what}; its layers give ${last}.` });
    return null;
  }
  const shapes = layerOutputShapes(spec);
  if (shapes[shapes.length - 1].length !== 1) {
    problems.push({ field: `${field}.layers`, message: `${field} must end flat: add {"kind": "reshape", "shape": [${last}]}.` });
    return null;
  }
  const count = parameterCount(spec);
  if (count > MAX_NETWORK_PARAMETERS) {
    problems.push({
      field: `${field}.layers`,
      message: `${field} has ${count.toLocaleString('en-US')} parameters; the lab builds at most ${MAX_NETWORK_PARAMETERS.toLocaleString('en-US')}.`,
    });
    return null;
  }
  return spec;
}

function checkAdam(problems: Problems, field: string, raw: unknown): AdamRecipe | null {
  if (!isRecord(raw)) {
    problems.push({ field, message: `${field} must be an object with lr, beta1, beta2 and epsilon.` });
    return null;
  }
  checkKeys(problems, field, raw, ['lr', 'beta1', 'beta2', 'epsilon']);
  const lr = checkNumber(problems, `${field}.lr`, raw.lr, { min: 0, max: 1e6, minExclusive: true });
  const beta1 = checkNumber(problems, `${field}.beta1`, raw.beta1, { min: 0, max: 1, maxExclusive: true });
  const beta2 = checkNumber(problems, `${field}.beta2`, raw.beta2, { min: 0, max: 1, maxExclusive: true });
  const epsilon = checkNumber(problems, `${field}.epsilon`, raw.epsilon, { min: 0, max: 1, minExclusive: true });
  if (lr === null || beta1 === null || beta2 === null || epsilon === null) return null;
  return { lr, beta1, beta2, epsilon };
}

function checkChoice<T extends string>(problems: Problems, field: string, value: unknown, choices: readonly T[]): T | null {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  problems.push({ field, message: `${field} must be one of ${choices.join(', ')}, got ${JSON.stringify(value) ?? 'nothing'}.` });
  return null;
}

/** Largest values the regularisers take: beyond them D learns nothing about the digits. */
export const MAX_R1_GAMMA = 10_000;
export const MAX_R1_EVERY = 1000;
export const MAX_INSTANCE_NOISE_STD = 4;

/** D layers that R1's twice-differentiable forward pass (regularisers.ts) does not take. */
const R1_LAYERS_NOT_TAKEN: readonly LayerSpec['kind'][] = ['conv2dTranspose'];

function checkR1(problems: Problems, raw: unknown): R1Recipe | null {
  if (raw === null) return null;
  if (!isRecord(raw)) {
    problems.push({ field: 'r1', message: 'r1 must be null or {"gamma": 10, "every": 16}.' });
    return null;
  }
  checkKeys(problems, 'r1', raw, ['gamma', 'every']);
  const gamma = checkNumber(problems, 'r1.gamma', raw.gamma, { min: 0, max: MAX_R1_GAMMA, minExclusive: true });
  const every = checkNumber(problems, 'r1.every', raw.every, { int: true, min: 1, max: MAX_R1_EVERY });
  return gamma === null || every === null ? null : { gamma, every };
}

function checkInstanceNoise(problems: Problems, raw: unknown): InstanceNoiseRecipe | null {
  if (raw === null) return null;
  if (!isRecord(raw)) {
    problems.push({ field: 'instanceNoise', message: 'instanceNoise must be null or {"std": 0.1, "anneal": true}.' });
    return null;
  }
  checkKeys(problems, 'instanceNoise', raw, ['std', 'anneal']);
  const std = checkNumber(problems, 'instanceNoise.std', raw.std, { min: 0, max: MAX_INSTANCE_NOISE_STD, minExclusive: true });
  if (typeof raw.anneal !== 'boolean') {
    problems.push({ field: 'instanceNoise.anneal', message: 'instanceNoise.anneal must be true or false.' });
    return null;
  }
  return std === null ? null : { std, anneal: raw.anneal };
}

/**
 * Recipe fields added after recipes were first saved, in the groups they came in, with the
 * values that leave a recipe saved without them training as it did: off.
 */
const ADDED_FIELDS = [
  { r1: null, instanceNoise: null },
  { conditioning: 'none' },
] as const satisfies readonly Partial<Recipe>[];

/**
 * A saved recipe (a run's or a checkpoint's config) as today's: one saved before a group of
 * ADDED_FIELDS existed, holding none of the group, gets them switched off. Anything else is
 * left for checkRecipe to judge: a recipe typed or linked today must name every field.
 */
export function upgradeSavedRecipe(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  const missing = ADDED_FIELDS.filter((group) => Object.keys(group).every((field) => !(field in raw)));
  return missing.length === 0 ? raw : Object.assign({ ...raw }, ...missing);
}

export const RECIPE_FIELDS = [
  'generator',
  'discriminator',
  'loss',
  'realTarget',
  'gOptimizer',
  'dOptimizer',
  'dStepsPerGStep',
  'lrSchedule',
  'batchSize',
  'average',
  'r1',
  'instanceNoise',
  'conditioning',
] as const satisfies readonly (keyof Recipe)[];

/** `raw` as a recipe, or every problem found, each naming its field. Missing fields are problems. */
export function checkRecipe(raw: unknown): { recipe: Recipe | null; problems: RecipeProblem[] } {
  const problems: Problems = [];
  if (!isRecord(raw)) {
    return { recipe: null, problems: [{ field: 'recipe', message: 'A recipe must be a JSON object.' }] };
  }
  checkKeys(problems, '', raw, [...RECIPE_FIELDS]);
  for (const field of RECIPE_FIELDS) {
    if (!(field in raw)) problems.push({ field, message: `${field} is missing.` });
  }
  if (problems.length > 0) return { recipe: null, problems };
  const generator = checkNetwork(problems, 'generator', raw.generator, 'generator');
  const discriminator = checkNetwork(problems, 'discriminator', raw.discriminator, 'discriminator');
  const loss = checkChoice(problems, 'loss', raw.loss, LOSSES);
  const realTarget = checkNumber(problems, 'realTarget', raw.realTarget, { min: 0, max: 1, minExclusive: true });
  const gOptimizer = checkAdam(problems, 'gOptimizer', raw.gOptimizer);
  const dOptimizer = checkAdam(problems, 'dOptimizer', raw.dOptimizer);
  const dStepsPerGStep = checkNumber(problems, 'dStepsPerGStep', raw.dStepsPerGStep, { int: true, min: 1, max: 10 });
  const lrSchedule = checkChoice(problems, 'lrSchedule', raw.lrSchedule, LR_SCHEDULES);
  const batchSize = checkNumber(problems, 'batchSize', raw.batchSize, { int: true, min: 1, max: MAX_BATCH_SIZE });
  let average: AverageRecipe | null = null;
  if (raw.average !== null) {
    if (!isRecord(raw.average)) {
      problems.push({ field: 'average', message: 'average must be null or {"decay": 0.999, "warmup": true}.' });
    } else {
      checkKeys(problems, 'average', raw.average, ['decay', 'warmup']);
      const decay = checkNumber(problems, 'average.decay', raw.average.decay, { min: 0, max: 1, maxExclusive: true });
      if (typeof raw.average.warmup !== 'boolean') {
        problems.push({ field: 'average.warmup', message: 'average.warmup must be true or false.' });
      } else if (decay !== null) average = { decay, warmup: raw.average.warmup };
    }
  }
  const r1 = checkR1(problems, raw.r1);
  const untaken = r1 && discriminator ? discriminator.layers.findIndex((layer) => R1_LAYERS_NOT_TAKEN.includes(layer.kind)) : -1;
  if (untaken >= 0) {
    problems.push({
      field: 'r1',
      message:
        `r1 cannot differentiate discriminator.layers[${untaken}] (${discriminator!.layers[untaken].kind}) twice, ` +
        'as its penalty needs; use conv2d or dense layers in the discriminator, or set r1 to null.',
    });
  }
  const instanceNoise = checkInstanceNoise(problems, raw.instanceNoise);
  const conditioning = checkChoice(problems, 'conditioning', raw.conditioning, CONDITIONINGS);
  if (conditioning === 'class') {
    for (const [role, spec] of [['generator', generator], ['discriminator', discriminator]] as const) {
      if (spec && labelLayerIndex(spec) < 0) {
        problems.push({
          field: 'conditioning',
          message: `conditioning "class" joins the digit's label to the first dense layer of each network; the ${role} has none (add {"kind": "dense", …} or set conditioning to "none").`,
        });
      }
    }
  }
  if (problems.length > 0) return { recipe: null, problems };
  return {
    recipe: {
      generator: generator!,
      discriminator: discriminator!,
      loss: loss!,
      realTarget: realTarget!,
      gOptimizer: gOptimizer!,
      dOptimizer: dOptimizer!,
      dStepsPerGStep: dStepsPerGStep!,
      lrSchedule: lrSchedule!,
      batchSize: batchSize!,
      average,
      r1,
      instanceNoise,
      conditioning: conditioning!,
    },
    problems,
  };
}

/** Both networks as they are built: with the class label's input where the recipe conditions on it. */
export function recipeNetworks(recipe: Recipe): { generator: NetworkSpec; discriminator: NetworkSpec } {
  const label = (spec: NetworkSpec) => (recipe.conditioning === 'class' ? { ...spec, classes: DIGIT_CLASSES } : spec);
  return { generator: label(recipe.generator), discriminator: label(recipe.discriminator) };
}

/** A network as a recipe holds it: without the label input recipeNetworks adds. */
export function recipeNetwork(spec: NetworkSpec): NetworkSpec {
  const { classes: _, ...plain } = spec;
  return plain;
}

/** The latent size: how many noise values G takes. */
export function latentSize(recipe: Recipe): number {
  return recipe.generator.inputSize;
}

/** Both learning rates at 1-based step `step` of a run of `totalSteps` under the schedule. */
export function scheduledRate(base: number, schedule: LrSchedule, step: number, totalSteps: number): number {
  if (schedule === 'constant' || totalSteps <= 0) return base;
  return base * Math.max(0, 1 - (step - 1) / totalSteps);
}

/** The average's decay at G update `t` (1-based), with or without warm-up. */
export function averageDecay(average: AverageRecipe, t: number): number {
  return average.warmup ? Math.min(average.decay, (1 + t) / (10 + t)) : average.decay;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A recipe as compact URL text: base64url (no padding) of its JSON, with anything beyond ASCII
 * written as a \uXXXX escape first, so the bytes are the JSON's characters.
 */
export function encodeRecipe(recipe: Recipe): string {
  const json = JSON.stringify(recipe).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  let out = '';
  for (let i = 0; i < json.length; i += 3) {
    const a = json.charCodeAt(i);
    const b = i + 1 < json.length ? json.charCodeAt(i + 1) : 0;
    const c = i + 2 < json.length ? json.charCodeAt(i + 2) : 0;
    const bits = (a << 16) | (b << 8) | c;
    const chars = Math.min(4, Math.ceil(((json.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += BASE64URL[(bits >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** URL or typed text back to a value: JSON text as is, else base64url of JSON; throws on neither. */
export function decodeRecipeText(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return JSON.parse(trimmed);
  const clean = trimmed.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  if (clean === '' || !/^[A-Za-z0-9_-]+$/.test(clean) || clean.length % 4 === 1) throw new SyntaxError('not base64url');
  let json = '';
  for (let i = 0; i < clean.length; i += 4) {
    let bits = 0;
    for (let k = 0; k < 4; k++) bits = (bits << 6) | (i + k < clean.length ? BASE64URL.indexOf(clean[i + k]) : 0);
    const bytes = Math.floor(((Math.min(4, clean.length - i)) * 6) / 8);
    for (let k = 0; k < bytes; k++) json += String.fromCharCode((bits >> (16 - 8 * k)) & 255);
  }
  return JSON.parse(json);
}

/** Field paths where two recipes differ, with both values, in field order: "custom" described. */
export function recipeDifferences(base: Recipe, recipe: Recipe): { field: string; base: unknown; value: unknown }[] {
  const out: { field: string; base: unknown; value: unknown }[] = [];
  const walk = (path: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (isRecord(a) && isRecord(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk(path ? `${path}.${key}` : key, a[key], b[key]);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((item, i) => walk(`${path}[${i}]`, item, b[i]));
      return;
    }
    out.push({ field: path, base: a, value: b });
  };
  walk('', base, recipe);
  return out;
}

export function sameRecipe(a: Recipe, b: Recipe): boolean {
  return recipeDifferences(a, b).length === 0;
}
