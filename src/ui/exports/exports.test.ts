import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIGIT_PIXELS, LATENT_SIZE } from '../../core/digits';
import type { Command, GeneratorFacts, WorkerEvent } from '../../worker/protocol';
import type { LabStore } from '../shared/labStore';
import { createTestLab, waitFor } from '../../testing/testLab';
import type { ExportsController } from './exportsController';
import { effectiveSource, initialExportsState, sourceFromKey, sourceKey } from './exportsState';

const facts: GeneratorFacts = { preset: 'seed', epoch: 2, step: 4, seed: 3, metrics: {} };

describe('exports state', () => {
  it('follows the newest checkpoint until a source is chosen, and keys round-trip', () => {
    expect(effectiveSource(initialExportsState, [1, 2])).toEqual({ kind: 'epoch', epoch: 2 });
    expect(effectiveSource(initialExportsState, [])).toBeNull();
    const imported = { ...initialExportsState, imported: [{ importId: 'import-1', name: 'g.zip', facts }] };
    expect(effectiveSource(imported, [])).toEqual({ kind: 'imported', importId: 'import-1' });
    expect(effectiveSource({ ...imported, source: { kind: 'epoch', epoch: 1 } }, [1, 2])).toEqual({ kind: 'epoch', epoch: 1 });
    // A chosen epoch that is gone (pruned) falls back to the newest.
    expect(effectiveSource({ ...imported, source: { kind: 'epoch', epoch: 7 } }, [1, 2])).toEqual({ kind: 'epoch', epoch: 2 });
    for (const source of [{ kind: 'epoch', epoch: 20 }, { kind: 'imported', importId: 'import-3' }] as const) {
      expect(sourceFromKey(sourceKey(source))).toEqual(source);
    }
  });
});

