/**
 * Checkpoints as bytes: a GAN's weights and both optimizers' Adam state (a "full" snapshot, for
 * an exact resume) or the generator alone (for sampling), with the schema version, the run
 * config and the architecture. Restoring builds fresh models from the checkpoint's own
 * architecture and checks every tensor's shape against it first, naming what does not match.
 *
 * Byte layout: "GANCKPT" + format byte, a u32 header length, the JSON header, zero padding to a
 * multiple of 4, then the float32 tensors back to back (little-endian) in header order.
 */
import { LabError } from './errors';
import * as tf from '@tensorflow/tfjs';
import type { AdamState } from './adam';
import { type NetworkSpec, parameterShapes, weightShapes } from './architecture';
import { type RunConfig, parseSavedConfig, totalSteps } from './config';
import { type Gan, buildGan, discriminatorWeights, generatorWeights, samplingParams } from './gan';
import { type PresetName, isPresetName } from './presets';
import { recipeNetwork } from './recipe';
import { Rng } from './rng';

export const CHECKPOINT_SCHEMA_VERSION = 1;

const MAGIC = 'GANCKPT';
const FORMAT = 1;
const PREAMBLE = MAGIC.length + 1 + 4;

export interface Architecture {
  generator: NetworkSpec;
  discriminator: NetworkSpec;
}

interface SnapshotBase {
  schemaVersion: number;
  preset: PresetName;
  /** Steps completed when the snapshot was taken. */
  step: number;
}

/** The generator alone: enough to sample from (its moving average, for presets that keep one). */
export interface GeneratorSnapshot extends SnapshotBase {
  kind: 'generator';
  architecture: Pick<Architecture, 'generator'>;
  generator: Float32Array[];
}

/** Everything training needs to go on exactly where it stopped. */
export interface FullSnapshot extends SnapshotBase {
  kind: 'full';
  config: RunConfig;
  architecture: Architecture;
  /** Each network's parameters, then its state (weightShapes): moving statistics, u vectors. */
  generator: Float32Array[];
  discriminator: Float32Array[];
  gOptimizer: AdamState;
  dOptimizer: AdamState;
  /** The moving average of G's weights, for presets that keep one. */
  generatorAverage?: Float32Array[];
}

export type Snapshot = GeneratorSnapshot | FullSnapshot;

export class CheckpointError extends LabError {
  readonly code = 'storage';
  override name = 'CheckpointError';
}

/** Copies the generator's weights out of the device; `preset` is the run's. */
export async function snapshotGenerator(gan: Gan, step: number, preset: PresetName): Promise<GeneratorSnapshot> {
  return {
    kind: 'generator',
    schemaVersion: CHECKPOINT_SCHEMA_VERSION,
    preset,
    step,
    architecture: { generator: gan.networks.generator },
    generator: await readAll(samplingParams(gan)),
  };
}

/** Copies both networks and both optimizers out of the device. */
export async function snapshotGan(gan: Gan, config: RunConfig, step: number): Promise<FullSnapshot> {
  const [generator, discriminator, gOptimizer, dOptimizer, generatorAverage] = await Promise.all([
    readAll(generatorWeights(gan)),
    readAll(discriminatorWeights(gan)),
    gan.gOptimizer.getState(),
    gan.dOptimizer.getState(),
    gan.gAverage ? readAll(gan.gAverage) : undefined,
  ]);
  return {
    ...(generatorAverage ? { generatorAverage } : {}),
    kind: 'full',
    schemaVersion: CHECKPOINT_SCHEMA_VERSION,
    preset: config.preset,
    step,
    config: { ...config },
    architecture: { ...gan.networks },
    generator,
    discriminator,
    gOptimizer,
    dOptimizer,
  };
}

async function readAll(params: tf.Variable[]): Promise<Float32Array[]> {
  // Copies: some backends hand out their own buffer, which the next step would overwrite.
  const values = await Promise.all(params.map((p) => p.data() as Promise<Float32Array>));
  return values.map((v) => new Float32Array(v));
}

/** The generator part of a full snapshot, without copying the weights. */
export function generatorOf(snapshot: Snapshot): GeneratorSnapshot {
  if (snapshot.kind === 'generator') return snapshot;
  return {
    kind: 'generator',
    schemaVersion: snapshot.schemaVersion,
    preset: snapshot.preset,
    step: snapshot.step,
    architecture: { generator: snapshot.architecture.generator },
    generator: snapshot.generatorAverage ?? snapshot.generator,
  };
}

interface TensorGroup {
  name: string;
  shapes: number[][];
}

interface Header {
  kind: Snapshot['kind'];
  schemaVersion: number;
  preset: string;
  step: number;
  config?: RunConfig;
  architecture: Partial<Architecture>;
  iterations?: { g: number; d: number };
  groups: TensorGroup[];
}

