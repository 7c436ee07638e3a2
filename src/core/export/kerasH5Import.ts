/**
 * A Keras 2 `.h5` generator (what `model.save` writes: model_config + model_weights) or a
 * weights-only one (`save_weights`) with the lab recipe that describes it, read with h5wasm and
 * rebuilt as a tf.layers Sequential the lab samples and exports like any import. Everything is
 * checked (layer classes, shapes from noise to 784 pixels, every weight's shape) before tfjs
 * builds a variable; every failure is an ImportError naming the file and what is wrong.
 */
import * as tf from '@tensorflow/tfjs';
import { strFromU8 } from 'fflate';
import { DIGIT_PIXELS } from '../digits';
import { MAX_LATENT_SIZE, type Recipe } from '../recipe';
import { weightShapes } from '../architecture';
import { networkFromSpec } from './generatorLayers';
import { IMPORT_LIMITS, type ImportFile, type ImportLimits, type ImportedGenerator } from './generatorImport';
import { loadH5wasm, scratchName } from './h5wasmLoader';
import { ImportError } from './importError';
import { type KerasLayer, kerasModel } from './kerasH5Export';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether `bytes` start as an HDF5 file does (`\x89HDF\r\n\x1a\n`), whatever the file is called. */
export function looksLikeHdf5(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && HDF5_SIGNATURE.every((b, i) => bytes[i] === b);
}

const SUPPORTED = ['Dense', 'LeakyReLU', 'ReLU', 'Dropout', 'Activation', 'Reshape', 'Flatten', 'Conv2D', 'Conv2DTranspose', 'BatchNormalization'];
const ACTIVATIONS = new Set(['linear', 'relu', 'tanh', 'sigmoid']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return strFromU8(value);
  return null;
}

function stringList(value: unknown): string[] | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? (value as string[]) : null;
  // An empty float array: Keras's weight_names of a layer without weights.
  if (ArrayBuffer.isView(value) && (value as unknown as ArrayLike<number>).length === 0) return [];
  return null;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** "an LSTM", "a Dense", "an Embedding": acronyms by their first letter's name. */
function article(className: string): string {
  const acronym = /^[A-Z]{2}/.test(className);
  return (acronym ? /^[AEFHILMNORSX]/ : /^[AEIOU]/).test(className) ? 'an' : 'a';
}

/** Minimal read access over h5wasm's objects, so the checks below read as Keras's loader does. */
interface H5Node {
  attrs: Record<string, { value: unknown }>;
  get(path: string): unknown;
}

export interface Weight {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** A layer to build: its Keras class and config, the shape it takes and gives, its weights. */
export interface Planned {
  className: string;
  name: string;
  config: Record<string, unknown>;
  inShape: number[];
  outShape: number[];
  weights: Weight[];
}

export interface KerasImportOptions {
  /** The recipe whose generator a weights-only file holds the weights of. */
  recipe?: Recipe | null;
  limits?: ImportLimits;
}

/** Loads a Keras `.h5` generator; throws ImportError with a message for the user. */
export async function importKerasH5(file: ImportFile, options: KerasImportOptions = {}): Promise<ImportedGenerator> {
  const planned = await planKerasH5(file, options);
  let model: tf.LayersModel;
  try {
    model = build(planned.layers, planned.latentSize);
  } catch (error) {
    throw kerasFileError(file)(`tfjs could not build its layers (${(error as Error).message}); the lab cannot read this generator.`);
  }
  return { model, manifest: null, latentSize: planned.latentSize, classes: null };
}

/** The checked layer plan of a Keras generator file: each layer with its shapes and weights. */
export interface KerasPlan {
  layers: Planned[];
  latentSize: number;
}

/** An ImportError maker whose messages begin with the file's name. */
export function kerasFileError(file: { name: string }): (detail: string) => ImportError {
  return (detail) => new ImportError(`${file.name}: ${detail}`);
}

/**
 * Reads and checks a Keras `.h5` generator without building anything: every layer known, every
 * shape from noise to 784 values, every weight's shape. Throws ImportError naming the file.
 */
export async function planKerasH5(file: ImportFile, options: KerasImportOptions = {}): Promise<KerasPlan> {
  const limits = options.limits ?? IMPORT_LIMITS;
  const fail = kerasFileError(file);
  if (file.bytes.length > limits.maxBytes) {
    throw fail(`the file is ${(file.bytes.length / 2 ** 20).toFixed(1)} MB; the lab imports generators up to ${(limits.maxBytes / 2 ** 20).toFixed(1)} MB and did not read it.`);
  }
  if (!looksLikeHdf5(file.bytes)) {
    throw fail('this is not an HDF5 file (it does not start with the HDF5 signature); choose a Keras .h5 saved by model.save or model.save_weights.');
  }
  const { h5, fs } = await loadH5wasm();
  const path = scratchName();
  fs.writeFile(path, file.bytes);
  let h5file: InstanceType<typeof h5.File> | null = null;
  try {
    try {
      h5file = new h5.File(path, 'r');
    } catch {
      throw fail('the HDF5 file is damaged or truncated and cannot be opened; save or download it again.');
    }
    return guarded(fail, () => plan(h5file as unknown as H5Node, options.recipe ?? null, limits, fail));
  } finally {
    try {
      h5file?.close();
    } catch {
      // A damaged file may fail to close; the bytes are dropped below either way.
    }
    fs.unlink(path);
  }
}

/** Runs a read of the file, turning whatever a damaged file makes h5wasm throw into an ImportError. */
function guarded<T>(fail: (detail: string) => ImportError, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw fail('the HDF5 file is damaged (a part of it cannot be read); save or download it again.');
  }
}

