/**
 * The generator importer against thousands of generated inputs, all made from a small generator
 * the importer accepts: random bytes, truncated and bit-flipped zips, zips with odd contents
 * (unsafe paths, too many entries, nested or duplicate model.json, lying sizes), model.json files
 * with wrong or huge values, and weights of the wrong length. Every one either fails with
 * ImportError or imports as a sound generator (noise of 1 to 1024 values in, 784 values out, every
 * byte of its weights file used), but for one known gap (a layer dtype that is no dtype). None
 * crashes, hangs, leaks a tensor or allocates more than the file holds, but for one allocation by
 * a size read from the file: an entry is unpacked into a buffer of its declared size, which is
 * checked against the limit first.
 */
// First: the watch must be in place before fflate and tfjs keep typed-array constructors of their own.
import { largestAllocation } from '../../testing/allocationWatch';
import * as tf from '@tensorflow/tfjs';
import { deflateSync, inflateSync, strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutate, randomBytes } from '../../testing/fuzzSupport';
import { Rng } from '../rng';
import { type ImportFile, ImportError, type ImportLimits, importGenerator } from './generatorImport';
import { MANIFEST_JSON, MODEL_JSON, WEIGHTS_FILE, exportGeneratorTfjs } from './tfjsExport';

/** Small limits keep every case cheap; the checks are the same as with the real ones. */
const LIMITS: ImportLimits = { maxBytes: 2 * 1024 * 1024, maxZipEntries: 16, maxLayerWidth: 65_536 };

/** The base generator: 100 noise values → 2 → 784, seeded, exported as the lab exports. */
let generator: Record<string, Uint8Array>;
let generatorZip: Uint8Array;

async function exportDense(units: number[], inputSize: number, seed: number): Promise<Uint8Array> {
  const model = tf.sequential();
  units.forEach((n, i) =>
    model.add(
      tf.layers.dense({
        units: n,
        activation: i === units.length - 1 ? 'tanh' : 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
        biasInitializer: tf.initializers.randomNormal({ stddev: 0.1, seed: seed + 100 + i }),
        ...(i === 0 ? { inputShape: [inputSize] } : {}),
      }),
    ),
  );
  try {
    return await exportGeneratorTfjs(model, { preset: 'fuzz', epoch: 1, step: 1, seed });
  } finally {
    model.dispose();
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  generatorZip = await exportDense([2, 784], 100, 1);
  generator = unzipSync(generatorZip);
});

afterAll(() => {
  tf.disposeVariables();
});

const file = (name: string, bytes: Uint8Array): ImportFile => ({ name, bytes });
const zipFile = (entries: Parameters<typeof zipSync>[0], name = 'g.zip') => file(name, zipSync(entries));
const baseName = (path: string) => path.split(/[\\/]/).pop() ?? path;

function modelJson(): Record<string, unknown> {
  return JSON.parse(strFromU8(generator[MODEL_JSON])) as Record<string, unknown>;
}

/** For a failure message: the files, and model.json's text when there is one. */
function describeCase(input: ImportFile | ImportFile[]): string {
  return [input]
    .flat()
    .map((f) => `${f.name} (${f.bytes.length} bytes)${f.name === MODEL_JSON ? `: ${strFromU8(f.bytes).slice(0, 1500)}` : ''}`)
    .join(', ');
}

/** The largest unpacked size a zip's entries declare (0 for what is not a readable zip). */
function largestDeclared(bytes: Uint8Array): number {
  let largest = 0;
  try {
    unzipSync(bytes, { filter: ({ originalSize }) => ((largest = Math.max(largest, originalSize)), false) });
  } catch {
    // Not a zip, or damaged: what was listed before the damage counts.
  }
  return largest;
}

/** The weights files a case holds (by their name, wherever they are in a zip). */
function weightsFiles(input: ImportFile | ImportFile[]): Uint8Array[] {
  const files = [input].flat();
  if (files.length > 1) return files.filter((f) => baseName(f.name) === WEIGHTS_FILE).map((f) => f.bytes);
  return Object.values(unzipSync(files[0].bytes, { filter: (entry) => baseName(entry.name) === WEIGHTS_FILE }));
}

