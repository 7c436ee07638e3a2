/**
 * Exports and imports through the worker protocol: a saved epoch's generator as a TF.js zip and
 * as ONNX (with the noise and tfjs output the page compares against), the generator training
 * now, a zip imported back and sampled from, and refused files that change nothing.
 */
import * as ort from 'onnxruntime-web';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config';
import { Rng } from '../core/rng';
import { weightShapes } from '../core/architecture';
import { networkFromSpec } from '../core/export/generatorLayers';
import { kerasModel, writeKerasH5 } from '../core/export/kerasH5Export';
import { PRESETS } from '../core/presets';
import { RunRepository } from '../storage/runRepository';
import { openLabStores } from '../storage/storeNames';
import type { WorkerEvent } from './protocol';
import { sessionHarness } from '../testing/sessionHarness';

const repo = new RunRepository(openLabStores());
const { events, send } = sessionHarness({ storage: repo });

function reply<T extends WorkerEvent['type']>(type: T, requestId: number): Extract<WorkerEvent, { type: T }> {
  const found = events.find(
    (e): e is Extract<WorkerEvent, { type: T }> => e.type === type && 'requestId' in e && e.requestId === requestId,
  );
  if (!found) {
    const error = events.find((e) => e.type === 'error' && e.requestId === requestId);
    throw new Error(`No ${type} for request ${requestId}: ${JSON.stringify(error)}`);
  }
  return found;
}

function errorFor(requestId: number) {
  return events.find((e): e is Extract<WorkerEvent, { type: 'error' }> => e.type === 'error' && e.requestId === requestId);
}

const config = parseConfig({ backend: 'cpu', epochs: 2, stepsPerEpoch: 1, batchSize: 2, logEvery: 1, checkpointEvery: 1, seed: 3 }).config;

beforeAll(async () => {
  await send({ type: 'start', runId: 'x1', config });
  expect(events.at(-1)).toMatchObject({ type: 'stopped', reason: 'completed' });
});