/**
 * Tensor groups of a snapshot, in byte order. A network's group holds its parameters then its
 * state (weightShapes); Adam's moments cover the parameters alone.
 */
function groupsOf(snapshot: Snapshot): { name: string; arrays: Float32Array[]; shapes: number[][] }[] {
  if (snapshot.kind === 'generator') {
    return [{ name: 'generator', arrays: snapshot.generator, shapes: weightShapes(snapshot.architecture.generator) }];
  }
  const { generator: g, discriminator: d } = snapshot.architecture;
  return [
    { name: 'generator', arrays: snapshot.generator, shapes: weightShapes(g) },
    { name: 'discriminator', arrays: snapshot.discriminator, shapes: weightShapes(d) },
    { name: 'generator Adam m', arrays: snapshot.gOptimizer.m, shapes: parameterShapes(g) },
    { name: 'generator Adam v', arrays: snapshot.gOptimizer.v, shapes: parameterShapes(g) },
    { name: 'discriminator Adam m', arrays: snapshot.dOptimizer.m, shapes: parameterShapes(d) },
    { name: 'discriminator Adam v', arrays: snapshot.dOptimizer.v, shapes: parameterShapes(d) },
    ...(snapshot.generatorAverage ? [{ name: AVERAGE_GROUP, arrays: snapshot.generatorAverage, shapes: weightShapes(g) }] : []),
  ];
}

const AVERAGE_GROUP = 'generator average';

/** The snapshot as one buffer, ready for IndexedDB or a file. */
export function encodeSnapshot(snapshot: Snapshot): ArrayBuffer {
  const groups = groupsOf(snapshot);
  const header: Header = {
    kind: snapshot.kind,
    schemaVersion: snapshot.schemaVersion,
    preset: snapshot.preset,
    step: snapshot.step,
    architecture: snapshot.architecture,
    groups: groups.map(({ name, shapes }) => ({ name, shapes })),
  };
  if (snapshot.kind === 'full') {
    header.config = snapshot.config;
    header.iterations = { g: snapshot.gOptimizer.iterations, d: snapshot.dOptimizer.iterations };
  }
  groups.forEach(({ name, arrays }, i) => checkShapes(name, header.groups[i].shapes, arrays));
  const json = asciiBytes(JSON.stringify(header));
  const dataStart = align4(PREAMBLE + json.length);
  const floats = groups.reduce((n, g) => n + g.arrays.reduce((m, a) => m + a.length, 0), 0);
  const buffer = new ArrayBuffer(dataStart + floats * 4);
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < MAGIC.length; i++) bytes[i] = MAGIC.charCodeAt(i);
  bytes[MAGIC.length] = FORMAT;
  new DataView(buffer).setUint32(MAGIC.length + 1, json.length, true);
  bytes.set(json, PREAMBLE);
  const out = new Float32Array(buffer, dataStart);
  let offset = 0;
  for (const { arrays } of groups) {
    for (const array of arrays) {
      out.set(array, offset);
      offset += array.length;
    }
  }
  return buffer;
}

/**
 * Reads a buffer written by `encodeSnapshot`. The weights are views into `buffer` (no copy).
 * Throws a CheckpointError saying what is wrong with a buffer that is not a readable checkpoint.
 */
export function decodeSnapshot(buffer: ArrayBuffer): Snapshot {
  const bytes = new Uint8Array(buffer);
  const magic = String.fromCharCode(...bytes.subarray(0, MAGIC.length));
  if (buffer.byteLength < PREAMBLE || magic !== MAGIC) {
    throw new CheckpointError('This is not a GAN Lab checkpoint: its first bytes are not "GANCKPT".');
  }
  if (bytes[MAGIC.length] !== FORMAT) {
    throw new CheckpointError(
      `This checkpoint uses byte format ${bytes[MAGIC.length]}; this lab reads format ${FORMAT}.`,
    );
  }
  const length = new DataView(buffer).getUint32(MAGIC.length + 1, true);
  const header = JSON.parse(
    String.fromCharCode(...bytes.subarray(PREAMBLE, PREAMBLE + length)),
  ) as Header;
  if (header.schemaVersion !== CHECKPOINT_SCHEMA_VERSION) {
    throw new CheckpointError(
      `This checkpoint has schema version ${header.schemaVersion}; this lab reads version ` +
        `${CHECKPOINT_SCHEMA_VERSION}.`,
    );
  }
  if (!isPresetName(header.preset)) {
    throw new CheckpointError(`This checkpoint was trained with an unknown preset "${header.preset}".`);
  }
  const dataStart = align4(PREAMBLE + length);
  const needed = header.groups.reduce((n, g) => n + g.shapes.reduce((m, s) => m + size(s), 0), 0);
  const available = (buffer.byteLength - dataStart) / 4;
  if (available !== needed) {
    throw new CheckpointError(
      `This checkpoint is cut short or padded: its header lists ${needed} weights, ` +
        `its data holds ${Math.max(0, Math.floor(available))}.`,
    );
  }
  let offset = dataStart;
  const groups = header.groups.map((group) =>
    group.shapes.map((shape) => {
      const view = new Float32Array(buffer, offset, size(shape));
      offset += view.byteLength;
      return view;
    }),
  );
  const base = { schemaVersion: header.schemaVersion, preset: header.preset, step: header.step };
  if (header.kind === 'generator') {
    const architecture = { generator: header.architecture.generator! };
    checkShapes('generator', weightShapes(architecture.generator), groups[0]);
    return { ...base, kind: 'generator', architecture, generator: groups[0] };
  }
  const architecture = header.architecture as Architecture;
  const snapshot: FullSnapshot = {
    ...base,
    kind: 'full',
    config: savedConfig(header.config),
    architecture,
    generator: groups[0],
    discriminator: groups[1],
    gOptimizer: { iterations: header.iterations!.g, m: groups[2], v: groups[3] },
    dOptimizer: { iterations: header.iterations!.d, m: groups[4], v: groups[5] },
  };
  if (header.groups[6]?.name === AVERAGE_GROUP) snapshot.generatorAverage = groups[6];
  for (const { name, arrays, shapes } of groupsOf(snapshot)) {
    checkShapes(name, shapes, arrays);
  }
  return snapshot;
}