function attr(node: H5Node, name: string): unknown {
  const attribute = node.attrs[name];
  return attribute === undefined ? undefined : attribute.value;
}

function plan(
  root: H5Node,
  recipe: Recipe | null,
  limits: ImportLimits,
  fail: (detail: string) => ImportError,
): { layers: Planned[]; latentSize: number } {
  const configText = text(attr(root, 'model_config'));
  let layers: KerasLayer[];
  let weightsRoot: H5Node;
  /** Whole model: weights by layer name; weights-only: by order among layers with weights (as Keras's load_weights). */
  let byOrder = false;
  if (configText !== null) {
    layers = modelLayers(configText, fail);
    const group = root.get('model_weights');
    if (!group || !isRecord(group) || !('attrs' in group)) {
      throw fail('it has a model_config but no model_weights group, so it holds no weights; save the model with model.save.');
    }
    weightsRoot = group as unknown as H5Node;
  } else if (attr(root, 'layer_names') !== undefined) {
    if (!recipe) {
      throw fail(
        'this is a weights-only file (model.save_weights): it has no model_config saying how its layers fit together. ' +
          'Choose it together with a recipe .json (the recipe box\'s text saved as a file) whose generator it belongs to.',
      );
    }
    const spec = recipe.generator;
    layers = kerasModel(networkFromSpec({ spec, weights: weightShapes(spec).map((s) => new Float32Array(s.reduce((a, b) => a * b, 1))) })).layers;
    weightsRoot = root;
    byOrder = true;
  } else {
    throw fail('this HDF5 file holds no Keras model: it has neither a model_config attribute nor layer_names. Choose a generator saved by model.save.');
  }

  const layerNames = stringList(attr(weightsRoot, 'layer_names'));
  if (layerNames === null) throw fail('its layer_names attribute is missing or not a list of names; the file is not a Keras model file.');
  const weighted = layerNames.filter((name) => (stringList(attr(layerGroup(weightsRoot, name, fail), 'weight_names')) ?? []).length > 0);
  const [input, ...body] = layers;
  let latentSize: number;
  let chain: KerasLayer[];
  if (input.class_name === 'InputLayer') {
    latentSize = inputWidth(input.config.batch_input_shape, fail);
    chain = body;
  } else {
    latentSize = inputWidth(input.config.batch_input_shape ?? (input.config.input_dim ? [null, input.config.input_dim] : undefined), fail);
    chain = layers;
  }
  if (recipe && latentSize !== recipe.generator.inputSize) {
    throw fail(`its generator takes ${latentSize} noise values but the recipe's takes ${recipe.generator.inputSize}.`);
  }
  let shape = [latentSize];
  let weightedIndex = 0;
  let budget = Math.floor(limits.maxBytes / 4);
  const planned: Planned[] = [];
  for (const layer of chain) {
    const { class_name: className, config } = layer;
    const name = String(config.name);
    if (!SUPPORTED.includes(className)) {
      throw fail(`layer '${name}' is ${article(className)} ${className}; the lab reads ${SUPPORTED.slice(0, -1).join(', ')} and ${SUPPORTED.at(-1)} layers.`);
    }
    const where = `layer '${name}' (${className})`;
    const outShape = outputShape(className, config, shape, where, fail);
    const expected = weightShapesOf(className, config, shape, outShape);
    let weights: Weight[] = [];
    if (expected.length > 0) {
      let groupName = name;
      if (byOrder) {
        groupName = weighted[weightedIndex++];
        if (groupName === undefined) {
          throw fail(`it holds weights for ${weighted.length} layers but the recipe's generator has more (${where} has none); the file and the recipe do not belong together.`);
        }
      } else if (!layerNames.includes(name)) {
        throw fail(`${where} is in model_config but not in model_weights' layer_names; the file is inconsistent, save it again.`);
      }
      weights = readWeights(layerGroup(weightsRoot, groupName, fail), groupName, expected, where, fail);
      for (const w of weights) budget -= w.values.length;
      if (budget < 0) throw fail(`its weights hold more values than a ${(limits.maxBytes / 2 ** 20).toFixed(0)} MB generator can.`);
    }
    planned.push({ className, name, config, inShape: shape, outShape, weights });
    shape = outShape;
  }
  if (byOrder && weightedIndex !== weighted.length) {
    throw fail(`it holds weights for ${weighted.length} layers but the recipe's generator has ${weightedIndex} layers with weights; the file and the recipe do not belong together.`);
  }
  const values = shape.reduce((a, b) => a * b, 1);
  if (values !== DIGIT_PIXELS) {
    throw fail(`the model turns ${latentSize} noise values into ${shapeText(shape)} (${values} values per sample); a generator gives ${DIGIT_PIXELS} (a 28x28 image).`);
  }
  return { layers: planned, latentSize };
}

