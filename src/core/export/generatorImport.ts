/**
 * A generator file chosen by the user (the lab's TF.js zip, or model.json with its weights) to a
 * tf.LayersModel the lab can sample from. Everything is checked before anything is built, and
 * every failure is an ImportError whose message says what is wrong and what to do. Nothing is
 * changed on failure: the caller keeps what it had.
 *
 * Untrusted sizes are never used to allocate: the file size is checked before unzipping, the
 * declared unpacked sizes before inflating (fflate inflates into a buffer of the declared size,
 * so a lying entry cannot grow past it), and layer widths before tfjs builds variables.
 */
import { DIGIT_PIXELS } from '../digits';
import * as tf from '@tensorflow/tfjs';
import { MAX_LATENT_SIZE } from '../recipe';
import { LABEL_INPUT } from '../network';
import { strFromU8, unzipSync } from 'fflate';
import { type GeneratorManifest, parseManifest } from './generatorManifest';
import { ImportError } from './importError';
import { MANIFEST_JSON, MODEL_JSON } from './tfjsExport';

export { ImportError } from './importError';

export interface ImportFile {
  name: string;
  bytes: Uint8Array;
}

export interface ImportLimits {
  /** Largest file (and largest total of files, packed or unpacked) accepted, in bytes. */
  maxBytes: number;
  /** Most entries a zip may hold. */
  maxZipEntries: number;
  /** Widest layer (units, filters) a model.json may ask tfjs to allocate. */
  maxLayerWidth: number;
}

/** An exported seed generator is about 6 MB; ten times that is still a sensible generator. */
export const IMPORT_LIMITS: ImportLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxZipEntries: 64,
  maxLayerWidth: 65_536,
};