async function onnxImages(bytes: ArrayBuffer, noise: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['wasm'] });
  try {
    const { image } = await session.run({ noise: new ort.Tensor('float32', noise, [noise.length / 100, 100]) });
    return image.data as Float32Array;
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('generator exports through the worker', () => {
  it('exports a saved epoch as a TF.js zip with its manifest and as ONNX matching tfjs on the same noise', async () => {
    await send({ type: 'export-generator', requestId: 1, source: { kind: 'saved', runId: 'x1', epoch: 2 }, format: 'tfjs' });
    const zip = reply('generator-exported', 1);
    expect(zip.fileName).toBe('mnist-gan-seed-epoch2-generator.zip');
    expect(zip.facts).toMatchObject({ preset: 'seed', epoch: 2, step: 2, seed: 3 });
    const files = unzipSync(new Uint8Array(zip.bytes));
    expect(Object.keys(files).sort()).toEqual(['group1-shard1of1.bin', 'manifest.json', 'model.json']);
    expect(JSON.parse(new TextDecoder().decode(files['manifest.json']))).toMatchObject({ epoch: 2, step: 2, seed: 3, preset: 'seed' });

    await send({
      type: 'export-generator',
      requestId: 2,
      source: { kind: 'saved', runId: 'x1', epoch: 2 },
      format: 'onnx',
      reference: { seed: 7, count: 5 },
    });
    const onnx = reply('generator-exported', 2);
    expect(onnx.fileName).toBe('mnist-gan-seed-epoch2-generator.onnx');
    const reference = onnx.reference!;
    expect(reference.noise.length).toBe(5 * 100);
    expect(reference.images.length).toBe(5 * 784);
    expect(maxAbsDiff(await onnxImages(onnx.bytes, reference.noise), reference.images)).toBeLessThanOrEqual(1e-5);

    // The reference is what the sample grid of the same seed shows.
    await send({ type: 'sample', requestId: 3, runId: 'x1', epoch: 2, seed: 7, count: 5 });
    const sample = reply('sample-result', 3);
    const pixels = Array.from(reference.images, (v) => Math.min(255, Math.max(0, Math.round((v + 1) * 127.5))));
    expect(Array.from(sample.pixels.subarray(0, 5 * 784))).toEqual(pixels);
  });

  it('imports the exported zip, samples from it, and exports it again', async () => {
    await send({ type: 'export-generator', requestId: 10, source: { kind: 'saved', runId: 'x1', epoch: 1 }, format: 'tfjs' });
    const zip = reply('generator-exported', 10);
    await send({ type: 'import-generator', requestId: 11, files: [new File([zip.bytes], zip.fileName)] });
    const imported = reply('generator-imported', 11);
    expect(imported).toMatchObject({ name: 'mnist-gan-seed-epoch1-generator.zip', facts: { epoch: 1, seed: 3, preset: 'seed' } });

    await send({ type: 'sample', requestId: 12, runId: 'x1', epoch: 1, seed: 4, count: 12 });
    await send({ type: 'sample-imported', requestId: 13, importId: imported.importId, seed: 4, count: 12 });
    const saved = reply('sample-result', 12);
    const fromImport = reply('sample-result', 13);
    expect(fromImport).toMatchObject({ runId: imported.importId, rows: 2, cols: 10, count: 12 });
    // Layers predict and the training forward pass may round differently in the last bit.
    const diffs = Array.from(fromImport.pixels, (v, i) => Math.abs(v - saved.pixels[i]));
    expect(Math.max(...diffs)).toBeLessThanOrEqual(1);

    await send({
      type: 'export-generator',
      requestId: 14,
      source: { kind: 'imported', importId: imported.importId },
      format: 'onnx',
      reference: { seed: 4, count: 3 },
    });
    const again = reply('generator-exported', 14);
    expect(again.fileName).toBe('mnist-gan-seed-epoch1-generator.onnx');
    expect(maxAbsDiff(await onnxImages(again.bytes, again.reference!.noise), again.reference!.images)).toBeLessThanOrEqual(1e-5);
  });

  it('exports a saved epoch as a Keras .h5, imports it back, samples the same digits and exports it as ONNX', async () => {
    await send({ type: 'export-generator', requestId: 40, source: { kind: 'saved', runId: 'x1', epoch: 1 }, format: 'keras' });
    const h5 = reply('generator-exported', 40);
    expect(h5.fileName).toBe('mnist-gan-seed-epoch1-generator.h5');
    expect(Array.from(new Uint8Array(h5.bytes).subarray(0, 8))).toEqual([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    // Detected by its signature, whatever it is called.
    await send({ type: 'import-generator', requestId: 41, files: [new File([h5.bytes], 'generator.bin')] });
    const imported = reply('generator-imported', 41);
    expect(imported.name).toBe('generator.bin');
    await send({ type: 'sample', requestId: 42, runId: 'x1', epoch: 1, seed: 4, count: 12 });
    await send({ type: 'sample-imported', requestId: 43, importId: imported.importId, seed: 4, count: 12 });
    const saved = reply('sample-result', 42);
    const fromImport = reply('sample-result', 43);
    expect(Math.max(...Array.from(fromImport.pixels, (v, i) => Math.abs(v - saved.pixels[i])))).toBeLessThanOrEqual(1);
    await send({ type: 'export-generator', requestId: 44, source: { kind: 'imported', importId: imported.importId }, format: 'onnx', reference: { seed: 4, count: 3 } });
    const onnx = reply('generator-exported', 44);
    expect(maxAbsDiff(await onnxImages(onnx.bytes, onnx.reference!.noise), onnx.reference!.images)).toBeLessThanOrEqual(1e-5);

    await send({ type: 'import-generator', requestId: 45, files: [new File(['not a model'], 'notes.h5')] });
    expect(errorFor(45)).toMatchObject({ code: 'import', message: expect.stringMatching(/^notes\.h5: this is not an HDF5 file/) });
  });

  it('imports a weights-only .h5 chosen with its recipe .json, and refuses it without one or beside a second .h5 without an epoch in its name', async () => {
    const recipe = PRESETS.seed.recipe;
    const spec = recipe.generator;
    const rng = new Rng(5);
    const weights = weightShapes(spec).map((shape) => rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))).map((v) => v * 0.05));
    const model = kerasModel(networkFromSpec({ spec, weights }));
    const weightsOnly = await writeKerasH5(model, { weightsOnly: true });
    const whole = await writeKerasH5(model);
    const recipeFile = new File([JSON.stringify(recipe)], 'recipe.json');

    await send({ type: 'import-generator', requestId: 50, files: [new File([weightsOnly], 'w.h5')] });
    expect(errorFor(50)?.message).toMatch(/^w\.h5: this is a weights-only file .* recipe \.json/);
    await send({ type: 'import-generator', requestId: 51, files: [new File([weightsOnly], 'w.h5'), new File(['{"batchSize": 0}'], 'bad.json')] });
    expect(errorFor(51)?.message).toMatch(/^bad\.json is not a lab recipe: /);
    // Two .h5 files are a folder to become a run: each name must say its epoch.
    await send({ type: 'import-generator', requestId: 52, files: [new File([weightsOnly], 'a.h5'), new File([whole], 'b.h5')] });
    expect(errorFor(52)?.message).toMatch(/^a\.h5: its name holds no epoch number/);

    await send({ type: 'import-generator', requestId: 53, files: [new File([weightsOnly], 'w.h5'), recipeFile] });
    await send({ type: 'import-generator', requestId: 54, files: [new File([whole], 'whole.h5')] });
    const [fromWeights, fromWhole] = [reply('generator-imported', 53), reply('generator-imported', 54)];
    expect(fromWeights.name).toBe('w.h5');
    await send({ type: 'sample-imported', requestId: 55, importId: fromWeights.importId, seed: 2, count: 4 });
    await send({ type: 'sample-imported', requestId: 56, importId: fromWhole.importId, seed: 2, count: 4 });
    expect(Array.from(reply('sample-result', 55).pixels)).toEqual(Array.from(reply('sample-result', 56).pixels));
  });

  it('refuses damaged and oversized files with a sentence, before reading a big one', async () => {
    const junk = new Rng(9).fillNormal(new Float32Array(256));
    await send({ type: 'import-generator', requestId: 20, files: [new File([junk.buffer as ArrayBuffer], 'x.zip')] });
    expect(errorFor(20)).toMatchObject({ code: 'import', message: expect.stringMatching(/^x\.zip is neither a zip nor a TF\.js model\.json/) });
    expect(errorFor(20)?.runId).toBeUndefined();

    let read = false;
    const huge = {
      name: 'huge.zip',
      size: 200 * 1024 * 1024,
      arrayBuffer: async () => {
        read = true;
        return new ArrayBuffer(0);
      },
    } as unknown as File;
    await send({ type: 'import-generator', requestId: 21, files: [huge] });
    expect(errorFor(21)).toMatchObject({ code: 'import', message: expect.stringMatching(/huge\.zip is 200\.0 MB; .* up to 64\.0 MB/) });
    expect(read).toBe(false);

    await send({ type: 'sample-imported', requestId: 22, importId: 'import-99', seed: 1, count: 1 });
    expect(errorFor(22)?.message).toMatch(/no longer in the worker/);
    await send({ type: 'export-generator', requestId: 23, source: { kind: 'training', runId: 'other' }, format: 'onnx' });
    expect(errorFor(23)?.message).toMatch(/not training in this worker/);
  });

  it("exports the generator of the worker's run as it stands", async () => {
    await send({ type: 'export-generator', requestId: 30, source: { kind: 'training', runId: 'x1' }, format: 'tfjs' });
    expect(reply('generator-exported', 30)).toMatchObject({
      fileName: 'mnist-gan-seed-epoch2-generator.zip',
      facts: { preset: 'seed', epoch: 2, step: 2, seed: 3 },
    });
  });
});