function modelLayers(configText: string, fail: (detail: string) => ImportError): KerasLayer[] {
  let config: unknown;
  try {
    config = JSON.parse(configText);
  } catch {
    throw fail('its model_config attribute is not valid JSON; the file is damaged, save it again.');
  }
  if (!isRecord(config) || !isRecord(config.config)) throw fail('its model_config is not a Keras model description.');
  if (config.class_name !== 'Sequential') {
    throw fail(`its model is a Keras ${String(config.class_name)} model; the lab reads Sequential generators (a chain of layers from noise to image), as the Keras scripts build them.`);
  }
  const layers = config.config.layers;
  if (!Array.isArray(layers) || layers.length === 0) throw fail('its model_config lists no layers.');
  return layers.map((layer, i) => {
    if (!isRecord(layer) || typeof layer.class_name !== 'string' || !isRecord(layer.config)) {
      throw fail(`layer ${i} of its model_config has no class_name or config.`);
    }
    return { class_name: layer.class_name, config: { ...layer.config, name: String(layer.config.name ?? `layer ${i}`) } };
  });
}

function inputWidth(batchInputShape: unknown, fail: (detail: string) => ImportError): number {
  if (!Array.isArray(batchInputShape) || batchInputShape.length !== 2 || !Number.isInteger(batchInputShape[1])) {
    throw fail(`the model's input has shape ${JSON.stringify(batchInputShape ?? null)}; the lab's generators take [batch, L] noise values.`);
  }
  const width = batchInputShape[1] as number;
  if (!(width >= 1 && width <= MAX_LATENT_SIZE)) {
    throw fail(`the model takes ${width} noise values per sample; the lab's generators take 1 to ${MAX_LATENT_SIZE}.`);
  }
  return width;
}

function pair(value: unknown): number | null {
  if (Number.isInteger(value)) return value as number;
  if (Array.isArray(value) && value.length === 2 && value[0] === value[1] && Number.isInteger(value[0])) return value[0] as number;
  return null;
}

function checkActivation(config: Record<string, unknown>, where: string, fail: (detail: string) => ImportError): void {
  const activation = config.activation ?? 'linear';
  if (typeof activation !== 'string' || !ACTIVATIONS.has(activation)) {
    throw fail(`${where} uses the activation ${JSON.stringify(activation)}; the lab reads linear, relu, tanh and sigmoid.`);
  }
}