export interface ImportedGenerator {
  /** The loaded generator (caller disposes). */
  model: tf.LayersModel;
  /** The lab's manifest.json when the import had one. */
  manifest: GeneratorManifest | null;
  /** Noise values per sample the model takes (its input's width), 1 to MAX_LATENT_SIZE. */
  latentSize: number;
  /**
   * A class-conditional generator's number of classes (its second input, `label`, one-hot);
   * null for one that takes noise alone. Only `{ conditional: true }` imports load such a one.
   */
  classes: number | null;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function hexStart(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const ZIP_MAGIC = [0x50, 0x4b]; // "PK"

function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === ZIP_MAGIC[0] && bytes[1] === ZIP_MAGIC[1] &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

function looksLikeJson(bytes: Uint8Array): boolean {
  for (const byte of bytes.subarray(0, 64)) {
    if (byte === 0x7b) return true; // "{"
    if (![0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf].includes(byte)) return false; // blanks, BOM
  }
  return false;
}

/** The files an import reads from, by path. */
interface FileSet {
  /** Where the files came from, for messages: "the zip" or "the chosen files". */
  origin: string;
  names: string[];
  read(name: string): Uint8Array;
}

function isUnsafeName(name: string): boolean {
  return (
    name.includes('\\') ||
    name.includes('\0') ||
    name.startsWith('/') ||
    /^[A-Za-z]:/.test(name) ||
    name.split('/').some((part) => part === '..')
  );
}

/** Lists the zip from its central directory, checks it, and unpacks single entries on demand. */
function zipFileSet(file: ImportFile, limits: ImportLimits): FileSet {
  const entries = new Map<string, { size: number; compression: number }>();
  const tooMany = new ImportError(
    `${file.name} holds more than ${limits.maxZipEntries} files; a generator zip holds model.json, ` +
      'its weights and manifest.json.',
  );
  let listed = 0;
  try {
    unzipSync(file.bytes, {
      filter: ({ name, originalSize, compression }) => {
        // The entry count comes from the file: stop early rather than walk a forged count.
        if (++listed > limits.maxZipEntries) throw tooMany;
        entries.set(name, { size: originalSize, compression });
        return false;
      },
    });
  } catch (error) {
    if (error === tooMany) throw tooMany;
    throw new ImportError(
      `${file.name} looks like a zip but is damaged or truncated; download or export it again.`,
    );
  }
  let total = 0;
  for (const [name, { size, compression }] of entries) {
    if (isUnsafeName(name)) {
      throw new ImportError(
        `${file.name} contains a file with an unsafe path ("${name}"), so the lab does not read it; ` +
          'import the zip the lab exported, or zip model.json with its weights file alone.',
      );
    }
    if (compression !== 0 && compression !== 8) {
      throw new ImportError(
        `${file.name} stores "${name}" with compression method ${compression}; re-zip it with ` +
          'standard (deflate) compression.',
      );
    }
    total += size;
    if (size > limits.maxBytes || total > limits.maxBytes) {
      throw new ImportError(
        `${file.name} would unpack to more than ${megabytes(limits.maxBytes)} ("${name}" alone ` +
          `declares ${megabytes(size)}); the lab imports generators up to that size and did not unpack it.`,
      );
    }
  }
  return {
    origin: file.name,
    names: [...entries.keys()].filter((name) => !name.endsWith('/')),
    read(name) {
      const expected = entries.get(name)!.size;
      let bytes: Uint8Array | undefined;
      try {
        bytes = unzipSync(file.bytes, { filter: (entry) => entry.name === name })[name];
      } catch {
        bytes = undefined;
      }
      if (!bytes || bytes.length !== expected) {
        throw new ImportError(
          `"${name}" in ${file.name} is damaged or truncated; download or export the generator again.`,
        );
      }
      return bytes;
    },
  };
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function plainFileSet(files: ImportFile[]): FileSet {
  const byName = new Map(files.map((file) => [baseName(file.name), file.bytes]));
  return { origin: 'the chosen files', names: [...byName.keys()], read: (name) => byName.get(name)! };
}

function fileSet(files: ImportFile[], limits: ImportLimits): FileSet {
  if (files.length === 0) {
    throw new ImportError(
      'No file was chosen: choose a generator .zip exported by the lab, or model.json together with its weights file.',
    );
  }
  let total = 0;
  for (const file of files) {
    total += file.bytes.length;
    if (file.bytes.length > limits.maxBytes || total > limits.maxBytes) {
      throw new ImportError(
        `${file.name} is ${megabytes(file.bytes.length)}; the lab imports generators up to ` +
          `${megabytes(limits.maxBytes)} (an exported seed generator is about 6 MB).`,
      );
    }
  }
  const zips = files.filter((file) => looksLikeZip(file.bytes));
  if (zips.length > 0 && files.length > 1) {
    throw new ImportError('Choose either one generator .zip or model.json with its weights file, not both.');
  }
  if (zips.length === 1) return zipFileSet(zips[0], limits);
  if (files.length === 1 && !looksLikeJson(files[0].bytes)) {
    const file = files[0];
    throw new ImportError(
      `${file.name} is neither a zip nor a TF.js model.json (it starts with bytes ${hexStart(file.bytes) || 'nothing'}); ` +
        'choose the .zip the lab exported, or model.json with its weights file.',
    );
  }
  return plainFileSet(files);
}

function findModelJson(files: FileSet): string {
  const candidates = files.names.filter(
    (name) => baseName(name) === MODEL_JSON && !name.startsWith('__MACOSX/'),
  );
  if (files.names.length === 1 && candidates.length === 0 && files.origin === 'the chosen files') {
    return files.names[0];
  }
  if (candidates.length === 0) {
    const found = files.names.slice(0, 5).map((name) => `"${name}"`).join(', ') || 'no files';
    throw new ImportError(
      `There is no ${MODEL_JSON} in ${files.origin} (found ${found}); a TF.js generator needs model.json ` +
        'and its weights file. Export the generator from the lab and import that zip.',
    );
  }
  if (candidates.length > 1) {
    throw new ImportError(
      `There are ${candidates.length} model.json files in ${files.origin} (${candidates.join(', ')}); ` +
        'keep one generator per zip.',
    );
  }
  return candidates[0];
}

interface WeightGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

function notLayersModel(detail: string): ImportError {
  return new ImportError(
    `model.json is not a TF.js Layers model: ${detail}. Export the generator from the lab, or convert ` +
      'a Keras model with tensorflowjs_converter --output_format=tfjs_layers_model.',
  );
}

function parseModelJson(bytes: Uint8Array): { json: Record<string, unknown>; groups: WeightGroup[] } {
  let json: unknown;
  try {
    json = JSON.parse(strFromU8(bytes));
  } catch (error) {
    throw new ImportError(
      `model.json is not valid JSON (${(error as Error).message}); it may be truncated — export or download it again.`,
    );
  }
  if (!isRecord(json)) throw notLayersModel('it holds no JSON object');
  if (json.format === 'graph-model') {
    throw new ImportError(
      'model.json is a TF.js graph model; the lab imports Layers models, which its own export writes ' +
        '(convert Keras models with tensorflowjs_converter --output_format=tfjs_layers_model).',
    );
  }
  if (!isRecord(json.modelTopology)) throw notLayersModel('it has no modelTopology');
  if (!Array.isArray(json.weightsManifest)) throw notLayersModel('it has no weightsManifest');
  const groups = json.weightsManifest.map((group): WeightGroup => {
    if (
      !isRecord(group) ||
      !Array.isArray(group.paths) ||
      !group.paths.every((path) => typeof path === 'string') ||
      !Array.isArray(group.weights)
    ) {
      throw notLayersModel('its weightsManifest entries need "paths" and "weights"');
    }
    for (const weight of group.weights) {
      if (
        !isRecord(weight) ||
        typeof weight.name !== 'string' ||
        !Array.isArray(weight.shape) ||
        !weight.shape.every((d) => Number.isInteger(d) && d >= 0) ||
        typeof weight.dtype !== 'string'
      ) {
        throw notLayersModel('a weight in its weightsManifest has no valid name, shape or dtype');
      }
    }
    return group as unknown as WeightGroup;
  });
  return { json, groups };
}

/** Bytes the weight specs describe. */
function describedBytes(groups: WeightGroup[]): number {
  let total = 0;
  for (const { weights } of groups) {
    for (const weight of weights) {
      const size = weight.shape.reduce((a, b) => a * b, 1);
      const perValue = weight.quantization
        ? QUANTIZED_BYTES[weight.quantization.dtype]
        : DTYPE_BYTES[weight.dtype];
      if (perValue === undefined) {
        throw notLayersModel(`weight "${weight.name}" has the unsupported dtype "${weight.quantization?.dtype ?? weight.dtype}"`);
      }
      total += size * perValue;
    }
  }
  return total;
}

/** Rejects a topology asking for layers wide enough to exhaust memory before weights are checked. */
function checkLayerWidths(topology: unknown, limits: ImportLimits): void {
  const widthKeys = new Set(['units', 'filters', 'input_dim', 'output_dim', 'inputDim', 'outputDim']);
  const stack: unknown[] = [topology];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...value);
    else if (isRecord(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (widthKeys.has(key) && typeof child === 'number' && !(child <= limits.maxLayerWidth)) {
          throw new ImportError(
            `model.json asks for a layer with ${key} = ${count(child)}; the lab imports generators whose ` +
              `layers have at most ${count(limits.maxLayerWidth)}.`,
          );
        }
        stack.push(child);
      }
    }
  }
}

const KERNEL_LAYERS = new Set(['Dense', 'Conv2D', 'Conv2DTranspose']);

function positiveInts(value: unknown): number[] | null {
  if (!Array.isArray(value)) return null;
  const dims = value.filter((d) => d !== null);
  return dims.every((d) => Number.isInteger(d) && d > 0) ? (dims as number[]) : null;
}

/**
 * Rejects a topology whose layers would need more parameters than the weights hold: tfjs
 * allocates (and initialises) every layer's weights from the topology before it looks at the
 * weights, so a few bytes of model.json could otherwise ask for gigabytes. Walks the layers in
 * order, as the lab's generators (Dense, Reshape, Conv2D, Conv2DTranspose) are built.
 */
function checkParameterCount(topology: Record<string, unknown>, groups: WeightGroup[]): void {
  const config = isRecord(topology.config) ? topology.config : topology;
  const layers = Array.isArray(config.layers) ? config.layers : [];
  let width: number | null = null;
  let needed = 0;
  for (const layer of layers) {
    if (!isRecord(layer) || !isRecord(layer.config)) continue;
    const layerConfig = layer.config;
    const input = positiveInts(layerConfig.batch_input_shape ?? layerConfig.batchInputShape);
    if (input && input.length > 0) width = input[input.length - 1];
    const className = String(layer.class_name ?? layer.className ?? '');
    if (className === 'Reshape') {
      const target = positiveInts(layerConfig.target_shape ?? layerConfig.targetShape);
      width = target && target.length > 0 ? target[target.length - 1] : null;
    } else if (KERNEL_LAYERS.has(className)) {
      const out = Number(className === 'Dense' ? layerConfig.units : layerConfig.filters);
      if (!Number.isInteger(out) || out <= 0) continue;
      const kernel = positiveInts(
        typeof layerConfig.kernel_size === 'number' ? [layerConfig.kernel_size, layerConfig.kernel_size] : layerConfig.kernel_size,
      );
      const window = className === 'Dense' ? 1 : (kernel ?? [1]).reduce((a, b) => a * b, 1);
      needed += window * (width ?? 1) * out + out;
      width = out;
    }
  }
  let held = 0;
  for (const { weights } of groups) for (const weight of weights) held += weight.shape.reduce((a, b) => a * b, 1);
  if (needed > held) {
    throw new ImportError(
      `model.json's layers need at least ${count(needed)} parameters but its weights hold ${count(held)}; ` +
        'the model and its weights do not belong together. Export or download the generator again.',
    );
  }
}

/** Disposes variables a failed tf.loadLayersModel left registered (it builds layers before it fails). */
function disposeVariablesSince(before: Set<string>): void {
  for (const [name, variable] of Object.entries(tf.engine().registeredVariables)) {
    if (!before.has(name)) variable.dispose();
  }
}

function dirName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash + 1);
}

