import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunRepository } from '../../storage/runRepository';
import type { Command, WorkerEvent } from '../../worker/protocol';
import type { Lab } from '../lab';
import type { LabStore } from '../shared/labStore';
import { createTestLab, emptyRepository, saveRun, waitFor } from '../../testing/testLab';
import { viewedRun } from './historyState';

describe('saved runs', () => {
  let repo: RunRepository;
  let posted: () => Command[];
  let saved: { name: string; size: number }[];
  let lab: Lab;
  let store: LabStore;
  let emit: (event: WorkerEvent) => void;

  beforeEach(async () => {
    repo = await emptyRepository();
    saved = [];
    const test = createTestLab('?backend=cpu', {
      repository: repo,
      saveFile: (data, name) => saved.push({ name, size: data.size }),
    });
    ({ lab, store, emit } = test);
    posted = () => test.worker().posted;
    test.ready();
  });

  afterEach(() => lab.dispose());

  it('reads saved runs, their grids and storage use; shows the saved losses in the chart', async () => {
    await saveRun(repo, 'old', 2, 1);
    await saveRun(repo, 'new', 3, 2);
    await lab.savedRuns.refresh();
    const { history } = store.getState();
    expect(history.runs?.map((r) => r.id)).toEqual(['new', 'old']);
    expect(history.viewRunId).toBe('new');
    expect(history.selectedEpoch).toBe(3);
    expect(history.storage).toEqual({ usage: 84e6, quota: 10e9, persisted: true });
    expect(lab.history.gridPixels(2)?.[0]).toBe(20);
    await waitFor('the saved losses in the chart', () => lab.live.losses.length === 3);
    expect(lab.live.losses.length).toBe(3);
    expect(store.getState().live.chartRunId).toBe('new');

    lab.history.stepEpoch(-Infinity);
    expect(store.getState().history.selectedEpoch).toBe(1);
    lab.history.stepEpoch(1);
    expect(store.getState().history.selectedEpoch).toBe(2);

    await lab.gridDownloads.downloadGif();
    expect(saved).toEqual([{ name: 'gan_history run_new epochs 1-3.gif', size: expect.any(Number) }]);
  });

  it('resumes a saved run with its losses and step, then views it', async () => {
    await saveRun(repo, 'r', 3);
    await lab.savedRuns.refresh();
    await lab.savedRuns.resumeRun('r', 4);
    expect(posted().at(-1)).toEqual({ type: 'resume-run', runId: 'r', epochs: 4, backend: 'cpu' });
    const run = store.getState().run!;
    expect(run).toMatchObject({ runId: 'r', status: 'loading', step: 6, epoch: 3, totalSteps: 8 });
    expect(lab.live.losses.length).toBe(3);
  });

  it('shows a full disk with its numbers and clears it after pruning', async () => {
    await saveRun(repo, 'q', 3);
    await lab.savedRuns.refresh();
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
    await lab.savedRuns.pruneRun('q');
    expect(store.getState().history.storageProblem).toBeNull();
    expect(viewedRun(store.getState().history)?.epochs.filter((e) => e.hasGenerator).map((e) => e.epoch)).toEqual([3]);
    await lab.savedRuns.deleteRun('q');
    expect(store.getState().history.runs).toEqual([]);
  });

  it('views a run once it starts, and reads its new epochs as they are saved', async () => {
    await saveRun(repo, 'live', 1);
    const { config } = store.getState().form;
    emit({ type: 'started', runId: 'live', backend: 'cpu', backendDetail: '', totalSteps: 8, config });
    await waitFor('the started run in view', () => store.getState().history.viewRunId === 'live');
    // The worker saves the run again with its second epoch, then says so.
    await saveRun(repo, 'live', 2);
    emit({ type: 'checkpoint-saved', runId: 'live', kind: 'epoch', epoch: 2, step: 4, hasGenerator: true, runBytes: 1 });
    await waitFor('the new epoch’s grid', () => lab.history.gridPixels(2)?.[0] === 20);
    expect(store.getState().history.selectedEpoch).toBe(2);
  });
});
