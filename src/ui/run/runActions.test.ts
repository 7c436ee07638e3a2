import { describe, expect, it } from 'vitest';
import { parseConfigFromSearch } from '../../core/config';
import type { Command, WorkerEvent } from '../../worker/protocol';
import { canTrain, createLabActions } from './labActions';
import { createLabStore } from '../shared/labStore';
import { createWorkerClient } from './workerClient';

class FakeWorker extends EventTarget {
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

function setup(search = '?backend=cpu&epochs=2&stepsPerEpoch=2') {
  const workers: FakeWorker[] = [];
  const urls: string[] = [];
  const store = createLabStore(parseConfigFromSearch(search), () => () => {});
  const client = createWorkerClient(store, () => {
    const worker = new FakeWorker();
    workers.push(worker);
    return worker as unknown as Worker;
  });
  let runs = 0;
  const actions = createLabActions(store, client, {
    replaceSearch: (search) => urls.push(search),
    newRunId: () => `run-${++runs}`,
  });
  client.init(store.getState().form.config.backend);
  const worker = () => workers.at(-1)!;
  const ready = () =>
    worker().emit({ type: 'ready', requestId: 1, backend: 'cpu', backendDetail: 'test', available: ['wasm', 'cpu'] });
  return { store, actions, workers, worker, urls, ready };
}

describe('lab actions', () => {
  it('inits on load and trains only once the worker is ready', () => {
    const { store, actions, worker, ready } = setup();
    expect(worker().posted).toEqual([{ type: 'init', requestId: 1, backend: 'cpu' }]);
    actions.train();
    expect(worker().posted).toHaveLength(1);

    ready();
    expect(canTrain(store.getState())).toBe(true);
    actions.train();
    const start = worker().posted.at(-1);
    expect(start).toMatchObject({ type: 'start', runId: 'run-1' });
    expect(start?.type === 'start' && start.config).toMatchObject({ backend: 'cpu', epochs: 2 });
    expect(canTrain(store.getState())).toBe(false);
  });

  it('Space cycles train, pause and resume, waiting for the worker in between', () => {
    const { actions, worker, ready } = setup();
    ready();
    actions.toggle();
    const { config } = parseConfigFromSearch('');
    worker().emit({ type: 'started', runId: 'run-1', backend: 'cpu', backendDetail: 'test', totalSteps: 4, config });
    actions.toggle();
    expect(worker().posted.at(-1)).toEqual({ type: 'pause', runId: 'run-1' });
    worker().emit({ type: 'paused', runId: 'run-1', step: 1 });
    actions.toggle();
    expect(worker().posted.at(-1)).toEqual({ type: 'resume', runId: 'run-1' });
  });

  it('keeps the link in sync with valid settings only', () => {
    const { actions, urls, store } = setup();
    actions.editField('epochs', '3');
    expect(urls.at(-1)).toBe('?preset=seed&backend=cpu&epochs=3&stepsPerEpoch=2');
    actions.editField('epochs', 'three');
    expect(urls).toHaveLength(1);
    expect(canTrain(store.getState())).toBe(false);
  });

  it('sends a new init when the backend changes before training', () => {
    const { actions, worker, ready } = setup();
    ready();
    actions.chooseBackend('wasm');
    expect(worker().posted.at(-1)).toEqual({ type: 'init', requestId: 2, backend: 'wasm' });
  });

  it('acknowledges each drawn grid of the current run once', () => {
    const { actions, worker, ready } = setup();
    ready();
    actions.train();
    const grid = { runId: 'run-1', epoch: 1, step: 2, rows: 10, cols: 10, version: 1 };
    const acks = () => worker().posted.filter((command) => command.type === 'grid-ack');
    actions.gridDrawn(grid);
    actions.gridDrawn(grid);
    expect(acks()).toEqual([{ type: 'grid-ack', runId: 'run-1' }]);
    actions.gridDrawn({ ...grid, runId: 'old-run', version: 2 });
    expect(acks()).toHaveLength(1);
    actions.gridDrawn({ ...grid, version: 3 });
    expect(acks()).toHaveLength(2);
  });
});

describe('worker client', () => {
  it('turns a worker error into a visible crash and starts a fresh worker on Train', () => {
    const { store, actions, workers, worker, ready } = setup();
    ready();
    actions.train();
    const crashed = worker();
    crashed.dispatchEvent(
      Object.assign(new Event('error'), { message: 'boom', filename: 'w.js', lineno: 3 }),
    );
    const state = store.getState();
    expect(crashed.terminated).toBe(true);
    expect(state.run?.status).toBe('stopped');
    expect(state.errors.at(-1)?.message).toMatch(/^The training worker crashed: boom \(w\.js:3\)/);

    actions.train();
    expect(workers).toHaveLength(2);
    expect(worker().posted.map((command) => command.type)).toEqual(['init', 'start']);
    expect(store.getState().errors).toEqual([]);
  });

  it('reports unreadable messages', () => {
    const { store, worker } = setup();
    worker().dispatchEvent(new Event('messageerror'));
    expect(store.getState().errors.at(-1)?.message).toMatch(/could not be read/);
  });
});
