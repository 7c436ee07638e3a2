/**
 * TF.js zip round trip (export → import → the same outputs, bit for bit) and every way an
 * import can go wrong: each gives its own message, allocates nothing and leaks no tensor.
 */
import { LATENT_SIZE } from '../digits';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gan, createGan, disposeGan } from '../gan';
import { PRESETS } from '../presets';
import { Rng } from '../rng';
import { IMPORT_LIMITS, ImportError, type ImportFile, importGenerator } from './generatorImport';
import { makeManifest } from './generatorManifest';
import { MANIFEST_JSON, MODEL_JSON, WEIGHTS_FILE, exportGeneratorTfjs } from './tfjsExport';

const info = { preset: 'seed', epoch: 20, step: 2560, seed: 5, metrics: { fd: 31.25, score: 7.5 } };

let gan: Gan;
let zip: Uint8Array;
let unpacked: Record<string, Uint8Array>;

function noise(rows: number, seed: number): tf.Tensor2D {
  return tf.tensor2d(new Rng(seed).fillNormal(new Float32Array(rows * LATENT_SIZE)), [rows, LATENT_SIZE]);
}

async function predict(model: tf.LayersModel, rows: number, seed: number): Promise<Float32Array> {
  const z = noise(rows, seed);
  const out = model.predict(z) as tf.Tensor;
  const values = (await out.data()) as Float32Array;
  tf.dispose([z, out]);
  return values;
}

/** A small dense model saved as a lab zip (no manifest), for shape checks. */
async function tinyZip(inputSize: number, outputSize: number): Promise<Uint8Array> {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: outputSize, inputShape: [inputSize], activation: 'tanh' })],
  });
  try {
    const bytes = unzipSync(await exportGeneratorTfjs(model));
    delete bytes[MANIFEST_JSON];
    return zipSync(bytes);
  } finally {
    model.dispose();
  }
}

/** Sets bytes 4..7 after each zip header signature's size field to a declared unpacked size. */
function declareSize(zipBytes: Uint8Array, name: string, size: number): Uint8Array {
  const out = zipBytes.slice();
  const view = new DataView(out.buffer);
  const nameBytes = strToU8(name);
  for (let i = 0; i + 46 < out.length; i++) {
    const sig = view.getUint32(i, true);
    const [sizeAt, nameLengthAt, nameAt] =
      sig === 0x04034b50 ? [22, 26, 30] : sig === 0x02014b50 ? [24, 28, 46] : [-1, -1, -1];
    if (sizeAt < 0 || view.getUint16(i + nameLengthAt, true) !== nameBytes.length) continue;
    if (strFromU8(out.subarray(i + nameAt, i + nameAt + nameBytes.length)) !== name) continue;
    view.setUint32(i + sizeAt, size, true);
  }
  return out;
}

async function expectFailure(input: ImportFile | ImportFile[], message: RegExp): Promise<void> {
  const tensors = tf.memory().numTensors;
  const error = await importGenerator(input).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportError);
  expect((error as ImportError).message).toMatch(message);
  expect(tf.memory().numTensors).toBe(tensors);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  gan = createGan(PRESETS.seed.recipe, 5);
  // Non-zero biases, so a lost or reordered bias would show.
  const weights = gan.generator.getWeights().map((w, i) =>
    tf.tidy(() => tf.add(w, tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', i + 1), 0.05))),
  );
  gan.generator.setWeights(weights);
  tf.dispose(weights);
  zip = await exportGeneratorTfjs(gan.generator, info);
  unpacked = unzipSync(zip);
});

afterAll(() => disposeGan(gan));

