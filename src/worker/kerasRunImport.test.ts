/**
 * A folder of Keras generators through the worker protocol: several .h5 files become one saved,
 * imported run whose epochs come from the file names, whose generators give the files' outputs
 * and whose grids are the fixed-noise grids a trained run keeps; it samples and exports like a
 * trained run and refuses to train on. Bad folders are refused, naming the file, and nothing
 * stored changes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { NetworkSpec } from '../core/architecture';
import { decodeSnapshot, generatorOf } from '../core/checkpointCodec';
import { DEFAULT_CONFIG } from '../core/config';
import { GRID_DIGITS, toPixels } from '../core/digits';
import { fixedNoise } from '../core/gan';
import { importKerasH5 } from '../core/export/kerasH5Import';
import { RunRepository } from '../storage/runRepository';
import { openLabStores } from '../storage/storeNames';
import { PYTHON, SMALL_GENERATOR, kerasH5File, labImages, noise, randomWeights } from '../testing/kerasH5Oracle';
import { sessionHarness } from '../testing/sessionHarness';
import { epochOfFileName, importKerasRun } from './kerasRunImport';
import type { WorkerEvent } from './protocol';

const repo = new RunRepository(openLabStores());
const { events, send } = sessionHarness({ storage: repo });
let nextRequest = 1;

const WIDER: NetworkSpec = { ...SMALL_GENERATOR, layers: [{ kind: 'dense', units: 48 }, ...SMALL_GENERATOR.layers.slice(1)] };


/** Sends an import of `files`; its reply or its error. */
async function importFiles(files: File[]): Promise<WorkerEvent> {
  const requestId = nextRequest++;
  await send({ type: 'import-generator', requestId, files });
  const answer = events.find((e) => 'requestId' in e && e.requestId === requestId);
  if (!answer) throw new Error(`No answer to request ${requestId}.`);
  return answer;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i])), 0);
}

/** What is stored, to compare before and after a refusal. */
async function storedRuns(): Promise<string> {
  return JSON.stringify((await repo.listRuns()).map((run) => [run.id, run.epochs.length]));
}

