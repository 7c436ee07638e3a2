/**
 * Generators leaving and entering the lab, in the worker where tfjs is: a saved epoch's
 * generator (or the one training now) as TF.js zip or ONNX bytes for the page to download,
 * generators imported from the user's files, and sampling from those. The page gets bytes and
 * pixels only; `downloads://` does not exist in a worker, so the page saves the files.
 */
import * as tf from '@tensorflow/tfjs';
import { type GeneratorSnapshot, decodeSnapshot, generatorOf, generatorTensors } from '../core/checkpointCodec';
import { IMPORT_LIMITS, ImportError, type ImportFile, type ImportedGenerator, importGenerator } from '../core/export/generatorImport';
import { importKerasH5, looksLikeHdf5 } from '../core/export/kerasH5Import';
import type { SpecWithWeights } from '../core/export/generatorLayers';
import { type GeneratorInfo, type GeneratorManifest, exportFileName } from '../core/export/generatorManifest';
import { exportGeneratorKeras } from '../core/export/kerasH5Export';
import { exportGeneratorOnnx } from '../core/export/onnxExport';
import { exportGeneratorTfjs, modelLatentSize } from '../core/export/tfjsExport';
import { gridBytes, gridShape, toPixels } from '../core/digits';
import { type Recipe, checkRecipe, recipeNetwork, upgradeSavedRecipe } from '../core/recipe';
import { generatorForward, sampleNoise } from '../core/sampling';
import type { RunRepository } from '../storage/runRepository';
import type { ExportFormat, ExportReference, GeneratorFacts, GeneratorRef } from './protocol';
import { type SampleGrid, checkSampleRequest, digitLabels } from './sampler';
import { SerialQueue } from './serialQueue';
import { type ImportRunStorage, type ImportedRunInfo, importKerasRun, isKerasFolder } from './kerasRunImport';

/** The part of the repository exports read, and imported runs are written with. */
export type ExportStorage = Pick<RunRepository, 'getGenerator' | 'requireRun'> & ImportRunStorage;

/** The generator a run is training right now, copied out of the device. */
export type TrainingGenerator = (runId: string) => Promise<{ snapshot: GeneratorSnapshot; seed: number; epoch: number }>;

export interface ExportedGenerator {
  fileName: string;
  bytes: Uint8Array;
  facts: GeneratorFacts;
  reference?: ExportReference;
}

/** One generator, kept in the worker. */
export interface ImportedGeneratorInfo {
  kind: 'generator';
  importId: string;
  name: string;
  facts: GeneratorFacts;
}

/** What an import became: one generator in the worker, or several files a saved run. */
export type ImportedInfo = ImportedGeneratorInfo | { kind: 'run'; run: ImportedRunInfo };

interface Imported extends Omit<ImportedGeneratorInfo, 'kind'> {
  model: tf.LayersModel;
  /** The recipe its manifest.json carried, which its exports carry on. */
  recipe: Recipe | null;
}

const FILE_EXTENSION = { tfjs: 'zip', onnx: 'onnx', keras: 'h5' } as const satisfies Record<ExportFormat, string>;

/** A generator ready to export: what the exporters take, its facts, and its forward pass. */
interface Resolved {
  source: SpecWithWeights | tf.LayersModel;
  info: GeneratorInfo;
  /** Noise values per sample it takes. */
  latentSize: number;
  /**
   * count × DIGIT_PIXELS values for `noise` (count × latentSize values), as the lab samples
   * them; `labels` for a class-conditional generator (absent: each digit in turn).
   */
  run(noise: Float32Array, labels?: Uint8Array): Promise<Float32Array>;
  /** Whether it takes a label: then `run` and the exports take one per sample. */
  classes: number | null;
}

export class GeneratorExports {
  private readonly imported = new Map<string, Imported>();
  private importCount = 0;
  /** One request at a time, so a big export does not hold two generators' copies at once. */
  private readonly queue = new SerialQueue();

  constructor(
    private readonly storage: () => ExportStorage,
    private readonly training: TrainingGenerator,
  ) {}

  export(
    ref: GeneratorRef,
    format: ExportFormat,
    reference?: { seed: number; count: number; digit?: number },
  ): Promise<ExportedGenerator> {
    if (reference) checkSampleRequest(reference.seed, reference.count, reference.digit);
    return this.queue.run(async () => {
      const resolved = await this.resolve(ref);
      const bytes =
        format === 'onnx'
          ? await exportGeneratorOnnx(resolved.source, resolved.info)
          : format === 'keras'
            ? await exportGeneratorKeras(resolved.source)
            : await exportGeneratorTfjs(resolved.source, resolved.info);
      const result: ExportedGenerator = {
        fileName: exportFileName(resolved.info, FILE_EXTENSION[format]),
        // The page receives the buffer itself (transferred): it must hold these bytes only.
        bytes: bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice(),
        facts: factsOf(resolved.info),
      };
      if (reference) {
        const { seed, count, digit } = reference;
        const noise = sampleNoise(seed, count, resolved.latentSize);
        const labels = digitLabels({ classes: resolved.classes ?? undefined }, count, digit);
        result.reference = { seed, count, noise, ...(labels ? { labels } : {}), images: await resolved.run(noise, labels) };
      }
      return result;
    });
  }

