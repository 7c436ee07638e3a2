/**
 * A whole lab on a fake worker, for the unit tests: `emit` plays the worker's part, each
 * worker's `posted` shows what the page sent it. Storage is fake-indexeddb's (the tests' setup
 * installs it), files and URLs are collected, and nothing is published unless a test's own
 * frame scheduler runs frames.
 */
import { parseConfigFromSearch } from '../core/config';
import { DIGIT_PIXELS, GRID_DIGITS } from '../core/digits';
import type { RunRecord } from '../storage/records';
import { DatasetRepository } from '../storage/datasetRepository';
import { RunRepository } from '../storage/runRepository';
import { openLabStores } from '../storage/storeNames';
import type { Command, WorkerEvent } from '../worker/protocol';
import { createLab, type LabEnvironment } from '../ui/lab';
import type { FrameScheduler } from '../ui/shared/frameStore';
import type { LabStore } from '../ui/shared/labStore';

export class FakeWorker extends EventTarget {
  posted: Command[] = [];
  terminated = false;
  postMessage(command: Command): void {
    this.posted.push(command);
  }
  terminate(): void {
    this.terminated = true;
  }
  emit(event: WorkerEvent): void {
    this.dispatchEvent(new MessageEvent('message', { data: event }));
  }
}

export function createTestLab(search = '?backend=cpu', overrides: Partial<LabEnvironment> = {}) {
  const workers: FakeWorker[] = [];
  const urls: string[] = [];
  let runs = 0;
  const lab = createLab(parseConfigFromSearch(search), {
    createWorker: () => {
      const worker = new FakeWorker();
      workers.push(worker);
      return worker as unknown as Worker;
    },
    schedule: () => () => {},
    replaceSearch: (query) => urls.push(query),
    newRunId: () => `run-${++runs}`,
    repository: new RunRepository(openLabStores()),
    datasets: new DatasetRepository(openLabStores()),
    storage: {
      estimate: async () => ({ usage: 84e6, quota: 10e9 }),
      persist: async () => true,
      persisted: async () => true,
    },
    saveFile: () => {},
    loadOnnxRuntime: async () => {
      throw new Error('This test has no ONNX Runtime.');
    },
    now: () => 0,
    ...overrides,
  });
  const worker = () => workers.at(-1)!;
  return {
    lab,
    store: lab.store,
    workers,
    worker,
    urls,
    emit: (event: WorkerEvent) => worker().emit(event),
    /** Sets up the worker on cpu and answers with `ready`, as the page does on load. */
    ready() {
      lab.client.init('cpu');
      const init = worker().posted.at(-1)!;
      const requestId = init.type === 'init' ? init.requestId : -1;
      worker().emit({ type: 'ready', requestId, backend: 'cpu', backendDetail: '', available: ['cpu'] });
    },
  };
}

/** A new run of the form's settings becomes the current one, as Train does. */
export function beginRun(store: LabStore, runId: string): void {
  const { config } = store.getState().form;
  store.dispatch({ type: 'run-begun', runId, config, step: 0, losses: [] }, { urgent: true });
}

/** Animation frames a test runs by hand. */
export function manualFrames() {
  const pending: Array<() => void> = [];
  const schedule: FrameScheduler = (callback) => {
    pending.push(callback);
    return () => pending.splice(pending.indexOf(callback), 1);
  };
  const runFrame = () => pending.splice(0).forEach((callback) => callback());
  return { schedule, runFrame, pending };
}

/** Waits until `condition` holds, polling; fails after `timeoutMs` naming what it waited for. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Waited ${timeoutMs} ms for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const savedConfig = parseConfigFromSearch('?backend=cpu&epochs=4&stepsPerEpoch=2&checkpointEvery=2').config;

/** A saved run's record with `epochs` saved, two steps each; even epochs keep their generator. */
export function runRecord(id: string, epochs: number[], createdAt = 1): RunRecord {
  return {
    id,
    name: `run ${id}`,
    createdAt,
    updatedAt: createdAt,
    config: savedConfig,
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

/** A grid of the live grid's shape, every pixel `fill`. */
export function gridOf(fill: number): Uint8ClampedArray {
  return new Uint8ClampedArray(GRID_DIGITS * DIGIT_PIXELS).fill(fill);
}

/** Saves a run of `epochs` epochs as the worker would: grid `epoch * 10`, one loss point each. */
export async function saveRun(repository: RunRepository, id: string, epochs: number, createdAt = 1): Promise<void> {
  await repository.createRun({ ...runRecord(id, [], createdAt), status: 'training' });
  for (let epoch = 1; epoch <= epochs; epoch++) {
    await repository.saveEpoch(id, {
      epoch,
      step: epoch * 2,
      wallTimeMs: epoch,
      grid: gridOf(epoch * 10),
      rows: 10,
      cols: 10,
      losses: [{ step: epoch * 2, dLoss: 1, gLoss: 2, dReal: 0.5, dFake: 0.4 }],
      generator: new ArrayBuffer(8),
      state: new ArrayBuffer(16),
      status: epoch === epochs ? 'completed' : 'training',
    });
  }
}

/** An empty run repository on fake-indexeddb. */
export async function emptyRepository(): Promise<RunRepository> {
  const repository = new RunRepository(openLabStores());
  for (const run of await repository.listRuns()) await repository.deleteRun(run.id);
  return repository;
}
