/**
 * A Keras `.h5` generator as the lab's own network: the checked layer plan of kerasH5Import
 * turned into a NetworkSpec with its weights in the order weightShapes lists them, so that the
 * file's generator can be stored as a checkpoint, sampled by the lab's forward pass and carried
 * by a recipe. Keras layers that fold an activation in (Dense, Conv2D with `activation`) become
 * the layer and its activation; Flatten becomes a reshape; an image-shaped output is flattened.
 */
import { BATCH_NORM_EPSILON, type LayerSpec, type NetworkSpec, layerOutputShapes, weightShapes } from '../architecture';
import { DIGIT_PIXELS } from '../digits';
import type { ImportFile } from './generatorImport';
import { type SpecWithWeights, kerasActivation } from './generatorLayers';
import type { ImportError } from './importError';
import { type KerasImportOptions, type KerasPlan, type Planned, kerasFileError, planKerasH5 } from './kerasH5Import';

/** Reads a Keras `.h5` generator as a lab network with its weights; throws ImportError naming the file. */
export async function readKerasH5Network(file: ImportFile, options: KerasImportOptions = {}): Promise<SpecWithWeights> {
  return kerasNetwork(await planKerasH5(file, options), kerasFileError(file));
}

/** One layer of the plan as lab layers, with its parameters and its state in the lab's order. */
interface Converted {
  layers: LayerSpec[];
  params: Float32Array[];
  state: Float32Array[];
}

/** The plan as a NetworkSpec and weights (parameters, then state), checked against weightShapes. */
export function kerasNetwork(plan: KerasPlan, fail: (detail: string) => ImportError): SpecWithWeights {
  const layers: LayerSpec[] = [];
  const params: Float32Array[] = [];
  const state: Float32Array[] = [];
  for (const planned of plan.layers) {
    const converted = convert(planned, fail);
    layers.push(...converted.layers);
    params.push(...converted.params);
    state.push(...converted.state);
  }
  const spec: NetworkSpec = { name: 'generator', inputSize: plan.latentSize, layers };
  const shapes = layerOutputShapes(spec);
  if ((shapes.at(-1) ?? [plan.latentSize]).length !== 1) spec.layers.push({ kind: 'reshape', shape: [DIGIT_PIXELS] });
  const weights = [...params, ...state];
  const expected = weightShapes(spec);
  const mismatch = expected.findIndex((shape, i) => weights[i]?.length !== shape.reduce((a, b) => a * b, 1));
  if (weights.length !== expected.length || mismatch >= 0) {
    throw fail(`its weights do not fit the lab's network built from its layers (tensor ${mismatch + 1} of ${expected.length}); the lab cannot read this generator.`);
  }
  return { spec, weights };
}

function convert(planned: Planned, fail: (detail: string) => ImportError): Converted {
  const { className, config, outShape, name } = planned;
  const where = `layer '${name}' (${className})`;
  const weight = (suffix: string) => planned.weights.find((w) => w.name.endsWith(`/${suffix}`))?.values;
  const channels = outShape[outShape.length - 1];
  /** A bias-free Keras layer has the lab's bias at zero. */
  const bias = () => weight('bias') ?? new Float32Array(channels);
  switch (className) {
    case 'Dense':
      return { layers: [{ kind: 'dense', units: channels }, ...activation(config.activation)], params: [weight('kernel')!, bias()], state: [] };
    case 'Conv2D':
    case 'Conv2DTranspose': {
      const kind = className === 'Conv2D' ? 'conv2d' : 'conv2dTranspose';
      const kernel = square(config.kernel_size);
      const stride = square(config.strides ?? 1);
      return { layers: [{ kind, filters: channels, kernel, stride }, ...activation(config.activation)], params: [weight('kernel')!, bias()], state: [] };
    }
    case 'BatchNormalization': {
      const epsilon = Number(config.epsilon ?? BATCH_NORM_EPSILON);
      if (Math.abs(epsilon - BATCH_NORM_EPSILON) > 1e-12) {
        throw fail(`${where} has epsilon ${epsilon}; the lab's batch normalisation uses Keras's default, ${BATCH_NORM_EPSILON}.`);
      }
      const momentum = Number(config.momentum ?? 0.99);
      return {
        layers: [{ kind: 'batchNorm', ...(momentum === 0.99 ? {} : { momentum }) }],
        params: [weight('gamma') ?? new Float32Array(channels).fill(1), weight('beta') ?? new Float32Array(channels)],
        state: [weight('moving_mean')!, weight('moving_variance')!],
      };
    }
    case 'LeakyReLU':
      return plain([{ kind: 'leakyRelu', alpha: Number(config.alpha ?? 0.3) }]);
    case 'ReLU':
      return plain([{ kind: 'relu' }]);
    case 'Activation':
      return plain(activation(config.activation));
    case 'Dropout': {
      const rate = Number(config.rate ?? 0);
      if (!(rate >= 0 && rate < 1)) throw fail(`${where} has the rate ${JSON.stringify(config.rate)}; 0 up to (not including) 1 expected.`);
      return plain([{ kind: 'dropout', rate }]);
    }
    case 'Reshape':
    case 'Flatten':
      return plain([{ kind: 'reshape', shape: [...outShape] }]);
    default:
      throw fail(`${where} has no counterpart among the lab's layers.`);
  }
}

function plain(layers: LayerSpec[]): Converted {
  return { layers, params: [], state: [] };
}

/** Keras's activation names the planner accepts (linear, relu, tanh, sigmoid) as lab layers. */
function activation(name: unknown): LayerSpec[] {
  return kerasActivation(name) ?? [];
}

/** A kernel size or stride the planner has checked is square: its one number. */
function square(value: unknown): number {
  return Array.isArray(value) ? Number(value[0]) : Number(value);
}
