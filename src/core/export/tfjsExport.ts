/**
 * A generator in the TF.js Layers format, zipped so the page offers one download:
 * `model.json` (topology + weights manifest), `group1-shard1of1.bin` (float32 weights) and
 * `manifest.json` (where the generator comes from — preset, recipe, epoch — and what it expects).
 * Unzipped, the folder loads with `tf.loadLayersModel('…/model.json')` or converts to Keras with
 * tensorflowjs_converter.
 */
import * as tf from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';
import { LABEL_INPUT, buildLayersModel } from '../network';
import { Rng } from '../rng';
import { type GeneratorSource, type SpecWithWeights, isSpecWithWeights } from './generatorLayers';
import { type GeneratorInfo, makeManifest } from './generatorManifest';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_FILE = 'group1-shard1of1.bin';
export const MANIFEST_JSON = 'manifest.json';

/** A Layers model holding the given weights (caller disposes). */
export function layersModelFromSpec({ spec, weights }: SpecWithWeights): tf.LayersModel {
  // The initial weights are overwritten at once; any seed does.
  const model = buildLayersModel(spec, new Rng(0));
  const tensors = model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
  return model;
}

/**
 * The noise values per sample a generator model takes: its (first) input's last dimension. A
 * class-conditional generator's second input is its label (network.ts' LABEL_INPUT).
 */
export function modelLatentSize(model: tf.LayersModel): number {
  const conditional = model.inputs.length === 2 && model.inputNames[1] === LABEL_INPUT;
  const shape = model.inputs.length === 1 || conditional ? model.inputs[0].shape : [];
  const size = shape[shape.length - 1];
  if (shape.length !== 2 || typeof size !== 'number') {
    throw new Error(`A generator takes noise of shape [batch, values]; this model takes ${JSON.stringify(model.inputs.map((i) => i.shape))}.`);
  }
  return size;
}

/** The model's Layers-format artifacts: model.json contents and the weight bytes. */
export async function layersArtifacts(
  model: tf.LayersModel,
): Promise<{ modelJson: tf.io.ModelJSON; weights: Uint8Array }> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const artifacts = saved as tf.io.ModelArtifacts | null;
  if (!artifacts?.modelTopology || !artifacts.weightSpecs || !artifacts.weightData) {
    throw new Error('tfjs did not hand over the model topology and weights when saving.');
  }
  const modelJson: tf.io.ModelJSON = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
  };
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  return { modelJson, weights };
}

/**
 * The generator as a zip of model.json, its weights and manifest.json (bytes the caller may
 * transfer). A model passed in stays the caller's; one built from weights is disposed here.
 */
export async function exportGeneratorTfjs(
  source: GeneratorSource,
  info: GeneratorInfo = {},
): Promise<Uint8Array> {
  const model = isSpecWithWeights(source) ? layersModelFromSpec(source) : source;
  try {
    const manifest = makeManifest(info, modelLatentSize(model));
    const { modelJson, weights } = await layersArtifacts(model);
    return zipSync({
      [MODEL_JSON]: strToU8(JSON.stringify(modelJson)),
      // Float weights hardly compress; storing them keeps export and import fast.
      [WEIGHTS_FILE]: [weights, { level: 0 }],
      [MANIFEST_JSON]: strToU8(JSON.stringify(manifest, null, 2)),
    });
  } finally {
    if (model !== source) model.dispose();
  }
}