/**
 * Checks that `arrays` fit the shapes an architecture asks for, saying which tensor does not.
 * Arrays carry no shape of their own, so sizes are what can be compared.
 */
export function checkShapes(name: string, shapes: number[][], arrays: Float32Array[]): void {
  if (arrays.length !== shapes.length) {
    throw new CheckpointError(
      `The checkpoint's ${name} has ${arrays.length} weight tensors; its architecture needs ` +
        `${shapes.length} (a kernel and a bias per dense layer).`,
    );
  }
  shapes.forEach((shape, i) => {
    if (arrays[i].length !== size(shape)) {
      throw new CheckpointError(
        `Weight ${i + 1} of the checkpoint's ${name} holds ${arrays[i].length} values; ` +
          `its architecture needs shape [${shape.join(', ')}] = ${size(shape)} values.`,
      );
    }
  });
}

/**
 * A saved run config as today's: one saved before recipes existed (its `lr` and `batchSize`, no
 * recipe) reads as its preset's recipe with those two applied, which is what it trained; one
 * saved before the regularisers existed trains without them (parseSavedConfig).
 */
function savedConfig(raw: RunConfig | undefined): RunConfig {
  const { config, problems } = parseSavedConfig({ ...(raw ?? {}) });
  if (!raw || problems.length > 0) {
    throw new CheckpointError(`This checkpoint's run settings do not read: ${problems.map((p) => p.message).join(' ') || 'none saved'}`);
  }
  return config;
}

/**
 * A fresh GAN holding a full snapshot's weights and optimizer state, built from the snapshot's
 * architecture. Training it from step `snapshot.step + 1` continues the original run exactly.
 * Caller disposes (disposeGan).
 */
export function restoreGan(snapshot: FullSnapshot): Gan {
  const { architecture, config } = snapshot;
  const recipe = { ...config.recipe, generator: recipeNetwork(architecture.generator), discriminator: recipeNetwork(architecture.discriminator) };
  // The initial draw is overwritten at once; any stream will do.
  const gan = buildGan(recipe, new Rng(0), totalSteps(config));
  assignAll(generatorWeights(gan), snapshot.generator);
  assignAll(discriminatorWeights(gan), snapshot.discriminator);
  gan.gOptimizer.setState(snapshot.gOptimizer);
  gan.dOptimizer.setState(snapshot.dOptimizer);
  // A run saved without its average (none kept yet) restarts it from the weights.
  if (gan.gAverage) assignAll(gan.gAverage, snapshot.generatorAverage ?? snapshot.generator);
  return gan;
}

/** A generator's weights (parameters, then state) as tensors for `forward` (inference only). Caller disposes. */
export function generatorTensors(snapshot: Snapshot): { spec: NetworkSpec; params: tf.Tensor[] } {
  const spec = snapshot.architecture.generator;
  const shapes = weightShapes(spec);
  return { spec, params: snapshot.generator.map((values, i) => tf.tensor(values, shapes[i])) };
}

function assignAll(params: tf.Variable[], values: Float32Array[]): void {
  tf.tidy(() => params.forEach((param, i) => param.assign(tf.tensor(values[i], param.shape))));
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** JSON text as ASCII bytes: anything beyond ASCII is written as a \uXXXX escape. */
function asciiBytes(json: string): Uint8Array {
  const ascii = json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const bytes = new Uint8Array(ascii.length);
  for (let i = 0; i < ascii.length; i++) bytes[i] = ascii.charCodeAt(i);
  return bytes;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
