/**
 * The page's side of live settings: what Apply sends (and refuses to send), how the run state
 * follows the worker's changes, and the chart marks made from a run's list of changes.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigFromSearch } from '../../core/config';
import type { RunRecord } from '../../storage/records';
import { createTestLab } from '../../testing/testLab';
import { chartLiveChanges, liveMarks } from './lossSeries';

function setup(search = '?backend=cpu&epochs=2&stepsPerEpoch=2') {
  const test = createTestLab(search);
  test.ready();
  test.lab.run.train();
  const { config } = test.store.getState().form;
  test.emit({ type: 'started', runId: 'run-1', backend: 'cpu', backendDetail: 'test', totalSteps: 4, config });
  const sent = () => test.worker().posted.filter((command) => command.type === 'set-live');
  const errors = () => test.store.getState().messages.errors.map((error) => error.message);
  return { ...test, actions: test.lab.run, sent, errors };
}

const typed = (text: Partial<{ gLr: string; dLr: string; averageDecay: string }>) => ({
  gLr: '0.0002',
  dLr: '0.0002',
  averageDecay: '',
  ...text,
});

describe('live settings on the page', () => {
  it('sends only the settings that change, and follows what the worker applied', () => {
    const { actions, store, emit, sent, errors } = setup();
    actions.applyLiveSettings(typed({ gLr: ' 1e-4 ' }));
    expect(sent()).toEqual([{ type: 'set-live', runId: 'run-1', settings: { gLr: 1e-4 } }]);
    // Nothing changed: nothing to send.
    actions.applyLiveSettings(typed({}));
    expect(sent()).toHaveLength(1);
    expect(errors()).toEqual([]);

    emit({ type: 'live-changed', runId: 'run-1', change: { step: 3, gLr: 1e-4 }, settings: { gLr: 1e-4, dLr: 2e-4, averageDecay: null } });
    emit({ type: 'live-changed', runId: 'run-1', change: { step: 3, dLr: 5e-4 }, settings: { gLr: 1e-4, dLr: 5e-4, averageDecay: null } });
    emit({ type: 'live-changed', runId: 'other', change: { step: 1, dLr: 1 }, settings: { gLr: 1, dLr: 1, averageDecay: null } });
    const run = store.getState().run!;
    expect(run.live).toEqual({ gLr: 1e-4, dLr: 5e-4, averageDecay: null });
    // Two changes before the same step are one.
    expect(run.liveChanges).toEqual([{ step: 3, gLr: 1e-4, dLr: 5e-4 }]);
  });

  it('shows what is wrong with a value and sends nothing', () => {
    const { actions, store, sent, errors } = setup();
    actions.applyLiveSettings(typed({ gLr: 'fast' }));
    actions.applyLiveSettings(typed({ dLr: '-0.001' }));
    actions.applyLiveSettings(typed({ gLr: '1e-3', dLr: '2e7' }));
    actions.applyLiveSettings(typed({ averageDecay: '0.99' }));
    expect(sent()).toEqual([]);
    expect(errors()).toEqual([
      expect.stringMatching(/^G's learning rate \(gLr\) must be a number, got "fast"\. Nothing was changed\.$/),
      expect.stringMatching(/D's learning rate \(dLr\) must be above 0 and at most 1000000, got -0\.001/),
      expect.stringMatching(/dLr\) must be above 0 and at most 1000000, got 20000000/),
      expect.stringMatching(/keeps no weight average/),
    ]);
    expect(store.getState().messages.errors.every((error) => error.code === 'config')).toBe(true);
    expect(store.getState().run?.live).toEqual({ gLr: 2e-4, dLr: 2e-4, averageDecay: null });
  });

  it('starts a resumed run from its saved changes', () => {
    const { store, emit, lab } = setup('?backend=cpu&preset=seed-ema');
    lab.run.stop();
    emit({ type: 'stopped', runId: 'run-1', step: 2, reason: 'stopped' });
    const { config } = parseConfigFromSearch('?preset=seed-ema');
    store.dispatch({ type: 'run-begun', runId: 'run-1', config, step: 2, losses: [] }, { urgent: true });
    const liveChanges = [{ step: 2, gLr: 1e-3 }, { step: 3, averageDecay: 0.99 }];
    emit({ type: 'started', runId: 'run-1', backend: 'cpu', backendDetail: 'test', totalSteps: 4, config, startStep: 2, liveChanges });
    expect(store.getState().run).toMatchObject({ live: { gLr: 1e-3, dLr: 2e-4, averageDecay: 0.99 }, liveChanges });
  });
});

describe('chart marks', () => {
  it('marks each change at its step with what it set', () => {
    expect(liveMarks([])).toEqual([]);
    expect(
      liveMarks([
        { step: 3, gLr: 1e-4 },
        { step: 40, dLr: 0.0005, averageDecay: 0.99 },
        { step: 41, gLr: 0.05, dLr: 2.5e-3 },
      ]),
    ).toEqual([
      { step: 3, label: 'G lr 1e-4' },
      { step: 40, label: 'D lr 5e-4, decay 0.99' },
      { step: 41, label: 'G lr 0.05, D lr 2.5e-3' },
    ]);
  });

  it('come from the saved record for a saved run the chart shows', () => {
    const { lab, store } = createTestLab();
    const { config } = parseConfigFromSearch('');
    const record: RunRecord = {
      id: 'saved',
      name: 'Seed, seed 42',
      createdAt: 1,
      updatedAt: 1,
      config,
      status: 'stopped',
      backend: 'cpu',
      keepFullStates: false,
      epochs: [],
      latest: null,
      lossThroughStep: 0,
      liveChanges: [{ step: 5, dLr: 1e-3 }],
    };
    store.update('history', (history) => ({ ...history, runs: [record] }));
    expect(chartLiveChanges(store.getState())).toEqual([]);
    lab.live.showLosses('saved', [{ step: 4, dLoss: 1, gLoss: 1, dReal: 0.5, dFake: 0.5 }]);
    expect(liveMarks(chartLiveChanges(store.getState()))).toEqual([{ step: 5, label: 'D lr 1e-3' }]);
    // A record saved before live settings existed has none.
    store.update('history', (history) => ({ ...history, runs: [{ ...record, liveChanges: undefined }] }));
    expect(chartLiveChanges(store.getState())).toEqual([]);
  });

  it('follow the current run as its changes arrive', () => {
    const { store, emit } = setup();
    const before = chartLiveChanges(store.getState());
    expect(before).toEqual([]);
    emit({ type: 'live-changed', runId: 'run-1', change: { step: 2, gLr: 1e-4 }, settings: { gLr: 1e-4, dLr: 2e-4, averageDecay: null } });
    expect(liveMarks(chartLiveChanges(store.getState()))).toEqual([{ step: 2, label: 'G lr 1e-4' }]);
  });
});
