/**
 * What travels with an exported generator: where it came from (preset, recipe, epoch, step,
 * seed), what it expects and produces, and its quality where known. Written as `manifest.json`
 * into the TF.js zip and as metadata_props into the ONNX model. tfjs-free.
 */
import { DIGIT_CLASSES, DIGIT_PIXELS, IMAGE_SIDE, LATENT_SIZE } from '../digits';
import { MAX_LATENT_SIZE, type Recipe, checkRecipe, latentSize as recipeLatentSize, upgradeSavedRecipe } from '../recipe';
import { ImportError } from './importError';

export const MANIFEST_FORMAT = 'mnist-gan-lab/generator';
export const MANIFEST_FORMAT_VERSION = 1;
export const PRODUCER_NAME = 'MNIST GAN Lab';
export const PIXEL_RANGE: [number, number] = [-1, 1];

/** Facts about a generator the caller knows; every field is optional. */
export interface GeneratorInfo {
  preset?: string;
  /** The recipe the generator was trained with. */
  recipe?: Recipe;
  epoch?: number;
  step?: number;
  seed?: number;
  /** Quality metrics of this checkpoint, e.g. { fd: 12.3, score: 8.1 }. */
  metrics?: Record<string, number>;
}

export interface GeneratorManifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  producer: string;
  preset: string | null;
  /** The recipe it was trained with, or null when unknown (an imported model without one). */
  recipe: Recipe | null;
  epoch: number | null;
  step: number | null;
  seed: number | null;
  /** Input: `latentSize` values per sample, drawn from a standard normal distribution. */
  latentSize: number;
  noise: 'standard normal';
  /**
   * A class-conditional generator's second input, `label`: the digit to draw, one-hot over
   * `classes` values; null for a generator that takes noise alone.
   */
  label: { input: 'label'; classes: number; encoding: 'one-hot' } | null;
  /** Output: `outputSize` values per sample, a row-major 28x28 image. */
  outputSize: number;
  imageShape: [number, number];
  /** Output value range: -1 is the background (black), 1 the pen stroke (white). */
  pixelRange: [number, number];
  metrics: Record<string, number>;
}

/**
 * The manifest of a generator taking `latentSize` noise values (by default its recipe's, or the
 * seed's 100). Throws when the recipe says another latent size: the file would contradict itself.
 */
