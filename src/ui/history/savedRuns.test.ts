import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfigFromSearch } from '../../core/config';
import type { RunRecord } from '../../storage/records';
import { RunRepository } from '../../storage/runRepository';
import { openLabStores } from '../../storage/storeNames';
import type { Command, WorkerEvent } from '../../worker/protocol';
import { encodeHistoryGif, gifFileName, pngFileName } from './gridDownloads';
import { type HistoryController, createHistoryController } from './historyController';
import { epochAt, epochSelected, initialHistoryState, runsLoaded, viewedRun } from './historyState';
import { createLabStore } from '../shared/labStore';
import { createWorkerClient } from '../run/workerClient';

const { config } = parseConfigFromSearch('?backend=cpu&epochs=4&stepsPerEpoch=2&checkpointEvery=2');

function record(id: string, epochs: number[], createdAt = 1): RunRecord {
  return {
    id,
    name: `run ${id}`,
    createdAt,
    updatedAt: createdAt,
    config,
    status: 'stopped',
    backend: 'cpu',
    keepFullStates: false,
    epochs: epochs.map((epoch) => ({
      epoch,
      step: epoch * 2,
      wallTimeMs: 0,
      savedAt: 0,
      loss: null,
      hasGenerator: epoch % 2 === 0,
      hasFullState: false,
      generatorBytes: 0,
      stateBytes: 0,
      bytes: 10,
    })),
    latest: epochs.length ? { step: epochs.at(-1)! * 2, epoch: epochs.at(-1)!, wallTimeMs: 0, bytes: 1 } : null,
    lossThroughStep: (epochs.at(-1) ?? 0) * 2,
  };
}

function grid(fill: number): Uint8ClampedArray {
  return new Uint8ClampedArray(100 * 784).fill(fill);
}

describe('history state', () => {
  it('follows the newest epoch until the user picks another, and clamps scrubbing', () => {
    let h = runsLoaded(initialHistoryState, [record('a', [1, 2, 3])]);
    expect(h.viewRunId).toBe('a');
    expect(h.selectedEpoch).toBe(3);
    expect(h.compare).toEqual([1, 3]);
    h = runsLoaded(h, [record('a', [1, 2, 3, 4])]);
    expect(h.selectedEpoch).toBe(4);
    h = epochSelected(h, 2);
    h = runsLoaded(h, [record('a', [1, 2, 3, 4, 5])]);
    expect(h.selectedEpoch).toBe(2);
    const epochs = viewedRun(h)!.epochs;
    expect(epochAt(epochs, 2, -1)).toBe(1);
    expect(epochAt(epochs, 1, -1)).toBe(1);
    expect(epochAt(epochs, 2, Infinity)).toBe(5);
    expect(epochAt(epochs, 2, -Infinity)).toBe(1);
    // An epoch that was never saved cannot be selected.
    expect(epochSelected(h, 9)).toBe(h);
  });
});

