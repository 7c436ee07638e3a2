/**
 * A generator as a Keras 2 whole-model `.h5` (what `model.save('x.h5')` writes), so the Keras
 * scripts' `sample.py` loads it with `keras.models.load_model` unchanged. The layout is Keras's
 * legacy H5 format: root attributes `model_config` (the Sequential's JSON), `keras_version` and
 * `backend`; a group `model_weights` listing `layer_names`, one group per layer listing its
 * `weight_names`, and the weights at `model_weights/<layer>/<layer>/<weight>:0`.
 */
import type { ExportLayer, ExportNetwork, GeneratorSource } from './generatorLayers';
import { exportNetwork } from './generatorLayers';
import { loadH5wasm, scratchName } from './h5wasmLoader';

export const KERAS_VERSION = '2.13.1';
export const KERAS_BACKEND = 'tensorflow';

export interface KerasLayer {
  class_name: string;
  config: Record<string, unknown> & { name: string };
}

export interface KerasWeight {
  /** e.g. "kernel:0" */
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface KerasModel {
  /** The Sequential's layers, its InputLayer first. */
  layers: KerasLayer[];
  /** Weights by layer name, in Keras's order. */
  weights: Map<string, KerasWeight[]>;
}

const SNAKE_NAMES: Record<string, string> = {
  Dense: 'dense',
  LeakyReLU: 'leaky_re_lu',
  ReLU: 're_lu',
  Activation: 'activation',
  Reshape: 'reshape',
  Conv2D: 'conv2d',
  Conv2DTranspose: 'conv2d_transpose',
  BatchNormalization: 'batch_normalization',
};

/** Keras's default layer names: dense, dense_1, … counted per class. */
function namer(): (className: string) => string {
  const counts = new Map<string, number>();
  return (className) => {
    const n = counts.get(className) ?? 0;
    counts.set(className, n + 1);
    const base = SNAKE_NAMES[className];
    return n === 0 ? base : `${base}_${n}`;
  };
}

const BASE = { trainable: true, dtype: 'float32' };

function kerasLayer(layer: ExportLayer, name: (className: string) => string): { layer: KerasLayer; weights: KerasWeight[] } {
  switch (layer.kind) {
    case 'dense': {
      const layerName = name('Dense');
      const weights: KerasWeight[] = [{ name: 'kernel:0', shape: [layer.inputSize, layer.units], values: layer.kernel }];
      if (layer.bias) weights.push({ name: 'bias:0', shape: [layer.units], values: layer.bias });
      return {
        layer: {
          class_name: 'Dense',
          config: { name: layerName, ...BASE, units: layer.units, activation: 'linear', use_bias: layer.bias !== null },
        },
        weights,
      };
    }
    case 'leakyRelu':
      return { layer: { class_name: 'LeakyReLU', config: { name: name('LeakyReLU'), ...BASE, alpha: layer.alpha } }, weights: [] };
    case 'relu':
      return { layer: { class_name: 'ReLU', config: { name: name('ReLU'), ...BASE, max_value: null, negative_slope: 0, threshold: 0 } }, weights: [] };
    case 'tanh':
    case 'sigmoid':
      return { layer: { class_name: 'Activation', config: { name: name('Activation'), ...BASE, activation: layer.kind } }, weights: [] };
    case 'reshape':
      return { layer: { class_name: 'Reshape', config: { name: name('Reshape'), ...BASE, target_shape: [...layer.shape] } }, weights: [] };
    case 'conv2d':
    case 'conv2dTranspose': {
      const className = layer.kind === 'conv2d' ? 'Conv2D' : 'Conv2DTranspose';
      const layerName = name(className);
      const k = layer.kernelSize;
      const kernelShape = layer.kind === 'conv2d' ? [k, k, layer.inChannels, layer.filters] : [k, k, layer.filters, layer.inChannels];
      const weights: KerasWeight[] = [{ name: 'kernel:0', shape: kernelShape, values: layer.kernel }];
      if (layer.bias) weights.push({ name: 'bias:0', shape: [layer.filters], values: layer.bias });
      return {
        layer: {
          class_name: className,
          config: {
            name: layerName,
            ...BASE,
            filters: layer.filters,
            kernel_size: [k, k],
            strides: [layer.stride, layer.stride],
            padding: 'same',
            data_format: 'channels_last',
            dilation_rate: [1, 1],
            activation: 'linear',
            use_bias: layer.bias !== null,
            ...(layer.kind === 'conv2dTranspose' ? { output_padding: null } : { groups: 1 }),
          },
        },
        weights,
      };
    }
    case 'batchNorm': {
      const layerName = name('BatchNormalization');
      const shape = [layer.channels];
      return {
        layer: {
          class_name: 'BatchNormalization',
          config: { name: layerName, ...BASE, axis: -1, momentum: 0.99, epsilon: layer.epsilon, center: true, scale: true },
        },
        weights: [
          { name: 'gamma:0', shape, values: layer.gamma },
          { name: 'beta:0', shape, values: layer.beta },
          { name: 'moving_mean:0', shape, values: layer.mean },
          { name: 'moving_variance:0', shape, values: layer.variance },
        ],
      };
    }
    case 'label':
      throw new Error(
        'This generator is class-conditional (it takes a digit label besides the noise); the Keras export writes ' +
          'generators that take noise alone, as the Keras scripts train them. Export it as TF.js or ONNX instead.',
      );
  }
}

/** The Keras layers and weights of a generator (throws for one the export cannot write). */
export function kerasModel(network: ExportNetwork): KerasModel {
  if (network.classes !== null) kerasLayer({ kind: 'label', classes: network.classes }, namer());
  const name = namer();
  const layers: KerasLayer[] = [
    {
      class_name: 'InputLayer',
      config: { batch_input_shape: [null, network.inputSize], dtype: 'float32', sparse: false, ragged: false, name: 'input_1' },
    },
  ];
  const weights = new Map<string, KerasWeight[]>();
  for (const layer of network.layers) {
    const converted = kerasLayer(layer, name);
    layers.push(converted.layer);
    weights.set(converted.layer.config.name, converted.weights);
  }
  return { layers, weights };
}

/** The `model_config` attribute: the Sequential as Keras 2 serialises it. */
export function kerasModelConfig(model: KerasModel): string {
  return JSON.stringify({ class_name: 'Sequential', config: { name: 'generator', layers: model.layers } });
}

/** Fixed-length byte strings, as h5py writes a list of names (Keras reads them back with .decode). */
function byteStrings(values: string[]): { data: string[]; dtype: string } {
  // Layer names are ASCII (Keras names, or checked on import).
  const longest = Math.max(1, ...values.map((v) => v.length));
  return { data: values, dtype: `A${longest}` };
}

/**
 * Writes `model` as a Keras `.h5`: whole model (model_config + model_weights) or, with
 * `weightsOnly`, the `save_weights` layout (the same groups at the root).
 */
export async function writeKerasH5(model: KerasModel, options: { weightsOnly?: boolean } = {}): Promise<Uint8Array<ArrayBuffer>> {
  const { h5, fs } = await loadH5wasm();
  const path = scratchName();
  const file = new h5.File(path, 'w');
  try {
    const layerNames = model.layers.filter((l) => l.class_name !== 'InputLayer').map((l) => l.config.name);
    let root: ReturnType<typeof file.create_group> = file;
    if (!options.weightsOnly) {
      file.create_attribute('keras_version', KERAS_VERSION);
      file.create_attribute('backend', KERAS_BACKEND);
      file.create_attribute('model_config', kerasModelConfig(model));
      root = file.create_group('model_weights');
    }
    const names = byteStrings(layerNames);
    root.create_attribute('layer_names', names.data, [names.data.length], names.dtype);
    root.create_attribute('backend', KERAS_BACKEND);
    root.create_attribute('keras_version', KERAS_VERSION);
    for (const layerName of layerNames) {
      const group = root.create_group(layerName);
      const weights = model.weights.get(layerName) ?? [];
      if (weights.length === 0) {
        // Keras writes an empty float array for a layer without weights.
        group.create_attribute('weight_names', new Float64Array(0), [0], '<f8');
        continue;
      }
      const weightNames = byteStrings(weights.map((w) => `${layerName}/${w.name}`));
      group.create_attribute('weight_names', weightNames.data, [weightNames.data.length], weightNames.dtype);
      const inner = group.create_group(layerName);
      for (const weight of weights) {
        inner.create_dataset({ name: weight.name, data: weight.values, shape: weight.shape, dtype: '<f4' });
      }
    }
    file.flush();
  } finally {
    file.close();
  }
  try {
    // A copy out of h5wasm's memory, so the bytes can be transferred to the page.
    return new Uint8Array(fs.readFile(path));
  } finally {
    fs.unlink(path);
  }
}

/** A generator (saved, training or imported) as a Keras 2 whole-model `.h5`. */
export async function exportGeneratorKeras(source: GeneratorSource): Promise<Uint8Array<ArrayBuffer>> {
  return writeKerasH5(kerasModel(await exportNetwork(source)));
}