  /**
   * Checks and loads the chosen files: one generator (a zip, model.json with its weights, one
   * Keras .h5) is kept in the worker; several Keras .h5 files (a GAN_images_models/ folder) are
   * stored as one imported run (kerasRunImport). Sizes are checked before any file is read; on
   * failure an ImportError says why and nothing imported or stored before changes.
   */
  importFiles(files: File[]): Promise<ImportedInfo> {
    return this.queue.run(async () => {
      if (isKerasFolder(files)) return { kind: 'run', run: await importKerasRun(files, this.storage()) };
      let total = 0;
      for (const file of files) {
        total += file.size;
        if (file.size > IMPORT_LIMITS.maxBytes || total > IMPORT_LIMITS.maxBytes) {
          throw new ImportError(
            `${file.name} is ${megabytes(file.size)}${files.length > 1 ? ` (${megabytes(total)} with the files before it)` : ''}; ` +
              `the lab imports generators up to ${megabytes(IMPORT_LIMITS.maxBytes)} (an exported seed generator is about 6 MB) ` +
              'and did not read it.',
          );
        }
      }
      const read: ImportFile[] = await Promise.all(
        files.map(async (file) => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) })),
      );
      const keras = read.filter((file) => looksLikeHdf5(file.bytes) || KERAS_NAME.test(file.name));
      const { model, manifest, recipe, name } =
        keras.length > 0 ? await importKerasFiles(read, keras) : await importTfjsFiles(read, files);
      this.importCount += 1;
      const entry: Imported = {
        importId: `import-${this.importCount}`,
        name,
        facts: manifestFacts(manifest),
        model,
        recipe,
      };
      this.imported.set(entry.importId, entry);
      return { kind: 'generator', importId: entry.importId, name: entry.name, facts: entry.facts };
    });
  }

  /** Fresh digits from an imported generator, laid out like a saved generator's sample. */
  sampleImported(importId: string, seed: number, count: number): Promise<SampleGrid> {
    checkSampleRequest(seed, count);
    return this.queue.run(async () => {
      const { model } = this.requireImported(importId);
      const images = await runModel(model, sampleNoise(seed, count, modelLatentSize(model)));
      const { rows, cols } = gridShape(count);
      const pixels = new Uint8ClampedArray(gridBytes(rows, cols));
      pixels.set(toPixels(images));
      return { pixels, rows, cols, count };
    });
  }

  dispose(): void {
    for (const entry of this.imported.values()) entry.model.dispose();
    this.imported.clear();
  }

  /** The recipe of a run as saved, or null where the worker has no storage (the run was never saved). */
  private async savedRecipe(runId: string): Promise<Recipe | null> {
    let storage: ExportStorage;
    try {
      storage = this.storage();
    } catch {
      return null;
    }
    return (await storage.requireRun(runId)).config.recipe;
  }

  private requireImported(importId: string): Imported {
    const entry = this.imported.get(importId);
    if (!entry) {
      throw new ImportError(
        `The imported generator ${importId} is no longer in the worker (it restarts after a crash); import the file again.`,
      );
    }
    return entry;
  }

  private async resolve(ref: GeneratorRef): Promise<Resolved> {
    switch (ref.kind) {
      case 'saved': {
        const storage = this.storage();
        const [run, bytes] = await Promise.all([
          storage.requireRun(ref.runId),
          storage.getGenerator(ref.runId, ref.epoch),
        ]);
        const snapshot = generatorOf(decodeSnapshot(bytes));
        const metrics = run.epochs.find((e) => e.epoch === ref.epoch)?.metrics;
        return fromSnapshot(snapshot, {
          preset: snapshot.preset,
          // The architecture is the checkpoint's, as a resume takes it (checkpointCodec).
          recipe: { ...run.config.recipe, generator: recipeNetwork(snapshot.architecture.generator) },
          epoch: ref.epoch,
          step: snapshot.step,
          seed: run.config.seed,
          ...(metrics ? { metrics } : {}),
        });
      }
      case 'training': {
        const { snapshot, seed, epoch } = await this.training(ref.runId);
        const recipe = await this.savedRecipe(ref.runId);
        return fromSnapshot(snapshot, {
          preset: snapshot.preset,
          ...(recipe ? { recipe: { ...recipe, generator: recipeNetwork(snapshot.architecture.generator) } } : {}),
          epoch,
          step: snapshot.step,
          seed,
        });
      }
      case 'imported': {
        const { model, facts, recipe } = this.requireImported(ref.importId);
        const info = { ...infoOf(facts), ...(recipe ? { recipe } : {}) };
        return { source: model, info, latentSize: modelLatentSize(model), classes: null, run: (noise) => runModel(model, noise) };
      }
      default: {
        const unknown: never = ref;
        throw new Error(`Unknown generator source ${JSON.stringify(unknown)}.`);
      }
    }
  }
}

