/**
 * A folder of Keras generators (`GAN_images_models/` as the Keras scripts write it:
 * `gan_generator_epoch_20.h5`, `gan_generator_epoch_40.h5`, …) saved as one run: each file's
 * epoch comes from its name, its generator is stored as the lab's generator checkpoint with the
 * fixed-noise grid a trained run keeps for that epoch, through the same repository calls the
 * training history makes. The run's recipe is the seed recipe with the files' generator; no
 * discriminator or optimizer state comes with the files, so the run is marked as imported and
 * never trains on. Discriminator files are skipped and named.
 *
 * Everything is read and checked before anything is written; a write that fails (a full disk)
 * removes the run again. Every refusal is an ImportError naming the file.
 */
import * as tf from '@tensorflow/tfjs';
import { CHECKPOINT_SCHEMA_VERSION, type GeneratorSnapshot, encodeSnapshot } from '../core/checkpointCodec';
import { DEFAULT_CONFIG, type RunConfig } from '../core/config';
import { GRID_COLS, GRID_DIGITS, GRID_ROWS } from '../core/digits';
import { fixedNoise } from '../core/gan';
import { IMPORT_LIMITS, ImportError } from '../core/export/generatorImport';
import type { SpecWithWeights } from '../core/export/generatorLayers';
import { readKerasH5Network } from '../core/export/kerasH5Network';
import type { NetworkSpec } from '../core/architecture';
import { weightShapes } from '../core/architecture';
import { PRESETS } from '../core/presets';
import { checkRecipe } from '../core/recipe';
import { renderDigits } from '../core/sampling';
import type { ImportedFrom, RunRecord } from '../storage/records';
import type { RunRepository } from '../storage/runRepository';
import type { ImportedRunSummary } from './protocol';
import { newRunRecord } from './runHistory';
import { checkedConfig } from './runPlan';

/** The part of the repository an imported run is written with. */
export type ImportRunStorage = Pick<RunRepository, 'createRun' | 'saveEpoch' | 'deleteRun'>;

/** What the page is told of an imported run. */
export type ImportedRunInfo = ImportedRunSummary;

/** Most generator files one run takes (a 200-epoch run saved every epoch, and some). */
export const MAX_RUN_FILES = 250;

const KERAS_FILE = /\.(h5|hdf5)$/i;
const DISCRIMINATOR_FILE = /discriminator/i;

/** Whether `files` are several Keras files: a folder to become a run, not one generator. */
export function isKerasFolder(files: readonly { name: string }[]): boolean {
  return files.filter((file) => KERAS_FILE.test(file.name)).length > 1;
}

/**
 * The epoch a generator file's name says: the number after "epoch" (`gan_generator_epoch_20.h5`),
 * else the name's last number (`generator_20.h5`); null when it has none.
 */
export function epochOfFileName(name: string): number | null {
  const base = name.replace(/^.*[\\/]/, '').replace(KERAS_FILE, '');
  const match = /epoch\D{0,3}(\d+)/i.exec(base) ?? /(\d+)(?!.*\d)/.exec(base);
  return match ? Number(match[1]) : null;
}

interface GeneratorFile {
  file: File;
  epoch: number;
}

export interface KerasRunOptions {
  newRunId?: () => string;
  now?: () => number;
}

/** Checks, reads and stores the chosen Keras files as one imported run. */
export async function importKerasRun(files: File[], storage: ImportRunStorage, options: KerasRunOptions = {}): Promise<ImportedRunInfo> {
  const { generators, skipped } = sortFiles(files);
  const config = await readGenerators(generators);
  const runId = options.newRunId?.() ?? crypto.randomUUID();
  const now = options.now?.() ?? Date.now();
  const first = generators[0].epoch;
  const last = generators.at(-1)!.epoch;
  const imported: ImportedFrom = { format: 'keras-h5', files: generators.map((g) => g.file.name), skipped };
  const record: RunRecord = {
    ...newRunRecord(runId, config.config, null, false, now),
    name: `Keras generators, epochs ${first === last ? first : `${first}–${last}`}`,
    status: 'completed',
    imported,
  };
  await storage.createRun(record);
  try {
    for (const { epoch, generator, grid } of config.epochs) {
      await storage.saveEpoch(runId, {
        epoch,
        step: epoch * config.config.stepsPerEpoch,
        wallTimeMs: 0,
        grid,
        rows: GRID_ROWS,
        cols: GRID_COLS,
        losses: [],
        generator,
        status: 'completed',
      });
    }
  } catch (error) {
    await storage.deleteRun(runId).catch(() => undefined);
    throw error;
  }
  return { runId, name: record.name, epochs: generators.map((g) => g.epoch), skipped };
}