describe('exports controller', () => {
  let posted: () => Command[];
  let saved: { name: string; type: string; size: number }[];
  let emit: (event: WorkerEvent) => void;
  let store: LabStore;
  let controller: ExportsController;
  let runtimeLoads: number;
  let dispose: () => void;

  beforeEach(() => {
    saved = [];
    runtimeLoads = 0;
    const test = createTestLab('?backend=cpu', {
      saveFile: (data, name) => saved.push({ name, type: data.type, size: data.size }),
      loadOnnxRuntime: async () => {
        runtimeLoads += 1;
        // A stand-in runtime: tfjs's values, nudged by 1e-7.
        return {
          runOnnxGenerator: async (_bytes, noise) =>
            new Float32Array((noise.length / LATENT_SIZE) * DIGIT_PIXELS).fill(0.5 + 1e-7),
        };
      },
      now: () => 0,
    });
    ({ store, emit } = test);
    posted = () => test.worker().posted;
    controller = test.lab.exports;
    dispose = test.lab.dispose;
    test.ready();
    store.update('history', (h) => ({ ...h, viewRunId: 'r1' }));
  });

  afterEach(() => dispose());

  const last = () => posted().at(-1)!;

  it('downloads the chosen epoch of the viewed run as a file named by the worker', () => {
    controller.download({ kind: 'epoch', epoch: 2 }, 'onnx');
    const command = last();
    expect(command).toMatchObject({ type: 'export-generator', source: { kind: 'saved', runId: 'r1', epoch: 2 }, format: 'onnx' });
    const requestId = command.type === 'export-generator' ? command.requestId : -1;
    expect(store.getState().exports.downloads.onnx).toBe(requestId);
    emit({ type: 'generator-exported', requestId, format: 'onnx', fileName: 'g.onnx', bytes: new ArrayBuffer(12), facts });
    expect(saved).toEqual([{ name: 'g.onnx', type: 'application/octet-stream', size: 12 }]);
    expect(store.getState().exports.downloads.onnx).toBeUndefined();
  });

  it('adds a successful import as the sample source; a refused one changes nothing', () => {
    const file = new File([new Uint8Array(4)], 'x.zip');
    controller.importFiles([file]);
    const bad = last();
    expect(bad).toMatchObject({ type: 'import-generator', files: [file] });
    const badId = bad.type === 'import-generator' ? bad.requestId : -1;
    emit({ type: 'error', requestId: badId, code: 'import', message: 'x.zip is neither a zip nor a TF.js model.json.' });
    let state = store.getState();
    expect(state.exports).toMatchObject({ imported: [], source: null, importRequestId: null });
    expect(state.messages.errors.at(-1)?.message).toBe('x.zip is neither a zip nor a TF.js model.json.');

    controller.importFiles([new File([new Uint8Array(4)], 'g.zip')]);
    const good = last();
    const goodId = good.type === 'import-generator' ? good.requestId : -1;
    emit({ type: 'generator-imported', requestId: goodId, importId: 'import-1', name: 'g.zip', facts });
    state = store.getState();
    expect(state.exports.imported).toEqual([{ importId: 'import-1', name: 'g.zip', facts }]);
    expect(state.exports.source).toEqual({ kind: 'imported', importId: 'import-1' });
  });

  it('shows several .h5 files that became a saved run: a notice naming what was skipped, the run viewed', async () => {
    store.update('exports', (e) => ({ ...e, source: { kind: 'epoch', epoch: 2 } }));
    const files = [new File([new Uint8Array(4)], 'gan_generator_epoch_20.h5'), new File([new Uint8Array(4)], 'gan_discriminator_epoch_20.h5')];
    controller.importFiles(files);
    const command = last();
    const requestId = command.type === 'import-generator' ? command.requestId : -1;
    const run = { runId: 'keras-run', name: 'Keras generators, epochs 20–40', epochs: [20, 40], skipped: ['gan_discriminator_epoch_20.h5'] };
    emit({ type: 'run-imported', requestId, run });
    const state = store.getState();
    // Not an in-memory generator: the sample panel follows the viewed run's newest epoch again.
    expect(state.exports).toMatchObject({ imported: [], source: null, importRequestId: null });
    expect(state.messages.notices.map((n) => n.message)).toEqual([
      'Imported 2 Keras generators as the saved run "Keras generators, epochs 20–40" (epochs 20, 40). Skipped (not generators): gan_discriminator_epoch_20.h5.',
    ]);
    await waitFor('the imported run to be viewed', () => store.getState().history.viewRunId === 'keras-run');
  });

  it('runs the ONNX check on the noise the worker sent and reports the largest difference', async () => {
    controller.runOnnx({ kind: 'epoch', epoch: 2 }, 5, 12);
    const command = last();
    expect(command).toMatchObject({ type: 'export-generator', format: 'onnx', reference: { seed: 5, count: 12 } });
    const requestId = command.type === 'export-generator' ? command.requestId : -1;
    expect(store.getState().exports.onnx).toMatchObject({ status: 'exporting', rows: 2, cols: 10, sourceLabel: 'epoch 2' });
    emit({
      type: 'generator-exported',
      requestId,
      format: 'onnx',
      fileName: 'g.onnx',
      bytes: new ArrayBuffer(8),
      facts,
      reference: {
        seed: 5,
        count: 12,
        noise: new Float32Array(12 * LATENT_SIZE),
        images: new Float32Array(12 * DIGIT_PIXELS).fill(0.5),
      },
    });
    await waitFor('the ONNX check to end', () => ['done', 'error'].includes(store.getState().exports.onnx!.status));
    const onnx = store.getState().exports.onnx!;
    expect(onnx.status).toBe('done');
    expect(onnx.maxDiff).toBeGreaterThan(0);
    expect(onnx.maxDiff).toBeLessThan(2e-7);
    expect(runtimeLoads).toBe(1);
    // Nothing was downloaded: the check keeps its bytes to itself.
    expect(saved).toEqual([]);
    const pixels = controller.onnxPixels()!;
    expect(pixels).toMatchObject({ rows: 2, cols: 10, version: onnx.version });
    expect(pixels.pixels[0]).toBe(191);
    expect(pixels.pixels[12 * DIGIT_PIXELS]).toBe(0);
  });
});