describe('TF.js zip export', () => {
  it('holds model.json, the weights and the manifest', () => {
    expect(Object.keys(unpacked).sort()).toEqual([MANIFEST_JSON, WEIGHTS_FILE, MODEL_JSON].sort());
    expect(unpacked[WEIGHTS_FILE].length).toBe(1_486_352 * 4);
    const modelJson = JSON.parse(strFromU8(unpacked[MODEL_JSON]));
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.weightsManifest[0].paths).toEqual([WEIGHTS_FILE]);
    expect(JSON.parse(strFromU8(unpacked[MANIFEST_JSON]))).toEqual(makeManifest(info));
  });

  it('writes the same bytes of weights from a network description as from its model', async () => {
    const fromSpec = await exportGeneratorTfjs(
      { spec: PRESETS.seed.recipe.generator, weights: gan.generator.getWeights().map((w) => w.dataSync() as Float32Array) },
      info,
    );
    expect(Buffer.from(unzipSync(fromSpec)[WEIGHTS_FILE]).equals(unpacked[WEIGHTS_FILE])).toBe(true);
  });
});

describe('generator import', () => {
  it('round-trips the zip: identical outputs, bit for bit, and the manifest', async () => {
    const tensors = tf.memory().numTensors;
    const { model, manifest } = await importGenerator({ name: 'generator.zip', bytes: zip });
    try {
      expect(manifest).toEqual(makeManifest(info));
      for (const rows of [1, 7]) {
        const expected = await predict(gan.generator, rows, 40 + rows);
        const actual = await predict(model, rows, 40 + rows);
        expect(Buffer.from(actual.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      }
    } finally {
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('loads model.json with its weights file chosen alongside', async () => {
    const { model, manifest } = await importGenerator([
      { name: MODEL_JSON, bytes: unpacked[MODEL_JSON] },
      { name: WEIGHTS_FILE, bytes: unpacked[WEIGHTS_FILE] },
    ]);
    try {
      expect(manifest).toBeNull();
      expect(await predict(model, 2, 3)).toEqual(await predict(gan.generator, 2, 3));
    } finally {
      model.dispose();
    }
  });

  it('finds the model in a folder inside the zip and ignores extra files', async () => {
    const nested = zipSync({
      generator: unpacked,
      'notes.txt': strToU8('hello'),
      // Another generator's manifest elsewhere in the zip: only the one beside model.json counts.
      other: { [MANIFEST_JSON]: strToU8(JSON.stringify(makeManifest({ ...info, epoch: 99 }))) },
    });
    const tensors = tf.memory().numTensors;
    const { model, manifest } = await importGenerator({ name: 'nested.zip', bytes: nested });
    try {
      expect(manifest).toEqual(makeManifest(info));
      const expected = await predict(gan.generator, 3, 8);
      const actual = await predict(model, 3, 8);
      expect(Buffer.from(actual.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    } finally {
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('rejects random bytes', async () => {
    const bytes = new Uint8Array(4096);
    new Rng(1).fillUniform(new Float32Array(bytes.buffer), -1, 1);
    await expectFailure({ name: 'noise.bin', bytes }, /noise\.bin is neither a zip nor a TF\.js model\.json/);
  });

  it('rejects a truncated zip', async () => {
    await expectFailure(
      { name: 'cut.zip', bytes: zip.slice(0, zip.length >> 1) },
      /cut\.zip looks like a zip but is damaged or truncated/,
    );
  });

  it('rejects a zip without model.json', async () => {
    const bytes = zipSync({ 'readme.txt': strToU8('no model here') });
    await expectFailure({ name: 'other.zip', bytes }, /There is no model\.json in other\.zip \(found "readme\.txt"\)/);
  });

  it('rejects a model taking more noise values than any recipe can', async () => {
    await expectFailure(
      { name: 'in1025.zip', bytes: await tinyZip(1025, 784) },
      /takes input of shape \[\*, 1025\]; the lab's generators take \[\*, L\]: L noise values per sample, from 1 to 1024/,
    );
  });

  it('rejects a model whose output is not 784 values', async () => {
    await expectFailure(
      { name: 'out10.zip', bytes: await tinyZip(100, 10) },
      /outputs 10 values per sample \(shape \[\*, 10\]\); the lab needs 784/,
    );
  });

  it('rejects truncated weights', async () => {
    const bytes = zipSync({ ...unpacked, [WEIGHTS_FILE]: unpacked[WEIGHTS_FILE].slice(0, 1000) });
    await expectFailure(
      { name: 'short.zip', bytes },
      /describes 5,945,408 bytes of weights but the weights file holds 1,000: the weights are truncated/,
    );
  });

  it('rejects a missing weights file, in a zip and among chosen files', async () => {
    const { [WEIGHTS_FILE]: _dropped, ...rest } = unpacked;
    await expectFailure(
      { name: 'noweights.zip', bytes: zipSync(rest) },
      /needs the weights file "group1-shard1of1\.bin", which is missing from noweights\.zip/,
    );
    await expectFailure(
      { name: MODEL_JSON, bytes: unpacked[MODEL_JSON] },
      /missing from the chosen files; choose it together with model\.json/,
    );
  });

  it('rejects a file over the size limit before reading it', async () => {
    const bytes = new Uint8Array(IMPORT_LIMITS.maxBytes + 1);
    await expectFailure({ name: 'big.zip', bytes }, /big\.zip is 64\.0 MB; the lab imports generators up to 64\.0 MB/);
  });

  it('rejects a zip whose declared unpacked size is huge, without unpacking it', async () => {
    const bomb = declareSize(zip, WEIGHTS_FILE, 0x7ffffff0);
    await expectFailure(
      { name: 'bomb.zip', bytes: bomb },
      /bomb\.zip would unpack to more than 64\.0 MB \("group1-shard1of1\.bin" alone declares 2048\.0 MB\)/,
    );
  });

  it('rejects a zip with too many entries', async () => {
    const many = Object.fromEntries(
      Array.from({ length: IMPORT_LIMITS.maxZipEntries + 1 }, (_, i) => [`f${i}.txt`, strToU8('x')]),
    );
    await expectFailure({ name: 'many.zip', bytes: zipSync(many) }, /many\.zip holds more than 64 files/);
  });

  it('rejects unsafe paths in the zip', async () => {
    const bytes = zipSync({ ...unpacked, '../evil.bin': strToU8('x') });
    await expectFailure({ name: 'odd.zip', bytes }, /odd\.zip contains a file with an unsafe path \("\.\.\/evil\.bin"\)/);
  });

  it('rejects JSON that is not a Layers model', async () => {
    const file = (json: unknown): ImportFile => ({ name: MODEL_JSON, bytes: strToU8(JSON.stringify(json)) });
    await expectFailure(file({ hello: 1 }), /model\.json is not a TF\.js Layers model: it has no modelTopology/);
    await expectFailure(
      file({ format: 'graph-model', modelTopology: {}, weightsManifest: [] }),
      /model\.json is a TF\.js graph model/,
    );
    await expectFailure({ name: MODEL_JSON, bytes: strToU8('{"modelTopology": {') }, /model\.json is not valid JSON/);
  });

  it('rejects a model.json asking for absurdly wide layers before tfjs allocates them', async () => {
    const json = JSON.parse(strFromU8(unpacked[MODEL_JSON]));
    json.modelTopology.config.layers[0].config.units = 1e9;
    await expectFailure(
      zipFile({ ...unpacked, [MODEL_JSON]: strToU8(JSON.stringify(json)) }),
      /asks for a layer with units = 1,000,000,000/,
    );
  });

  it('rejects a manifest describing another generator than its model', async () => {
    const manifest = { ...makeManifest(info), latentSize: 64 };
    await expectFailure(
      zipFile({ ...unpacked, [MANIFEST_JSON]: strToU8(JSON.stringify(manifest)) }),
      /manifest\.json says the generator takes 64 noise values but its model takes 100/,
    );
    await expectFailure(
      zipFile({ ...unpacked, [MANIFEST_JSON]: strToU8(JSON.stringify({ ...makeManifest(info), outputSize: 10 })) }),
      /manifest\.json describes a generator of 10 pixels; this lab draws 784/,
    );
  });
});

function zipFile(files: Record<string, Uint8Array>): ImportFile {
  return { name: 'generator.zip', bytes: zipSync(files) };
}
