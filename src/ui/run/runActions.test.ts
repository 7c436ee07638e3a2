import { describe, expect, it } from 'vitest';
import { parseConfigFromSearch } from '../../core/config';
import { createTestLab } from '../../testing/testLab';
import { canTrain } from './runActions';

function setup(search = '?backend=cpu&epochs=2&stepsPerEpoch=2') {
  const { lab, store, workers, worker, urls } = createTestLab(search);
  const actions = lab.run;
  lab.client.init(store.getState().form.config.backend);
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