function readWeights(files: FileSet, modelPath: string, groups: WeightGroup[]): Uint8Array {
  const dir = dirName(modelPath);
  const parts: Uint8Array[] = [];
  for (const { paths } of groups) {
    for (const path of paths) {
      const relative = path.replace(/^(\.\/)+/, '');
      const name = files.origin === 'the chosen files' ? baseName(relative) : dir + relative;
      if (!files.names.includes(name)) {
        const how =
          files.origin === 'the chosen files'
            ? 'choose it together with model.json'
            : 'export or download the generator again';
        throw new ImportError(
          `model.json needs the weights file "${baseName(relative)}", which is missing from ${files.origin}; ${how}.`,
        );
      }
      parts.push(files.read(name));
    }
  }
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const expected = describedBytes(groups);
  if (total !== expected) {
    const verdict = total < expected ? 'the weights are truncated' : 'the weights do not belong to this model.json';
    throw new ImportError(
      `model.json describes ${count(expected)} bytes of weights but the weights file holds ${count(total)}: ` +
        `${verdict}. Export or download the generator again.`,
    );
  }
  const weights = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    weights.set(part, offset);
    offset += part.length;
  }
  return weights;
}

function shapeText(shape: (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? '*' : d)).join(', ')}]`;
}

/**
 * Checks that the model maps [*, L] noise (L from 1 to MAX_LATENT_SIZE), and where `conditional`
 * allows it a [*, C] one-hot label, to 784 values per sample; L and C (null without a label).
 */
function checkGeneratorShape(model: tf.LayersModel, conditional: boolean): { latentSize: number; classes: number | null } {
  const labelled = model.inputs.length === 2 && model.inputNames[1] === LABEL_INPUT;
  if (labelled && !conditional) {
    throw new ImportError(
      'This generator is class-conditional (its second input is a digit label); the lab imports generators ' +
        'that take noise alone. Sample it by digit from the run it was trained in.',
    );
  }
  const classes = labelled ? model.inputs[1].shape[1] : null;
  if (labelled && !(classes !== null && classes !== undefined && classes >= 2)) {
    throw new ImportError(`The model's label input has shape ${shapeText(model.inputs[1].shape)}; it needs [*, C], C classes from 2.`);
  }
  if (model.inputs.length !== (labelled ? 2 : 1) || model.outputs.length !== 1) {
    throw new ImportError(
      `The model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; a generator has one of each.`,
    );
  }
  const input = model.inputs[0].shape;
  const latentSize = input[1];
  if (input.length !== 2 || latentSize === null || !(latentSize >= 1 && latentSize <= MAX_LATENT_SIZE)) {
    throw new ImportError(
      `The model takes input of shape ${shapeText(input)}; the lab's generators take [*, L]: ` +
        `L noise values per sample, from 1 to ${MAX_LATENT_SIZE}.`,
    );
  }
  const output = model.outputs[0].shape.slice(1);
  const values = output.reduce<number>((a, b) => a * (b ?? NaN), 1);
  if (values !== DIGIT_PIXELS) {
    throw new ImportError(
      `The model outputs ${Number.isNaN(values) ? 'a variable number of' : count(values)} values per sample ` +
        `(shape ${shapeText(model.outputs[0].shape)}); the lab needs ${DIGIT_PIXELS} (a 28x28 image).`,
    );
  }
  return { latentSize, classes: classes ?? null };
}