/** Generators by epoch and the discriminator files skipped; refuses what cannot be a run. */
function sortFiles(chosen: File[]): { generators: GeneratorFile[]; skipped: string[] } {
  // Hidden files a folder picker brings along (.DS_Store) are no one's choice.
  const hidden = chosen.filter((file) => file.name.startsWith('.'));
  const files = chosen.filter((file) => !hidden.includes(file));
  const stray = files.find((file) => !KERAS_FILE.test(file.name));
  if (stray) {
    throw new ImportError(
      `${stray.name} was chosen with several Keras .h5 files; choose only the .h5 files of a GAN_images_models/ folder ` +
        '(generators named with their epoch, such as gan_generator_epoch_20.h5).',
    );
  }
  const skipped = [...files.filter((file) => DISCRIMINATOR_FILE.test(file.name)), ...hidden].map((file) => file.name);
  const generators: GeneratorFile[] = [];
  for (const file of files.filter((f) => !DISCRIMINATOR_FILE.test(f.name))) {
    const epoch = epochOfFileName(file.name);
    if (epoch === null) {
      throw new ImportError(
        `${file.name}: its name holds no epoch number; when several generators are chosen, each becomes the epoch its name says, ` +
          'as in gan_generator_epoch_20.h5. Rename it, or import it alone.',
      );
    }
    if (!(epoch >= 1 && epoch <= 100_000)) {
      throw new ImportError(`${file.name}: its name says epoch ${epoch}; the lab counts epochs from 1 to 100000.`);
    }
    const twin = generators.find((g) => g.epoch === epoch);
    if (twin) {
      throw new ImportError(`${twin.file.name} and ${file.name} are both epoch ${epoch}; choose one generator per epoch.`);
    }
    if (file.size > IMPORT_LIMITS.maxBytes) {
      throw new ImportError(
        `${file.name} is ${(file.size / 2 ** 20).toFixed(1)} MB; the lab imports generators up to ${(IMPORT_LIMITS.maxBytes / 2 ** 20).toFixed(0)} MB each and did not read it.`,
      );
    }
    generators.push({ file, epoch });
  }
  if (generators.length === 0) {
    throw new ImportError(
      `${skipped.join(', ')}: only discriminator files were chosen; the lab imports the generators (gan_generator_epoch_N.h5) and skips discriminators.`,
    );
  }
  if (generators.length > MAX_RUN_FILES) {
    throw new ImportError(`${generators.length} generator files were chosen; one imported run takes at most ${MAX_RUN_FILES}.`);
  }
  generators.sort((a, b) => a.epoch - b.epoch);
  return { generators, skipped };
}

interface ReadEpoch {
  epoch: number;
  /** The encoded generator checkpoint. */
  generator: ArrayBuffer;
  /** The fixed-noise grid, GRID_ROWS × GRID_COLS digits. */
  grid: Uint8ClampedArray;
}

/**
 * Reads every generator (one at a time: only its checkpoint bytes and grid are kept), checks
 * that they share one network, and makes the run's config from the first.
 */
async function readGenerators(generators: GeneratorFile[]): Promise<{ config: RunConfig; epochs: ReadEpoch[] }> {
  let config: RunConfig | null = null;
  let reference: { name: string; spec: NetworkSpec } | null = null;
  const epochs: ReadEpoch[] = [];
  for (const { file, epoch } of generators) {
    const network = await readKerasH5Network({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
    if (!reference || !config) {
      reference = { name: file.name, spec: network.spec };
      config = runConfig(file.name, network.spec, generators.at(-1)!.epoch);
    } else {
      const difference = networkDifference(reference.spec, network.spec);
      if (difference) {
        throw new ImportError(`${file.name}: its network differs from ${reference.name}'s (${difference}); one run holds one generator network, so import them separately.`);
      }
    }
    const snapshot: GeneratorSnapshot = {
      kind: 'generator',
      schemaVersion: CHECKPOINT_SCHEMA_VERSION,
      preset: config.preset,
      step: epoch * config.stepsPerEpoch,
      architecture: { generator: network.spec },
      generator: network.weights,
    };
    epochs.push({ epoch, generator: encodeSnapshot(snapshot), grid: await fixedNoiseGrid(network, config.seed) });
  }
  return { config: config!, epochs };
}

/**
 * The run's config: the seed preset's schedule (128 steps an epoch, the Keras scripts' meaning),
 * seed and data, and its recipe with the files' generator. The discriminator and optimizers are
 * the seed recipe's, which the Keras scripts train with; they are not in the files.
 */
function runConfig(fileName: string, generator: NetworkSpec, lastEpoch: number): RunConfig {
  const { recipe, problems } = checkRecipe({ ...PRESETS.seed.recipe, generator });
  if (!recipe) {
    throw new ImportError(`${fileName}: its generator does not fit a lab recipe: ${problems.slice(0, 3).map((p) => p.message).join(' ')}`);
  }
  return checkedConfig({
    ...DEFAULT_CONFIG,
    preset: 'seed',
    epochs: lastEpoch,
    checkpointEvery: Math.min(PRESETS.seed.schedule.checkpointEvery, lastEpoch),
    recipe,
  });
}

/** How two generator networks differ, in a few words; null when they are the same. */
export function networkDifference(a: NetworkSpec, b: NetworkSpec): string | null {
  if (a.inputSize !== b.inputSize) return `it takes ${b.inputSize} noise values, not ${a.inputSize}`;
  const count = Math.max(a.layers.length, b.layers.length);
  for (let i = 0; i < count; i++) {
    const x = a.layers[i];
    const y = b.layers[i];
    if (JSON.stringify(x) !== JSON.stringify(y)) {
      const show = (layer: unknown) => (layer ? JSON.stringify(layer) : 'nothing');
      return `layer ${i + 1} is ${show(y)} where the other has ${show(x)}`;
    }
  }
  return null;
}

/** The generator's digits for the run's fixed noise, as a training run saves them each epoch. */
async function fixedNoiseGrid({ spec, weights }: SpecWithWeights, seed: number): Promise<Uint8ClampedArray> {
  const shapes = weightShapes(spec);
  const params = weights.map((values, i) => tf.tensor(values, shapes[i]));
  try {
    return await renderDigits(spec, params, fixedNoise(seed, GRID_DIGITS, spec.inputSize), GRID_ROWS, GRID_COLS);
  } finally {
    tf.dispose(params);
  }
}