/**
 * Why an imported model is no sound generator, or null if it is one: it must draw 784 values for
 * each of a batch of noise vectors (of 1 to 1024 values), and use every byte of its weights file,
 * as it is.
 */
function unsoundness(model: tf.LayersModel, input: ImportFile | ImportFile[]): string | null {
  const latent = model.inputs[0].shape[1];
  if (model.inputs[0].shape.length !== 2 || latent === null || !(latent >= 1 && latent <= 1024)) {
    return `input shape ${JSON.stringify(model.inputs[0].shape)}`;
  }
  let size: number;
  try {
    size = tf.tidy(() => (model.predict(tf.ones([3, latent])) as tf.Tensor).size);
  } catch (error) {
    return `it cannot sample (${(error as Error).message})`;
  }
  if (size !== 3 * 784) return `${size / 3} values per sample`;
  // In the order of the layers, as the weights file holds them (getWeights puts trainable ones first).
  const used = model.layers.flatMap((layer) => layer.getWeights().map((w) => new Uint8Array((w.dataSync() as Float32Array).slice().buffer)));
  const bytes = new Uint8Array(used.reduce((sum, part) => sum + part.length, 0));
  used.reduce((offset, part) => (bytes.set(part, offset), offset + part.length), 0);
  const matches = weightsFiles(input).some((file) => file.length === bytes.length && file.every((b, i) => b === bytes[i]));
  return matches ? null : 'the weights in use are not the weights file, byte for byte';
}

interface Outcome {
  imported: number;
  rejected: number;
  messages: string[];
  /** Imported cases that are no sound generator, and why (see unsoundness). */
  unsound: { index: number; why: string }[];
  largest: number;
}

/**
 * Imports each case. Anything but an import or an ImportError fails, as does a leaked tensor or an
 * allocation larger than the case (or than an entry's declared size, within the limit); imports
 * that are no sound generator are listed in the outcome, for the caller to judge.
 */
async function run(cases: (ImportFile | ImportFile[])[]): Promise<Outcome> {
  const outcome: Outcome = { imported: 0, rejected: 0, messages: [], unsound: [], largest: 0 };
  for (const [index, input] of cases.entries()) {
    const files = [input].flat();
    const size = files.reduce((sum, f) => sum + f.bytes.length, 0);
    const declared = files.length === 1 ? largestDeclared(files[0].bytes) : 0;
    const tensors = tf.memory().numTensors;
    let model: tf.LayersModel | null = null;
    const largest = await largestAllocation(async () => {
      try {
        ({ model } = await importGenerator(input, LIMITS));
      } catch (error) {
        if (!(error instanceof ImportError)) throw error;
        expect(error.message.length).toBeGreaterThan(20);
        outcome.messages.push(error.message);
      }
    }, 64 * 1024 * 1024);
    if (model) {
      const why = unsoundness(model, input);
      if (why) outcome.unsound.push({ index, why });
      (model as tf.LayersModel).dispose();
      outcome.imported++;
    } else {
      outcome.rejected++;
    }
    expect(tf.memory().numTensors, `tensors leaked by ${describeCase(input)}`).toBe(tensors);
    // Nothing bigger than the input itself (weights are at most that) plus a little, or than the
    // unpacked size a zip entry declares when that is within the limit (fflate unpacks into it).
    const bound = Math.max(size + 65_536, declared <= LIMITS.maxBytes ? declared : 0);
    expect(largest, `a case of ${size} bytes allocated ${largest}: ${describeCase(input)}`).toBeLessThanOrEqual(bound);
    outcome.largest = Math.max(outcome.largest, largest);
  }
  return outcome;
}

/** Expects every case rejected, each with its own message. */
async function expectRejected(cases: [ImportFile | ImportFile[], RegExp][]): Promise<void> {
  for (const [input, message] of cases) {
    const outcome = await run([input]);
    expect(outcome.rejected, `imported: ${describeCase(input)}`).toBe(1);
    expect(outcome.messages[0]).toMatch(message);
  }
}

