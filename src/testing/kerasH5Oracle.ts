/** Shared by the Keras .h5 tests: generators with random weights, and the NumPy oracle. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type NetworkSpec, SEED_GENERATOR, parameterShapes, weightShapes } from '../core/architecture';
import { Rng } from '../core/rng';
import { generatorForward } from '../core/sampling';
import { type SpecWithWeights, networkFromSpec } from '../core/export/generatorLayers';
import { kerasModel, writeKerasH5 } from '../core/export/kerasH5Export';

/** Debian's Python, which has h5py and NumPy (the one on PATH may not). */
export const PYTHON = '/usr/bin/python3';

/** Every layer kind a lab generator has, batch normalisation on dense and conv outputs. */
export const CONV_BN_GENERATOR: NetworkSpec = {
  name: 'generator',
  inputSize: 16,
  layers: [
    { kind: 'dense', units: 7 * 7 * 8 },
    { kind: 'batchNorm' },
    { kind: 'relu' },
    { kind: 'dropout', rate: 0.3 },
    { kind: 'reshape', shape: [7, 7, 8] },
    { kind: 'conv2dTranspose', filters: 6, kernel: 4, stride: 2 },
    { kind: 'batchNorm' },
    { kind: 'leakyRelu', alpha: 0.2 },
    { kind: 'conv2d', filters: 4, kernel: 3, stride: 1 },
    { kind: 'sigmoid' },
    { kind: 'conv2dTranspose', filters: 1, kernel: 5, stride: 2 },
    { kind: 'tanh' },
    { kind: 'reshape', shape: [784] },
  ],
};

export { SEED_GENERATOR };

/** A small dense generator (dropout included, which the .h5 export leaves out): quick to write and read. */
export const SMALL_GENERATOR: NetworkSpec = {
  name: 'generator',
  inputSize: 16,
  layers: [
    { kind: 'dense', units: 32 },
    { kind: 'leakyRelu', alpha: 0.2 },
    { kind: 'dropout', rate: 0.3 },
    { kind: 'dense', units: 784 },
    { kind: 'tanh' },
  ],
};

/** `generator` as a Keras 2 .h5 file named `name`, written by the lab's own export. */
export async function kerasH5File(generator: SpecWithWeights, name: string): Promise<File> {
  return new File([await writeKerasH5(kerasModel(networkFromSpec(generator)))], name);
}

/** Random weights (positive variances) so every bias, scale and statistic matters. */
export function randomWeights(spec: NetworkSpec, seed: number): SpecWithWeights {
  const rng = new Rng(seed);
  const params = parameterShapes(spec).length;
  const weights = weightShapes(spec).map((shape, i) => {
    const values = rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)));
    const scale = shape.length > 1 ? 1 / Math.sqrt(shape.slice(0, -1).reduce((a, b) => a * b, 1)) : 0.3;
    for (let j = 0; j < values.length; j++) values[j] = i >= params ? (i % 2 === 0 ? values[j] * 0.1 : 0.5 + Math.abs(values[j])) : values[j] * scale;
    return values;
  });
  return { spec, weights };
}

export function noise(spec: NetworkSpec, count: number, seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(count * spec.inputSize));
}

/** The lab's own forward pass (the sampler's). */
export async function labImages({ spec, weights }: SpecWithWeights, input: Float32Array): Promise<Float32Array> {
  const shapes = weightShapes(spec);
  const params = weights.map((values, i) => tf.tensor(values, shapes[i]));
  const out = generatorForward(spec, params, input);
  try {
    return new Float32Array(await out.data());
  } finally {
    out.dispose();
    tf.dispose(params);
  }
}

/** Runs scripts/kerasH5Check.py on the file; returns its largest difference from `expected`. */
export function numpyCheck(file: Uint8Array, count: number, input: Float32Array, expected: Float32Array): number {
  const dir = mkdtempSync(join(tmpdir(), 'keras-h5-'));
  try {
    writeFileSync(join(dir, 'model.h5'), file);
    writeFileSync(join(dir, 'case.json'), JSON.stringify({ count, noise: Array.from(input), expected: Array.from(expected) }));
    const out = execFileSync(PYTHON, ['scripts/kerasH5Check.py', join(dir, 'model.h5'), join(dir, 'case.json')], { encoding: 'utf8' });
    return (JSON.parse(out) as { maxAbsDiff: number }).maxAbsDiff;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
