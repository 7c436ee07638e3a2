/**
 * The generator importer against thousands of generated inputs: random bytes, truncated and
 * bit-flipped zips, zips with odd contents (unsafe paths, too many entries, nested or duplicate
 * model.json, lying sizes) and model.json files with wrong or huge values. Every one either
 * imports or fails with ImportError; none crashes, hangs, leaks a tensor or allocates by a size
 * it read from the file.
 */
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largestAllocation, mutate, randomBytes } from '../fuzzSupport';
import { Rng } from '../rng';
import { type ImportFile, ImportError, type ImportLimits, importGenerator } from './generatorImport';
import { MODEL_JSON, WEIGHTS_FILE, exportGeneratorTfjs } from './tfjsExport';

/** Small limits keep every case cheap; the checks are the same as with the real ones. */
const LIMITS: ImportLimits = { maxBytes: 2 * 1024 * 1024, maxZipEntries: 16, maxLayerWidth: 65_536 };

let small: Record<string, Uint8Array>;
let smallZip: Uint8Array;
let generatorZip: Uint8Array;

async function zipOf(units: number[], inputSize: number): Promise<Record<string, Uint8Array>> {
  const model = tf.sequential();
  units.forEach((n, i) =>
    model.add(tf.layers.dense({ units: n, activation: i === units.length - 1 ? 'tanh' : 'relu', ...(i === 0 ? { inputShape: [inputSize] } : {}) })),
  );
  try {
    return unzipSync(await exportGeneratorTfjs(model));
  } finally {
    model.dispose();
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  small = await zipOf([3, 2], 4);
  smallZip = zipSync(small);
  generatorZip = zipSync(await zipOf([784], 100));
});

afterAll(() => {
  tf.disposeVariables();
});

interface Outcome {
  imported: number;
  rejected: number;
  largest: number;
}

/** Imports each case; anything but success or ImportError fails, as does a leaked tensor. */
async function run(cases: (ImportFile | ImportFile[])[]): Promise<Outcome> {
  const outcome: Outcome = { imported: 0, rejected: 0, largest: 0 };
  for (const input of cases) {
    const size = [input].flat().reduce((sum, file) => sum + file.bytes.length, 0);
    const tensors = tf.memory().numTensors;
    const largest = await largestAllocation(async () => {
      try {
        const { model } = await importGenerator(input, LIMITS);
        model.dispose();
        outcome.imported++;
      } catch (error) {
        if (!(error instanceof ImportError)) throw error;
        expect(error.message.length).toBeGreaterThan(20);
        outcome.rejected++;
      }
    }, 64 * 1024 * 1024);
    expect(tf.memory().numTensors, `tensors leaked by ${describeCase(input)}`).toBe(tensors);
    // Nothing bigger than the input itself (weights are at most that) plus a little.
    expect(largest, `a case of ${size} bytes allocated ${largest}`).toBeLessThanOrEqual(size + 65_536);
    outcome.largest = Math.max(outcome.largest, largest);
  }
  return outcome;
}

const file = (name: string, bytes: Uint8Array): ImportFile => ({ name, bytes });

/** For a failure message: the files, and model.json's text when there is one. */
function describeCase(input: ImportFile | ImportFile[]): string {
  return [input]
    .flat()
    .map((f) => `${f.name} (${f.bytes.length} bytes)${f.name === MODEL_JSON ? `: ${strFromU8(f.bytes).slice(0, 1500)}` : ''}`)
    .join(', ');
}

function modelJson(files: Record<string, Uint8Array>): Record<string, unknown> {
  return JSON.parse(strFromU8(files[MODEL_JSON])) as Record<string, unknown>;
}

/** Sets a random leaf (or node) of `value` to `replacement`; returns false if there is none. */
function replaceRandom(rng: Rng, value: unknown, replacement: unknown): boolean {
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach((child, i) => (slots.push([node, i]), walk(child)));
    else if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        slots.push([node as Record<string, unknown>, key]);
        walk(child);
      }
    }
  };
  walk(value);
  if (slots.length === 0) return false;
  const [parent, key] = slots[rng.nextInt(slots.length)];
  (parent as Record<string | number, unknown>)[key] = replacement;
  return true;
}