/** Sets a random leaf (or node) of `value` to `replacement`; returns its path, or null if there is none. */
function replaceRandom(rng: Rng, value: unknown, replacement: unknown): string | null {
  const slots: [Record<string, unknown> | unknown[], string | number, string][] = [];
  const walk = (node: unknown, path: string) => {
    if (Array.isArray(node)) node.forEach((child, i) => (slots.push([node, i, `${path}[${i}]`]), walk(child, `${path}[${i}]`)));
    else if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        slots.push([node as Record<string, unknown>, key, `${path}.${key}`]);
        walk(child, `${path}.${key}`);
      }
    }
  };
  walk(value, '');
  if (slots.length === 0) return null;
  const [parent, key, path] = slots[rng.nextInt(slots.length)];
  (parent as Record<string | number, unknown>)[key] = replacement;
  return path;
}

/** Sets the unpacked size every header of `zipBytes` declares for its entries. */
function declareSizes(zipBytes: Uint8Array, size: number): Uint8Array {
  const bytes = zipBytes.slice();
  const view = new DataView(bytes.buffer);
  for (let i = 0; i + 30 < bytes.length; i++) {
    const sig = view.getUint32(i, true);
    if (sig === 0x04034b50) view.setUint32(i + 22, size, true);
    if (sig === 0x02014b50) view.setUint32(i + 24, size, true);
  }
  return bytes;
}