function outputShape(
  className: string,
  config: Record<string, unknown>,
  shape: number[],
  where: string,
  fail: (detail: string) => ImportError,
): number[] {
  const size = shape.reduce((a, b) => a * b, 1);
  switch (className) {
    case 'Dense': {
      checkActivation(config, where, fail);
      const units = config.units;
      if (!Number.isInteger(units) || (units as number) < 1 || (units as number) > IMPORT_LIMITS.maxLayerWidth) {
        throw fail(`${where} has ${JSON.stringify(units)} units; 1 to ${IMPORT_LIMITS.maxLayerWidth} expected.`);
      }
      if (shape.length !== 1) throw fail(`${where} follows a layer giving ${shapeText(shape)}; the lab reads Dense layers on flat values (add a Reshape or Flatten).`);
      return [units as number];
    }
    case 'Reshape': {
      const target = config.target_shape;
      if (!Array.isArray(target) || !target.every((d) => Number.isInteger(d) && (d > 0 || d === -1)) || target.filter((d) => d === -1).length > 1) {
        throw fail(`${where} has the target_shape ${JSON.stringify(target)}; positive sizes expected.`);
      }
      const known = (target as number[]).filter((d) => d > 0).reduce((a, b) => a * b, 1);
      const out = (target as number[]).map((d) => (d === -1 ? size / known : d));
      if (out.reduce((a, b) => a * b, 1) !== size || !out.every(Number.isInteger)) {
        throw fail(`${where} reshapes ${shapeText(shape)} (${size} values) into ${JSON.stringify(target)}, which does not hold the same number of values.`);
      }
      if (out.length !== 1 && out.length !== 3) throw fail(`${where} reshapes into ${shapeText(out)}; the lab reads flat [n] or image [h, w, c] shapes.`);
      return out;
    }
    case 'Flatten':
      return [size];
    case 'Conv2D':
    case 'Conv2DTranspose': {
      checkActivation(config, where, fail);
      const filters = config.filters;
      const k = pair(config.kernel_size);
      const s = pair(config.strides ?? 1);
      const dilation = pair(config.dilation_rate ?? 1);
      if (!Number.isInteger(filters) || (filters as number) < 1 || (filters as number) > IMPORT_LIMITS.maxLayerWidth || k === null || k < 1 || k > 64 || s === null || s < 1 || s > 64) {
        throw fail(`${where} has filters ${JSON.stringify(filters)}, kernel_size ${JSON.stringify(config.kernel_size)} and strides ${JSON.stringify(config.strides)}; the lab reads square kernels and strides.`);
      }
      if (config.padding !== 'same' || (config.data_format ?? 'channels_last') !== 'channels_last' || dilation !== 1 || (config.groups ?? 1) !== 1 || (config.output_padding ?? null) !== null) {
        throw fail(`${where}: the lab reads 'same'-padded, channels_last, undilated convolutions (padding ${JSON.stringify(config.padding)}, data_format ${JSON.stringify(config.data_format)}).`);
      }
      if (shape.length !== 3) throw fail(`${where} follows a layer giving ${shapeText(shape)}; a convolution takes [h, w, c] (add a Reshape before it).`);
      const [h, w] = shape;
      return className === 'Conv2D' ? [Math.ceil(h / s), Math.ceil(w / s), filters as number] : [h * s, w * s, filters as number];
    }
    case 'BatchNormalization': {
      const axis = Array.isArray(config.axis) && config.axis.length === 1 ? config.axis[0] : config.axis ?? -1;
      if (axis !== -1 && axis !== shape.length) throw fail(`${where} normalises axis ${JSON.stringify(config.axis)}; the lab reads batch normalisation over the last (channels) axis.`);
      return shape;
    }
    case 'Activation':
      checkActivation(config, where, fail);
      return shape;
    case 'ReLU':
      if (config.max_value != null || (Number(config.negative_slope ?? 0) !== 0) || Number(config.threshold ?? 0) !== 0) {
        throw fail(`${where} has max_value, negative_slope or threshold set; the lab reads the plain ReLU (use LeakyReLU for a slope).`);
      }
      return shape;
    default:
      return shape;
  }
}

/** The weights Keras keeps for a layer, by name and shape, in its order. */
function weightShapesOf(className: string, config: Record<string, unknown>, inShape: number[], outShape: number[]): { name: string; shape: number[] }[] {
  const useBias = config.use_bias !== false;
  const channels = outShape[outShape.length - 1];
  switch (className) {
    case 'Dense':
      return [{ name: 'kernel', shape: [inShape[0], channels] }, ...(useBias ? [{ name: 'bias', shape: [channels] }] : [])];
    case 'Conv2D':
    case 'Conv2DTranspose': {
      const k = pair(config.kernel_size)!;
      const inChannels = inShape[2];
      const kernel = className === 'Conv2D' ? [k, k, inChannels, channels] : [k, k, channels, inChannels];
      return [{ name: 'kernel', shape: kernel }, ...(useBias ? [{ name: 'bias', shape: [channels] }] : [])];
    }
    case 'BatchNormalization':
      return [
        ...(config.scale !== false ? [{ name: 'gamma', shape: [channels] }] : []),
        ...(config.center !== false ? [{ name: 'beta', shape: [channels] }] : []),
        { name: 'moving_mean', shape: [channels] },
        { name: 'moving_variance', shape: [channels] },
      ];
    default:
      return [];
  }
}