const KERAS_NAME = /\.(h5|hdf5)$/i;

type Loaded = ImportedGenerator & { recipe: Recipe | null; name: string };

async function importTfjsFiles(read: ImportFile[], files: File[]): Promise<Loaded> {
  const loaded = await importGenerator(read);
  const modelFile = files.find((file) => /\.zip$/i.test(file.name)) ?? files.find((file) => file.name === 'model.json') ?? files[0];
  return { ...loaded, recipe: loaded.manifest?.recipe ?? null, name: modelFile.name };
}

/**
 * One Keras .h5, optionally with a recipe .json (the recipe box's text saved as a file) that a
 * weights-only file needs. (Several .h5 files become a run before this: isKerasFolder.)
 */
async function importKerasFiles(read: ImportFile[], keras: ImportFile[]): Promise<Loaded> {
  const others = read.filter((file) => !keras.includes(file));
  const stray = others.find((file) => !/\.json$/i.test(file.name));
  if (stray || others.length > 1) {
    throw new ImportError(
      `${(stray ?? others[1]).name} was chosen with ${keras[0].name}; a Keras .h5 goes alone, or with one recipe .json for a weights-only file.`,
    );
  }
  const recipe = others.length === 1 ? recipeFromFile(others[0]) : null;
  const loaded = await importKerasH5(keras[0], { recipe });
  return { ...loaded, recipe, name: keras[0].name };
}

function recipeFromFile(file: ImportFile): Recipe {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(file.bytes));
  } catch (error) {
    throw new ImportError(`${file.name} is not valid JSON (${(error as Error).message}); save the recipe box's text as the file.`);
  }
  const { recipe, problems } = checkRecipe(upgradeSavedRecipe(raw));
  if (!recipe) {
    throw new ImportError(`${file.name} is not a lab recipe: ${problems.slice(0, 3).map((p) => p.message).join(' ')}`);
  }
  return recipe;
}

function fromSnapshot(snapshot: GeneratorSnapshot, info: GeneratorInfo): Resolved {
  const spec = snapshot.architecture.generator;
  return {
    source: { spec, weights: snapshot.generator },
    info,
    latentSize: spec.inputSize,
    classes: spec.classes ?? null,
    async run(noise, labels) {
      // The same forward pass the sampler draws with, so the reference is what the grid shows.
      const { params } = generatorTensors(snapshot);
      try {
        const images = generatorForward(spec, params, noise, labels);
        try {
          return new Float32Array(await images.data());
        } finally {
          images.dispose();
        }
      } finally {
        tf.dispose(params);
      }
    },
  };
}

/** `model` applied to `noise`, flattened to count × DIGIT_PIXELS values. */
async function runModel(model: tf.LayersModel, noise: Float32Array): Promise<Float32Array> {
  const latentSize = modelLatentSize(model);
  const count = noise.length / latentSize;
  const images = tf.tidy(() => {
    const out = model.predict(tf.tensor2d(noise, [count, latentSize])) as tf.Tensor;
    return out.reshape([count, -1]);
  });
  try {
    return new Float32Array(await images.data());
  } finally {
    images.dispose();
  }
}

function factsOf(info: GeneratorInfo): GeneratorFacts {
  return {
    preset: info.preset ?? null,
    epoch: info.epoch ?? null,
    step: info.step ?? null,
    seed: info.seed ?? null,
    metrics: { ...(info.metrics ?? {}) },
  };
}

function infoOf(facts: GeneratorFacts): GeneratorInfo {
  const info: GeneratorInfo = { metrics: facts.metrics };
  if (facts.preset !== null) info.preset = facts.preset;
  if (facts.epoch !== null) info.epoch = facts.epoch;
  if (facts.step !== null) info.step = facts.step;
  if (facts.seed !== null) info.seed = facts.seed;
  return info;
}

function manifestFacts(manifest: GeneratorManifest | null): GeneratorFacts {
  return {
    preset: manifest?.preset ?? null,
    epoch: manifest?.epoch ?? null,
    step: manifest?.step ?? null,
    seed: manifest?.seed ?? null,
    metrics: { ...(manifest?.metrics ?? {}) },
  };
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