describe('a folder of Keras generators becomes one imported run', () => {
  it('stores generators at epochs 20, 40 and 60 with their outputs and fixed-noise grids, skipping the discriminators', async () => {
    const generators = [randomWeights(SMALL_GENERATOR, 1), randomWeights(SMALL_GENERATOR, 2), randomWeights(SMALL_GENERATOR, 3)];
    const files = [
      await kerasH5File(generators[1], 'gan_generator_epoch_40.h5'),
      await kerasH5File(generators[0], 'gan_generator_epoch_20.h5'),
      new File(['never read'], 'gan_discriminator_epoch_20.h5'),
      await kerasH5File(generators[2], 'gan_generator_epoch_60.h5'),
      new File(['a folder picker brings it along'], '.DS_Store'),
    ];
    const answer = await importFiles(files);
    expect(answer).toMatchObject({ type: 'run-imported', run: { epochs: [20, 40, 60], skipped: ['gan_discriminator_epoch_20.h5', '.DS_Store'] } });
    const { runId } = (answer as Extract<WorkerEvent, { type: 'run-imported' }>).run;

    const run = await repo.requireRun(runId);
    expect(run.imported).toEqual({
      format: 'keras-h5',
      files: ['gan_generator_epoch_20.h5', 'gan_generator_epoch_40.h5', 'gan_generator_epoch_60.h5'],
      skipped: ['gan_discriminator_epoch_20.h5', '.DS_Store'],
    });
    expect(run.status).toBe('completed');
    expect(run.epochs.map((e) => [e.epoch, e.step, e.hasGenerator])).toEqual([
      [20, 20 * 128, true],
      [40, 40 * 128, true],
      [60, 60 * 128, true],
    ]);
    expect(run.config.epochs).toBe(60);
    // The lab's .h5 export leaves dropout out (it does nothing when sampling).
    expect(run.config.recipe.generator).toEqual({ ...SMALL_GENERATOR, layers: SMALL_GENERATOR.layers.filter((l) => l.kind !== 'dropout') });

    const input = noise(SMALL_GENERATOR, 6, 11);
    const gridNoise = fixedNoise(DEFAULT_CONFIG.seed, GRID_DIGITS, SMALL_GENERATOR.inputSize);
    for (const [i, epoch] of [20, 40, 60].entries()) {
      const snapshot = generatorOf(decodeSnapshot(await repo.getGenerator(runId, epoch)));
      expect(snapshot.step).toBe(epoch * 128);
      const stored = await labImages({ spec: snapshot.architecture.generator, weights: snapshot.generator }, input);
      // The file's own output, as the single-file import's tf.layers model computes it.
      const { model } = await importKerasH5({ name: files[0].name, bytes: new Uint8Array(await files[[1, 0, 3][i]].arrayBuffer()) });
      const fromFile = tf.tidy(() => model.predict(tf.tensor2d(input, [6, 16])) as tf.Tensor);
      expect(maxAbsDiff(stored, new Float32Array(await fromFile.data()))).toBeLessThanOrEqual(1e-5);
      fromFile.dispose();
      model.dispose();
      // The grid is the fixed-noise grid a trained run saves for the epoch.
      const grid = await repo.getGrid(runId, epoch);
      const expected = toPixels(await labImages(generators[i], gridNoise));
      const gridDiff = Array.from(grid!, (v, j) => Math.abs(v - expected[j]));
      expect(Math.max(...gridDiff)).toBeLessThanOrEqual(1);
    }

    // Sampled and exported like a trained run's epoch.
    const sampleId = nextRequest++;
    await send({ type: 'sample', requestId: sampleId, runId, epoch: 40, seed: 3, count: 4 });
    expect(events.find((e) => e.type === 'sample-result' && e.requestId === sampleId)).toMatchObject({ count: 4 });
    const exportId = nextRequest++;
    await send({ type: 'export-generator', requestId: exportId, source: { kind: 'saved', runId, epoch: 60 }, format: 'onnx' });
    expect(events.find((e) => e.type === 'generator-exported' && e.requestId === exportId)).toMatchObject({ fileName: 'mnist-gan-seed-epoch60-generator.onnx' });

    // It never trains: a resume is refused with the reason, and nothing starts.
    const before = events.length;
    await send({ type: 'resume-run', runId });
    const after = events.slice(before);
    expect(after.find((e) => e.type === 'error')).toMatchObject({
      runId,
      code: 'config',
      message: expect.stringMatching(/imported from 3 Keras \.h5 files: it holds generators only.*cannot resume or train on/),
    });
    expect(after.some((e) => e.type === 'started')).toBe(false);
    expect((await repo.requireRun(runId)).status).toBe('completed');
  });

  it("imports the Keras scripts' own layout (h5py-written, tanh inside the last Dense) with each file's weights", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keras-folder-'));
    try {
      const names = ['gan_generator_epoch_1.h5', 'gan_generator_epoch_20.h5'];
      names.forEach((name, i) => execFileSync(PYTHON, ['scripts/kerasH5Seed.py', join(dir, name), `--seed=${i + 7}`]));
      const files = names.map((name) => new File([readFileSync(join(dir, name))], name));
      const answer = await importFiles(files);
      expect(answer).toMatchObject({ type: 'run-imported', run: { epochs: [1, 20], skipped: [] } });
      const { runId } = (answer as Extract<WorkerEvent, { type: 'run-imported' }>).run;
      const run = await repo.requireRun(runId);
      // The seed generator exactly: the run list names its recipe as the seed preset's.
      expect(run.config.recipe.generator.layers.map((l) => l.kind)).toEqual(['dense', 'leakyRelu', 'dense', 'leakyRelu', 'dense', 'leakyRelu', 'dense', 'tanh']);
      const input = noise(run.config.recipe.generator, 3, 5);
      const outputs = [];
      for (const [i, epoch] of [1, 20].entries()) {
        const snapshot = generatorOf(decodeSnapshot(await repo.getGenerator(runId, epoch)));
        const stored = await labImages({ spec: snapshot.architecture.generator, weights: snapshot.generator }, input);
        const { model } = await importKerasH5({ name: names[i], bytes: new Uint8Array(await files[i].arrayBuffer()) });
        const fromFile = tf.tidy(() => model.predict(tf.tensor2d(input, [3, 100])) as tf.Tensor);
        expect(maxAbsDiff(stored, new Float32Array(await fromFile.data()))).toBeLessThanOrEqual(1e-5);
        fromFile.dispose();
        model.dispose();
        outputs.push(stored);
      }
      // Two files, two generators: not one stored twice.
      expect(maxAbsDiff(outputs[0], outputs[1])).toBeGreaterThan(1e-3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a folder that cannot be one run, naming the file, and stores nothing', async () => {
    const [a, b] = [randomWeights(SMALL_GENERATOR, 4), randomWeights(SMALL_GENERATOR, 5)];
    const cases: [File[], RegExp][] = [
      [
        [await kerasH5File(a, 'gan_generator_epoch_20.h5'), await kerasH5File(randomWeights(WIDER, 6), 'gan_generator_epoch_40.h5')],
        /^gan_generator_epoch_40\.h5: its network differs from gan_generator_epoch_20\.h5's \(layer 1 is \{"kind":"dense","units":48\}/,
      ],
      [
        [await kerasH5File(a, 'gan_generator_epoch_20.h5'), await kerasH5File(b, 'generator-epoch20.h5')],
        /^gan_generator_epoch_20\.h5 and generator-epoch20\.h5 are both epoch 20; choose one generator per epoch/,
      ],
      [
        [await kerasH5File(a, 'gan_generator_epoch_20.h5'), await kerasH5File(b, 'gan_generator_final.h5')],
        /^gan_generator_final\.h5: its name holds no epoch number/,
      ],
      [
        [await kerasH5File(a, 'gan_generator_epoch_20.h5'), await kerasH5File(b, 'gan_generator_epoch_40.h5'), new File(['x'], 'notes.txt')],
        /^notes\.txt was chosen with several Keras \.h5 files/,
      ],
      [
        [new File(['x'], 'gan_discriminator_epoch_20.h5'), new File(['x'], 'gan_discriminator_epoch_40.h5')],
        /only discriminator files were chosen/,
      ],
      [
        [await kerasH5File(a, 'gan_generator_epoch_20.h5'), new File(['not hdf5'], 'gan_generator_epoch_40.h5')],
        /^gan_generator_epoch_40\.h5: this is not an HDF5 file/,
      ],
    ];
    for (const [files, message] of cases) {
      const before = await storedRuns();
      const answer = await importFiles(files);
      expect(answer).toMatchObject({ type: 'error', code: 'import', message: expect.stringMatching(message) });
      expect(await storedRuns()).toBe(before);
    }
  });

  it('removes the run again when the browser refuses a write half-way (a full disk)', async () => {
    const before = await storedRuns();
    let saves = 0;
    const full = Object.assign(Object.create(repo) as RunRepository, {
      saveEpoch(runId: string, parts: Parameters<RunRepository['saveEpoch']>[1]) {
        saves += 1;
        if (saves === 2) return Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
        return repo.saveEpoch(runId, parts);
      },
    });
    const files = [await kerasH5File(randomWeights(SMALL_GENERATOR, 8), 'gan_generator_epoch_1.h5'), await kerasH5File(randomWeights(SMALL_GENERATOR, 9), 'gan_generator_epoch_2.h5')];
    await expect(importKerasRun(files, full, { newRunId: () => 'full-disk' })).rejects.toThrow(/quota/);
    expect(saves).toBe(2);
    expect(await repo.getRun('full-disk')).toBeUndefined();
    expect(await storedRuns()).toBe(before);
  });

  it('reads the epoch from the names the Keras scripts and people give', () => {
    expect(epochOfFileName('gan_generator_epoch_20.h5')).toBe(20);
    expect(epochOfFileName('GAN_images_models/gan_generator_epoch_200.h5')).toBe(200);
    expect(epochOfFileName('generator-epoch7.hdf5')).toBe(7);
    expect(epochOfFileName('g_v2_epoch_40.h5')).toBe(40);
    expect(epochOfFileName('generator_60.h5')).toBe(60);
    expect(epochOfFileName('generator.h5')).toBeNull();
  });
});