function layerGroup(weightsRoot: H5Node, name: string, fail: (detail: string) => ImportError): H5Node {
  const group = weightsRoot.get(name);
  if (!group || !isRecord(group) || !('attrs' in group) || 'shape' in group) {
    throw fail(`layer_names lists '${name}' but the file has no group of that name holding its weights; the file is damaged, save it again.`);
  }
  return group as unknown as H5Node;
}

function readWeights(
  group: H5Node,
  layerName: string,
  expected: { name: string; shape: number[] }[],
  where: string,
  fail: (detail: string) => ImportError,
): Weight[] {
  const names = stringList(attr(group, 'weight_names'));
  if (names === null) throw fail(`${where} has no weight_names list; the file is damaged, save it again.`);
  if (names.length !== expected.length) {
    throw fail(`${where} holds ${names.length} weights but its config needs ${expected.length} (${expected.map((w) => w.name).join(', ')}).`);
  }
  return names.map((weightName, i) => {
    const want = expected[i];
    const dataset = group.get(weightName) as { shape?: number[] | null; value?: unknown; metadata?: { type?: number } } | null;
    if (!dataset || !isRecord(dataset) || !('shape' in dataset)) {
      throw fail(`weight '${weightName}' of ${where} is listed but not stored in the file; the file is damaged, save it again.`);
    }
    const shape = dataset.shape ?? [];
    if (shape.length !== want.shape.length || shape.some((d, j) => d !== want.shape[j])) {
      throw fail(`weight '${weightName}' of ${where} has shape ${shapeText(shape)} but the layer's config needs ${shapeText(want.shape)} for its ${want.name}.`);
    }
    const value = dataset.value;
    if (!(value instanceof Float32Array || value instanceof Float64Array)) {
      throw fail(`weight '${weightName}' of ${where} is not stored as floating-point numbers.`);
    }
    const values = new Float32Array(value);
    if (!values.every(Number.isFinite)) throw fail(`weight '${weightName}' of ${where} holds NaN or infinite values.`);
    return { name: `${layerName}/${want.name}`, shape: want.shape, values };
  });
}

/** The checked plan as a tf.layers Sequential with the file's weights (caller disposes). */
function build(layers: Planned[], latentSize: number): tf.LayersModel {
  const model = tf.sequential({ name: 'keras_generator' });
  try {
    fill(model, layers, latentSize);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

function fill(model: tf.Sequential, layers: Planned[], latentSize: number): void {
  model.add(tf.layers.inputLayer({ batchInputShape: [null, latentSize] }));
  const built: tf.layers.Layer[] = [];
  const add = (layer: tf.layers.Layer) => {
    model.add(layer);
    built.push(layer);
  };
  for (const { className, config, outShape } of layers) {
    const activation = (config.activation ?? 'linear') as 'linear';
    const useBias = config.use_bias !== false;
    switch (className) {
      case 'Dense':
        add(tf.layers.dense({ units: outShape[0], activation, useBias }));
        break;
      case 'LeakyReLU':
        add(tf.layers.leakyReLU({ alpha: Number(config.alpha ?? 0.3) }));
        break;
      case 'ReLU':
        add(tf.layers.reLU());
        break;
      case 'Activation':
        add(tf.layers.activation({ activation }));
        break;
      case 'Dropout':
        add(tf.layers.dropout({ rate: Math.min(Math.max(Number(config.rate) || 0, 0), 0.99) }));
        break;
      case 'Reshape':
      case 'Flatten':
        add(tf.layers.reshape({ targetShape: outShape }));
        break;
      case 'Conv2D':
      case 'Conv2DTranspose': {
        const args = { filters: outShape[2], kernelSize: pair(config.kernel_size)!, strides: pair(config.strides ?? 1)!, padding: 'same' as const, activation, useBias };
        add(className === 'Conv2D' ? tf.layers.conv2d(args) : tf.layers.conv2dTranspose(args));
        break;
      }
      case 'BatchNormalization':
        add(
          tf.layers.batchNormalization({
            axis: -1,
            epsilon: Number(config.epsilon ?? 1e-3),
            momentum: Number(config.momentum ?? 0.99),
            center: config.center !== false,
            scale: config.scale !== false,
          }),
        );
        break;
      default:
        throw new Error(`Unplanned layer ${className}.`);
    }
  }
  // Per layer: the model's own list puts every trainable weight before the moving statistics.
  layers.forEach((layer, i) => {
    if (layer.weights.length === 0) return;
    const weights = layer.weights.map((w) => tf.tensor(w.values, w.shape));
    try {
      built[i].setWeights(weights);
    } finally {
      tf.dispose(weights);
    }
  });
}