describe('generator importer fuzz', () => {
  it('starts from a generator the importer accepts, zipped or as files (self-check)', async () => {
    const outcome = await run([
      file('g.zip', generatorZip),
      [file(MODEL_JSON, generator[MODEL_JSON]), file(WEIGHTS_FILE, generator[WEIGHTS_FILE])],
    ]);
    expect(outcome.imported).toBe(2);
    expect(outcome.unsound).toEqual([]);
    expect(generator[WEIGHTS_FILE].length).toBe((100 * 2 + 2 + 2 * 784 + 784) * 4);
  });

  it("sees fflate's allocations (self-check of the watch)", async () => {
    const zeros = new Uint8Array(200_000);
    const deflated = deflateSync(zeros);
    const zipped = zipSync({ 'zeros.bin': zeros });
    const lying = declareSizes(zipped, 1_000_000);
    // inflateSync grows its own buffer to at least the output; unzipSync unpacks into the declared size.
    expect(await largestAllocation(() => inflateSync(deflated))).toBeGreaterThanOrEqual(200_000);
    expect(await largestAllocation(() => unzipSync(zipped))).toBe(200_000);
    expect(await largestAllocation(() => unzipSync(lying), 500_000).catch((e: Error) => e.message)).toBe(
      'Refused to allocate 1000000 bytes.',
    );
  });

  it('meets 1,500 random and mutated files with ImportError or a sound generator', async () => {
    const rng = new Rng(11);
    const cases: ImportFile[] = [];
    const prefixes = [[], [0x50, 0x4b, 3, 4], [0x50, 0x4b, 5, 6], [0x7b]];
    for (let i = 0; i < 500; i++) {
      const prefix = prefixes[rng.nextInt(prefixes.length)];
      const bytes = randomBytes(rng, prefix.length + rng.nextInt(300));
      bytes.set(prefix);
      cases.push(file(rng.nextInt(2) ? 'g.zip' : MODEL_JSON, bytes));
    }
    for (let i = 0; i < 1000; i++) cases.push(file('g.zip', mutate(rng, generatorZip)));
    const started = performance.now();
    const outcome = await run(cases);
    expect(outcome.imported + outcome.rejected).toBe(1500);
    expect(outcome.unsound).toEqual([]);
    // Flipped bits in the stored weights still make a generator; most mutations do not.
    expect(outcome.imported).toBeGreaterThan(0);
    expect(outcome.rejected).toBeGreaterThan(1000);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('meets 400 model.json files with wrong, missing or huge values with ImportError or a sound generator', async () => {
    const rng = new Rng(5);
    const replacements = [null, -1, 0, 1e9, 2 ** 31, 65_536, 1.5, 'x', '', [], {}, [1e9, 1e9], [-1], true];
    const cases: ImportFile[][] = [];
    const changes: string[] = [];
    for (let i = 0; i < 400; i++) {
      const json = modelJson();
      const replacement = replacements[rng.nextInt(replacements.length)];
      const path = replaceRandom(rng, json, replacement);
      if (path === null) continue;
      changes.push(`${path} = ${JSON.stringify(replacement)}`);
      cases.push([file(MODEL_JSON, strToU8(JSON.stringify(json))), file(WEIGHTS_FILE, generator[WEIGHTS_FILE])]);
    }
    expect(cases).toHaveLength(400);
    const outcome = await run(cases);
    // Some replacements change nothing that matters (a name, an unused field); most do.
    expect(outcome.imported).toBeGreaterThan(0);
    expect(outcome.rejected).toBeGreaterThan(200);
    // A known gap: a layer dtype that is no dtype imports, and the generator cannot sample. When
    // the importer refuses these, this list empties: then expect it empty.
    const dtype = '.modelTopology.config.layers[0].config.dtype';
    expect(outcome.unsound.map(({ index, why }) => `${changes[index]}: ${why.replace(/_\d+'/, "'")}`)).toEqual([
      `${dtype} = -1: it cannot sample (The dtype of the feed (float32) can not be cast to the dtype of the key 'dense_Dense1_input' (-1).)`,
      `${dtype} = 2147483648: it cannot sample (The dtype of the feed (float32) can not be cast to the dtype of the key 'dense_Dense1_input' (2147483648).)`,
      `${dtype} = {}: it cannot sample (The dtype of the feed (float32) can not be cast to the dtype of the key 'dense_Dense1_input' ([object Object]).)`,
    ]);
  });

  it('refuses weights of any other length than model.json describes, zipped or as files', async () => {
    const weights = generator[WEIGHTS_FILE];
    const cases: [ImportFile | ImportFile[], RegExp][] = [];
    for (const delta of [-weights.length, -1000, -5, -4, -1, 1, 3, 4, 8, 1000]) {
      const bytes = new Uint8Array(weights.length + delta);
      bytes.set(weights.subarray(0, Math.min(weights.length, bytes.length)));
      const verdict = delta < 0 ? 'the weights are truncated' : 'the weights do not belong to this model\\.json';
      const message = new RegExp(`describes 10,216 bytes of weights but the weights file holds ${bytes.length.toLocaleString('en-US')}: ${verdict}`);
      cases.push([zipFile({ ...generator, [WEIGHTS_FILE]: bytes }), message]);
      cases.push([[file(MODEL_JSON, generator[MODEL_JSON]), file(WEIGHTS_FILE, bytes)], message]);
    }
    await expectRejected(cases);
  });

  it('refuses zips with odd contents, each for its own reason', async () => {
    const { [MODEL_JSON]: model, [WEIGHTS_FILE]: weights } = generator;
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i < 20; i++) many[`f${i}.txt`] = new Uint8Array(1);
    const notGenerator = unzipSync(await exportDense([3, 2], 4, 2));
    const stored = zipSync(generator, { level: 0 });
    const deflated = zipSync(generator, { level: 9 });
    // Compression method 12 (bzip2) in every header.
    const bzip2 = deflated.slice();
    for (let i = 0, view = new DataView(bzip2.buffer); i + 30 < bzip2.length; i++) {
      if (view.getUint32(i, true) === 0x04034b50) view.setUint16(i + 8, 12, true);
      if (view.getUint32(i, true) === 0x02014b50) view.setUint16(i + 10, 12, true);
    }
    await expectRejected([
      [zipFile({}), /There is no model\.json in g\.zip \(found no files\)/],
      [zipFile({ 'readme.txt': strToU8('hello') }), /There is no model\.json in g\.zip \(found "readme\.txt"\)/],
      [zipFile({ 'a/': new Uint8Array(0), 'b/': new Uint8Array(0) }), /There is no model\.json in g\.zip/],
      // Each of these would import, were its paths not unsafe.
      [zipFile({ '../model.json': model, '../group1-shard1of1.bin': weights }), /unsafe path \("\.\.\/model\.json"\)/],
      [zipFile({ '/abs/model.json': model, '/abs/group1-shard1of1.bin': weights }), /unsafe path \("\/abs\/model\.json"\)/],
      [zipFile({ 'C:/g/model.json': model, 'C:/g/group1-shard1of1.bin': weights }), /unsafe path \("C:\/g\/model\.json"\)/],
      [zipFile({ ...generator, '../evil.bin': strToU8('x') }), /unsafe path \("\.\.\/evil\.bin"\)/],
      [zipFile({ ...generator, 'a\\b.txt': strToU8('x') }), /unsafe path \("a\\b\.txt"\)/],
      [zipFile({ ...many, ...generator }), /g\.zip holds more than 16 files/],
      [zipFile({ x: generator, y: generator }), /There are 2 model\.json files in g\.zip \(x\/model\.json, y\/model\.json\)/],
      [zipFile({ 'inner.zip': generatorZip }), /There is no model\.json in g\.zip \(found "inner\.zip"\)/],
      [zipFile({ [MODEL_JSON]: model }), /needs the weights file "group1-shard1of1\.bin", which is missing from g\.zip/],
      [
        zipFile({ [MODEL_JSON]: strToU8('{"format":"graph-model","modelTopology":{},"weightsManifest":[]}'), [WEIGHTS_FILE]: weights }),
        /model\.json is a TF\.js graph model/,
      ],
      [zipFile({ [MODEL_JSON]: strToU8('[]') }), /model\.json is not a TF\.js Layers model: it holds no JSON object/],
      [zipFile({ [MODEL_JSON]: strToU8('{') }), /model\.json is not valid JSON/],
      [zipFile({ [MODEL_JSON]: randomBytes(new Rng(1), 200) }), /model\.json is not valid JSON/],
      [zipFile({ ...generator, [MANIFEST_JSON]: strToU8('{"format":"something-else"}') }), /manifest\.json is not a generator manifest/],
      [file('g.zip', bzip2), /stores "[^"]+" with compression method 12/],
      // A sound Layers model with its own weights that is no generator.
      [zipFile(notGenerator), /The model outputs 2 values per sample \(shape \[\*, 2\]\); the lab needs 784/],
      // Headers declaring sizes the entries do not have: unpacked, they come out another size.
      [file('g.zip', declareSizes(stored, 0)), /"[^"]+" in g\.zip is damaged or truncated/],
      [file('g.zip', declareSizes(stored, 1)), /"[^"]+" in g\.zip is damaged or truncated/],
      [file('g.zip', declareSizes(deflated, 20_000)), /"[^"]+" in g\.zip is damaged or truncated/],
      // Sizes over the limit are refused before anything is unpacked.
      [file('g.zip', declareSizes(deflated, LIMITS.maxBytes + 1)), /g\.zip would unpack to more than 2\.0 MB/],
      [file('g.zip', declareSizes(deflated, 0x7fffffff)), /g\.zip would unpack to more than 2\.0 MB/],
      [file('g.zip', declareSizes(deflated, 0xffffffff)), /g\.zip would unpack to more than 2\.0 MB/],
    ]);
  });

  it('unpacks an entry into its declared size: as much as the limit, never more', async () => {
    // A 13 KB zip declaring 2 MB for every entry: the first entry unpacked gets a 2 MB buffer.
    const lying = file('g.zip', declareSizes(zipSync({ [MODEL_JSON]: generator[MODEL_JSON] }, { level: 9 }), LIMITS.maxBytes));
    const outcome = await run([lying]);
    expect(outcome.rejected).toBe(1);
    expect(outcome.largest).toBe(LIMITS.maxBytes);
  });

  it('never lets layer sizes in model.json drive an allocation', async () => {
    const cases: [ImportFile[], RegExp][] = [];
    for (const units of [20_000, 65_536, 65_537, 1e9]) {
      for (const at of [0, 1]) {
        const json = modelJson();
        const layers = (json.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
        layers[at].config.units = units;
        if (at === 0) layers[0].config.batch_input_shape = [null, units];
        const message = units > LIMITS.maxLayerWidth ? /asks for a layer with units = / : /layers need at least [\d,]+ parameters but its weights hold 2,554/;
        cases.push([[file(MODEL_JSON, strToU8(JSON.stringify(json))), file(WEIGHTS_FILE, generator[WEIGHTS_FILE])], message]);
      }
    }
    await expectRejected(cases);
  });

  it('still imports the real thing, and its truncations never', async () => {
    const rng = new Rng(3);
    const cases = [file('g.zip', generatorZip)];
    for (let i = 0; i < 60; i++) cases.push(file('g.zip', generatorZip.slice(0, rng.nextInt(generatorZip.length))));
    const outcome = await run(cases);
    expect(outcome.imported).toBe(1);
    expect(outcome.unsound).toEqual([]);
    expect(outcome.rejected).toBe(60);
  });
});