/**
 * Loads a generator from the chosen files: one zip (as the lab exports), or model.json with its
 * weights file(s) and optionally manifest.json. Throws ImportError with a message for the user.
 * A class-conditional generator loads only with `conditional` (the judge samples it by digit;
 * the lab's imported generators take noise alone).
 */
export async function importGenerator(
  input: ImportFile | ImportFile[],
  limits: ImportLimits = IMPORT_LIMITS,
  { conditional = false }: { conditional?: boolean } = {},
): Promise<ImportedGenerator> {
  const files = fileSet(Array.isArray(input) ? input : [input], limits);
  const modelPath = findModelJson(files);
  const { json, groups } = parseModelJson(files.read(modelPath));
  checkLayerWidths(json.modelTopology, limits);
  checkParameterCount(json.modelTopology as Record<string, unknown>, groups);
  const manifestPath = dirName(modelPath) + MANIFEST_JSON;
  const manifest = files.names.includes(manifestPath)
    ? parseManifest(strFromU8(files.read(manifestPath)))
    : null;
  const weights = readWeights(files, modelPath, groups);

  let model: tf.LayersModel;
  const variablesBefore = new Set(Object.keys(tf.engine().registeredVariables));
  // Tensors a failed build leaves behind go with the scope (variables are never scoped).
  tf.engine().startScope();
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology as object,
        weightSpecs: groups.flatMap((group) => group.weights),
        weightData: weights.buffer,
        format: typeof json.format === 'string' ? json.format : undefined,
      }),
    );
  } catch (error) {
    disposeVariablesSince(variablesBefore);
    throw notLayersModel(`tfjs could not build it (${(error as Error).message})`);
  } finally {
    tf.engine().endScope();
  }
  try {
    const { latentSize, classes } = checkGeneratorShape(model, conditional);
    if (manifest && manifest.latentSize !== latentSize) {
      throw new ImportError(
        `manifest.json says the generator takes ${manifest.latentSize} noise values but its model takes ${latentSize}; ` +
          'the two do not belong together. Export the generator again.',
      );
    }
    return { model, manifest, latentSize, classes };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