export function makeManifest(
  info: GeneratorInfo = {},
  latentSize = info.recipe ? recipeLatentSize(info.recipe) : LATENT_SIZE,
): GeneratorManifest {
  if (info.recipe && recipeLatentSize(info.recipe) !== latentSize) {
    throw new Error(
      `The generator takes ${latentSize} noise values but its recipe's generator.inputSize is ` +
        `${recipeLatentSize(info.recipe)}; they must agree.`,
    );
  }
  return {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    producer: PRODUCER_NAME,
    preset: info.preset ?? null,
    recipe: info.recipe ?? null,
    epoch: info.epoch ?? null,
    step: info.step ?? null,
    seed: info.seed ?? null,
    latentSize,
    noise: 'standard normal',
    label: info.recipe?.conditioning === 'class' ? { input: 'label', classes: DIGIT_CLASSES, encoding: 'one-hot' } : null,
    outputSize: DIGIT_PIXELS,
    imageShape: [IMAGE_SIDE, IMAGE_SIDE],
    pixelRange: [...PIXEL_RANGE],
    metrics: { ...(info.metrics ?? {}) },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalNumber(raw: Record<string, unknown>, key: string): number | null {
  const value = raw[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ImportError(`manifest.json has an invalid ${key}: a number expected, found ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * Reads a manifest.json written by this lab (or a compatible one). Fields other files may omit
 * get this lab's values; fields that are present must be right.
 */
export function parseManifest(text: string): GeneratorManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ImportError('manifest.json in the zip is not valid JSON; re-export the generator or remove the file from the zip.');
  }
  if (!isRecord(raw) || raw.format !== MANIFEST_FORMAT) {
    throw new ImportError(
      `manifest.json is not a generator manifest of this lab (format "${MANIFEST_FORMAT}" expected); ` +
        'remove it from the zip to import the model alone.',
    );
  }
  const version = optionalNumber(raw, 'formatVersion') ?? MANIFEST_FORMAT_VERSION;
  if (version > MANIFEST_FORMAT_VERSION) {
    throw new ImportError(
      `manifest.json has format version ${version}, newer than this lab reads (${MANIFEST_FORMAT_VERSION}); ` +
        'open the file in a newer version of the lab.',
    );
  }
  const outputSize = optionalNumber(raw, 'outputSize') ?? DIGIT_PIXELS;
  if (outputSize !== DIGIT_PIXELS) {
    throw new ImportError(
      `manifest.json describes a generator of ${outputSize} pixels; this lab draws ${DIGIT_PIXELS} (a 28x28 digit).`,
    );
  }
  const recipe = raw.recipe === undefined || raw.recipe === null ? null : manifestRecipe(raw.recipe);
  const latentSize = optionalNumber(raw, 'latentSize') ?? (recipe ? recipeLatentSize(recipe) : LATENT_SIZE);
  if (!Number.isInteger(latentSize) || latentSize < 1 || latentSize > MAX_LATENT_SIZE) {
    throw new ImportError(
      `manifest.json describes a generator from ${latentSize} noise values; this lab samples from 1 to ${MAX_LATENT_SIZE}.`,
    );
  }
  if (recipe && recipeLatentSize(recipe) !== latentSize) {
    throw new ImportError(
      `manifest.json gives the latent size ${latentSize} but its recipe's generator takes ${recipeLatentSize(recipe)}; ` +
        'export the generator again.',
    );
  }
  const range = raw.pixelRange;
  if (range !== undefined && !(Array.isArray(range) && range[0] === PIXEL_RANGE[0] && range[1] === PIXEL_RANGE[1])) {
    throw new ImportError(
      `manifest.json gives the pixel range ${JSON.stringify(range)}; this lab reads generators whose ` +
        'output lies in [-1, 1].',
    );
  }
  const metrics: Record<string, number> = {};
  if (isRecord(raw.metrics)) {
    for (const [key, value] of Object.entries(raw.metrics)) {
      if (typeof value === 'number' && Number.isFinite(value)) metrics[key] = value;
    }
  }
  const manifest = makeManifest({ metrics, ...(recipe ? { recipe } : {}) }, latentSize);
  manifest.formatVersion = version;
  if (typeof raw.producer === 'string') manifest.producer = raw.producer;
  if (typeof raw.preset === 'string') manifest.preset = raw.preset;
  manifest.epoch = optionalNumber(raw, 'epoch');
  manifest.step = optionalNumber(raw, 'step');
  manifest.seed = optionalNumber(raw, 'seed');
  return manifest;
}

function manifestRecipe(raw: unknown): Recipe {
  // A file exported before a recipe field existed was trained without it.
  const { recipe, problems } = checkRecipe(upgradeSavedRecipe(raw));
  if (!recipe) {
    throw new ImportError(
      `manifest.json holds a recipe this lab cannot read (${problems[0].message}); ` +
        'remove the recipe from manifest.json to import the model alone.',
    );
  }
  return recipe;
}

/** A download name such as `mnist-gan-seed-epoch20-generator.zip`. */
export function exportFileName(info: GeneratorInfo, extension: 'zip' | 'onnx' | 'h5'): string {
  const parts = ['mnist-gan'];
  if (info.preset) parts.push(info.preset.replace(/[^A-Za-z0-9_-]+/g, '-'));
  if (info.epoch !== undefined) parts.push(`epoch${info.epoch}`);
  parts.push('generator');
  return `${parts.join('-')}.${extension}`;
}