describe('history controller', () => {
  let repo: RunRepository;
  let posted: Command[];
  let saved: { name: string; size: number }[];
  let controller: HistoryController;
  let store: ReturnType<typeof createLabStore>;
  let emit: (event: WorkerEvent) => void;

  beforeEach(async () => {
    repo = new RunRepository(openLabStores());
    for (const run of await repo.listRuns()) await repo.deleteRun(run.id);
    store = createLabStore(parseConfigFromSearch('?backend=cpu'), () => () => {});
    posted = [];
    saved = [];
    const worker = new EventTarget() as EventTarget & Worker;
    worker.postMessage = (command: Command) => posted.push(command);
    worker.terminate = () => {};
    emit = (event) => worker.dispatchEvent(new MessageEvent('message', { data: event }));
    const client = createWorkerClient(store, () => worker);
    client.init('cpu');
    emit({ type: 'ready', requestId: 1, backend: 'cpu', backendDetail: '', available: ['cpu'] });
    controller = createHistoryController(store, client, {
      repository: repo,
      storage: {
        estimate: async () => ({ usage: 84e6, quota: 10e9 }),
        persist: async () => true,
        persisted: async () => true,
      },
      saveFile: (data, name) => saved.push({ name, size: data.size }),
    });
  });

  async function saveRun(id: string, epochs: number, createdAt = 1) {
    await repo.createRun({ ...record(id, [], createdAt), status: 'training' });
    for (let epoch = 1; epoch <= epochs; epoch++) {
      await repo.saveEpoch(id, {
        epoch,
        step: epoch * 2,
        wallTimeMs: epoch,
        grid: grid(epoch * 10),
        rows: 10,
        cols: 10,
        losses: [{ step: epoch * 2, dLoss: 1, gLoss: 2, dReal: 0.5, dFake: 0.4 }],
        generator: new ArrayBuffer(8),
        state: new ArrayBuffer(16),
        status: epoch === epochs ? 'completed' : 'training',
      });
    }
  }

  it('reads saved runs, their grids and storage use; shows the saved losses in the chart', async () => {
    await saveRun('old', 2, 1);
    await saveRun('new', 3, 2);
    await controller.refresh();
    const { history } = store.getState();
    expect(history.runs?.map((r) => r.id)).toEqual(['new', 'old']);
    expect(history.viewRunId).toBe('new');
    expect(history.selectedEpoch).toBe(3);
    expect(history.storage).toEqual({ usage: 84e6, quota: 10e9, persisted: true });
    expect(controller.gridPixels(2)?.[0]).toBe(20);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(store.losses.length).toBe(3);
    expect(store.getState().history.chartRunId).toBe('new');

    controller.stepEpoch(-Infinity);
    expect(store.getState().history.selectedEpoch).toBe(1);
    controller.stepEpoch(1);
    expect(store.getState().history.selectedEpoch).toBe(2);

    await controller.downloadGif();
    expect(saved).toEqual([{ name: 'gan_history run_new epochs 1-3.gif', size: expect.any(Number) }]);
  });

  it('sends samples with fresh request ids and keeps only the answer to the latest', async () => {
    await saveRun('s', 2);
    await controller.refresh();
    controller.sample(2, 7, 12);
    controller.sample(2, 7, 12);
    const [first, second] = posted.filter((c) => c.type === 'sample');
    expect(first).toMatchObject({ type: 'sample', runId: 's', epoch: 2, seed: 7, count: 12 });
    expect(second.type === 'sample' && first.type === 'sample' && second.requestId).not.toBe(
      first.type === 'sample' && first.requestId,
    );
    const answer = (requestId: number, fill: number): WorkerEvent => ({
      type: 'sample-result',
      requestId,
      runId: 's',
      epoch: 2,
      pixels: new Uint8ClampedArray(20 * 784).fill(fill),
      rows: 2,
      cols: 10,
      count: 12,
    });
    emit(answer(first.type === 'sample' ? first.requestId : 0, 1));
    expect(controller.samplePixels('sample')).toBeNull();
    emit(answer(second.type === 'sample' ? second.requestId : 0, 2));
    expect(controller.samplePixels('sample')?.pixels[0]).toBe(2);
    expect(store.getState().history.sample).toMatchObject({ status: 'done', rows: 2, count: 12 });
  });

  it('resumes a saved run with its losses and step, then views it', async () => {
    await saveRun('r', 3);
    await controller.refresh();
    await controller.resumeRun('r', 4);
    expect(posted.at(-1)).toEqual({ type: 'resume-run', runId: 'r', epochs: 4, backend: 'cpu' });
    const run = store.getState().run!;
    expect(run).toMatchObject({ runId: 'r', status: 'loading', step: 6, epoch: 3, totalSteps: 8 });
    expect(store.losses.length).toBe(3);
  });

  it('shows a full disk with its numbers and clears it after pruning', async () => {
    await saveRun('q', 3);
    await controller.refresh();
    emit({
      type: 'storage-error',
      runId: 'q',
      code: 'quota',
      epoch: 4,
      message: 'Epoch 4 was not saved: full.',
      usedBytes: 5,
      quotaBytes: 6,
    });
    expect(store.getState().history.storageProblem).toMatchObject({ code: 'quota', usedBytes: 5, quotaBytes: 6 });
    await controller.pruneRun('q');
    expect(store.getState().history.storageProblem).toBeNull();
    expect(viewedRun(store.getState().history)?.epochs.filter((e) => e.hasGenerator).map((e) => e.epoch)).toEqual([3]);
    await controller.deleteRun('q');
    expect(store.getState().history.runs).toEqual([]);
  });
});

describe('grid downloads', () => {
  it('names files like the original and encodes a looping GIF with one frame per epoch', () => {
    expect(pngFileName(20)).toBe('gan_generated_image 20.png');
    expect(gifFileName('Seed (Keras original), seed 42', 1, 200)).toBe(
      'gan_history Seed_Keras_original_seed_42 epochs 1-200.gif',
    );
    const bytes = encodeHistoryGif([grid(0), grid(128), grid(255)], 10, 10);
    expect(String.fromCharCode(...bytes.subarray(0, 6))).toBe('GIF89a');
    // Logical screen 280 × 280, little-endian.
    expect(bytes[6] | (bytes[7] << 8)).toBe(280);
    const text = String.fromCharCode(...bytes);
    expect(text).toContain('NETSCAPE2.0');
    // One image descriptor (0x2c) after each graphic control extension (0x21 0xf9).
    expect(text.split('\u0021\u00f9').length - 1).toBe(3);
    expect(bytes.at(-1)).toBe(0x3b);
  });
});