describe('generator importer fuzz', () => {
  it('rejects 1,500 random and mutated files with ImportError only', async () => {
    const rng = new Rng(11);
    const cases: ImportFile[] = [];
    const prefixes = [[], [0x50, 0x4b, 3, 4], [0x50, 0x4b, 5, 6], [0x7b]];
    for (let i = 0; i < 500; i++) {
      const prefix = prefixes[rng.nextInt(prefixes.length)];
      const bytes = randomBytes(rng, prefix.length + rng.nextInt(300));
      bytes.set(prefix);
      cases.push(file(rng.nextInt(2) ? 'g.zip' : MODEL_JSON, bytes));
    }
    for (let i = 0; i < 1000; i++) cases.push(file('g.zip', mutate(rng, smallZip)));
    const started = performance.now();
    const outcome = await run(cases);
    expect(outcome.imported).toBe(0);
    expect(outcome.rejected).toBe(cases.length);
    expect(performance.now() - started).toBeLessThan(8000);
  });

  it('rejects zips with odd contents', async () => {
    const weights = small[WEIGHTS_FILE];
    const model = small[MODEL_JSON];
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i < 40; i++) many[`f${i}.txt`] = new Uint8Array(1);
    const odd: Record<string, Uint8Array>[] = [
      {},
      { 'readme.txt': strToU8('hello') },
      { 'a/': new Uint8Array(0), 'b/': new Uint8Array(0) },
      { '../model.json': model, [WEIGHTS_FILE]: weights },
      { '/abs/model.json': model },
      { 'C:/model.json': model },
      { 'a\\model.json': model },
      { 'x/model.json': model, 'y/model.json': model, [WEIGHTS_FILE]: weights },
      { [MODEL_JSON]: model },
      { [MODEL_JSON]: model, [WEIGHTS_FILE]: weights.subarray(0, 7) },
      { [MODEL_JSON]: model, [WEIGHTS_FILE]: new Uint8Array(weights.length + 4) },
      { [MODEL_JSON]: strToU8('{"format":"graph-model","modelTopology":{},"weightsManifest":[]}'), [WEIGHTS_FILE]: weights },
      { [MODEL_JSON]: strToU8('[]') },
      { [MODEL_JSON]: strToU8('{') },
      { [MODEL_JSON]: randomBytes(new Rng(1), 200) },
      { 'inner.zip': smallZip },
      { ...many, [MODEL_JSON]: model },
    ];
    const outcome = await run(odd.map((entries) => file('odd.zip', zipSync(entries))));
    expect(outcome.rejected).toBe(odd.length);
    // Stored entries whose headers declare sizes they do not have.
    const declared = [0, 1, 0x7fffffff, 0xffffffff].map((size) => {
      const bytes = zipSync({ [MODEL_JSON]: model, [WEIGHTS_FILE]: weights }, { level: 0 });
      const view = new DataView(bytes.buffer);
      for (let i = 0; i + 30 < bytes.length; i++) {
        const sig = view.getUint32(i, true);
        if (sig === 0x04034b50) view.setUint32(i + 22, size, true);
        if (sig === 0x02014b50) view.setUint32(i + 24, size, true);
      }
      return file('lying.zip', bytes);
    });
    expect((await run(declared)).rejected).toBe(declared.length);
  });

  it('rejects 400 model.json files with wrong, missing or huge values', async () => {
    const rng = new Rng(5);
    const replacements = [null, -1, 0, 1e9, 2 ** 31, 65_536, 1.5, 'x', '', [], {}, [1e9, 1e9], [-1], true];
    const cases: ImportFile[][] = [];
    for (let i = 0; i < 400; i++) {
      const json = modelJson(small);
      if (!replaceRandom(rng, json, replacements[rng.nextInt(replacements.length)])) continue;
      cases.push([file(MODEL_JSON, strToU8(JSON.stringify(json))), file(WEIGHTS_FILE, small[WEIGHTS_FILE])]);
    }
    const outcome = await run(cases);
    // Some replacements change nothing that matters (a name, an unused field), and the small
    // model is no generator: every case ends in ImportError.
    expect(outcome.rejected).toBe(cases.length);
  });

  it('never lets layer sizes in model.json drive an allocation', async () => {
    const json = modelJson(small);
    const layers = (json.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
    const cases: ImportFile[][] = [];
    for (const units of [20_000, 65_536]) {
      for (const at of [0, 1]) {
        const copy = structuredClone(json);
        const copyLayers = (copy.modelTopology as typeof json.modelTopology & { config: { layers: typeof layers } }).config.layers;
        copyLayers[at].config.units = units;
        if (at === 0) copyLayers[0].config.batch_input_shape = [null, units];
        cases.push([file(MODEL_JSON, strToU8(JSON.stringify(copy))), file(WEIGHTS_FILE, small[WEIGHTS_FILE])]);
      }
    }
    const outcome = await run(cases);
    expect(outcome.rejected).toBe(cases.length);
  });

  it('still imports the real thing, and its truncations never', async () => {
    const rng = new Rng(3);
    const cases = [file('g.zip', generatorZip)];
    for (let i = 0; i < 60; i++) cases.push(file('g.zip', generatorZip.slice(0, rng.nextInt(generatorZip.length))));
    const outcome = await run(cases);
    expect(outcome.imported).toBe(1);
    expect(outcome.rejected).toBe(60);
  });
});
