/**
 * A run whose recipe draws 16 latent values, through the worker protocol: its exports carry the
 * run's recipe and latent size (saved epochs, the generator training now, and an imported one
 * exported again), the reference noise and the sample grid use 16 values per digit, and the
 * imported zip samples as the saved generator does.
 */
import { strFromU8, unzipSync } from 'fflate';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../core/config';
import { PRESETS } from '../core/presets';
import { RunRepository } from '../storage/runRepository';
import { openLabStores } from '../storage/storeNames';
import { sessionHarness } from '../testing/sessionHarness';
import type { WorkerEvent } from './protocol';

const { onnx } = onnxProto;
const LATENT = 16;

const repo = new RunRepository(openLabStores());
const { events, send } = sessionHarness({ storage: repo });

const seedRecipe = PRESETS.seed.recipe;
const { config, problems } = parseConfig({
  backend: 'cpu',
  epochs: 1,
  stepsPerEpoch: 2,
  checkpointEvery: 1,
  logEvery: 1,
  seed: 8,
  recipe: { ...seedRecipe, generator: { ...seedRecipe.generator, inputSize: LATENT }, loss: 'leastSquares', batchSize: 2 },
});

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

function manifestOf(bytes: ArrayBuffer): Record<string, unknown> {
  return JSON.parse(strFromU8(unzipSync(new Uint8Array(bytes))['manifest.json'])) as Record<string, unknown>;
}

function onnxMetadata(bytes: ArrayBuffer): Record<string, string> {
  return Object.fromEntries(onnx.ModelProto.decode(new Uint8Array(bytes)).metadataProps.map((p) => [p.key, p.value]));
}

async function onnxImages(bytes: ArrayBuffer, noise: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['wasm'] });
  try {
    const { image } = await session.run({ noise: new ort.Tensor('float32', noise, [noise.length / LATENT, LATENT]) });
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

beforeAll(async () => {
  expect(problems).toEqual([]);
  expect(config.recipe.generator.inputSize).toBe(LATENT);
  await send({ type: 'start', runId: 'z16', config });
  expect(events.at(-1)).toMatchObject({ type: 'stopped', reason: 'completed' });
});

describe('exports of a run with 16 latent values', () => {
  it("writes the run's recipe into manifest.json and the ONNX metadata, and draws 16 values per reference digit", async () => {
    await send({ type: 'export-generator', requestId: 1, source: { kind: 'saved', runId: 'z16', epoch: 1 }, format: 'tfjs' });
    expect(manifestOf(reply('generator-exported', 1).bytes)).toMatchObject({
      preset: 'seed',
      recipe: config.recipe,
      latentSize: LATENT,
      epoch: 1,
    });

    await send({
      type: 'export-generator',
      requestId: 2,
      source: { kind: 'saved', runId: 'z16', epoch: 1 },
      format: 'onnx',
      reference: { seed: 7, count: 3 },
    });
    const exported = reply('generator-exported', 2);
    const props = onnxMetadata(exported.bytes);
    expect(JSON.parse(props.recipe)).toEqual(config.recipe);
    expect(props).toMatchObject({ preset: 'seed', latent_size: '16' });
    const reference = exported.reference!;
    expect(reference.noise).toHaveLength(3 * LATENT);
    expect(maxAbsDiff(await onnxImages(exported.bytes, reference.noise), reference.images)).toBeLessThanOrEqual(1e-5);

    // The sample grid of the same seed draws the same noise, so shows the reference's digits.
    await send({ type: 'sample', requestId: 3, runId: 'z16', epoch: 1, seed: 7, count: 3 });
    const pixels = Array.from(reference.images, (v) => Math.min(255, Math.max(0, Math.round((v + 1) * 127.5))));
    expect(Array.from(reply('sample-result', 3).pixels.subarray(0, 3 * 784))).toEqual(pixels);

    await send({ type: 'interpolate', requestId: 4, runId: 'z16', epoch: 1, seedA: 1, seedB: 2, steps: 4 });
    expect(reply('sample-result', 4)).toMatchObject({ rows: 1, cols: 4, count: 4 });
  });

  it('imports the zip, samples 16-value noise from it, and exports it again with its recipe', async () => {
    await send({ type: 'export-generator', requestId: 10, source: { kind: 'saved', runId: 'z16', epoch: 1 }, format: 'tfjs' });
    const zip = reply('generator-exported', 10);
    await send({ type: 'import-generator', requestId: 11, files: [new File([zip.bytes], zip.fileName)] });
    const imported = reply('generator-imported', 11);

    await send({ type: 'sample', requestId: 12, runId: 'z16', epoch: 1, seed: 4, count: 5 });
    await send({ type: 'sample-imported', requestId: 13, importId: imported.importId, seed: 4, count: 5 });
    const saved = reply('sample-result', 12);
    const fromImport = reply('sample-result', 13);
    const diffs = Array.from(fromImport.pixels, (v, i) => Math.abs(v - saved.pixels[i]));
    expect(Math.max(...diffs)).toBeLessThanOrEqual(1);

    await send({
      type: 'export-generator',
      requestId: 14,
      source: { kind: 'imported', importId: imported.importId },
      format: 'onnx',
      reference: { seed: 4, count: 2 },
    });
    const again = reply('generator-exported', 14);
    expect(JSON.parse(onnxMetadata(again.bytes).recipe)).toEqual(config.recipe);
    expect(again.reference!.noise).toHaveLength(2 * LATENT);
    expect(maxAbsDiff(await onnxImages(again.bytes, again.reference!.noise), again.reference!.images)).toBeLessThanOrEqual(1e-5);
  });

  it('exports the generator training now with the run recipe', async () => {
    await send({ type: 'export-generator', requestId: 20, source: { kind: 'training', runId: 'z16' }, format: 'tfjs' });
    expect(manifestOf(reply('generator-exported', 20).bytes)).toMatchObject({ recipe: config.recipe, latentSize: LATENT });
  });
});
