import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIGIT_PIXELS } from '../../core/digits';
import type { RunRepository } from '../../storage/runRepository';
import type { Command, WorkerEvent } from '../../worker/protocol';
import type { Lab } from '../lab';
import type { LabStore } from '../shared/labStore';
import { createTestLab, emptyRepository, saveRun } from '../../testing/testLab';

describe('sampling', () => {
  let repo: RunRepository;
  let posted: () => Command[];
  let lab: Lab;
  let store: LabStore;
  let emit: (event: WorkerEvent) => void;

  beforeEach(async () => {
    repo = await emptyRepository();
    const test = createTestLab('?backend=cpu', { repository: repo });
    ({ lab, store, emit } = test);
    posted = () => test.worker().posted;
    test.ready();
  });

  afterEach(() => lab.dispose());

  it('sends samples with fresh request ids and keeps only the answer to the latest', async () => {
    await saveRun(repo, 's', 2);
    await lab.savedRuns.refresh();
    lab.sampling.sample(2, 7, 12);
    lab.sampling.sample(2, 7, 12);
    const [first, second] = posted().filter((c) => c.type === 'sample');
    expect(first).toMatchObject({ type: 'sample', runId: 's', epoch: 2, seed: 7, count: 12 });
    expect(second.type === 'sample' && first.type === 'sample' && second.requestId).not.toBe(
      first.type === 'sample' && first.requestId,
    );
    const answer = (requestId: number, fill: number): WorkerEvent => ({
      type: 'sample-result',
      requestId,
      runId: 's',
      epoch: 2,
      pixels: new Uint8ClampedArray(20 * DIGIT_PIXELS).fill(fill),
      rows: 2,
      cols: 10,
      count: 12,
    });
    emit(answer(first.type === 'sample' ? first.requestId : 0, 1));
    expect(lab.sampling.pixels('sample')).toBeNull();
    emit(answer(second.type === 'sample' ? second.requestId : 0, 2));
    expect(lab.sampling.pixels('sample')?.pixels[0]).toBe(2);
    expect(store.getState().sampling.sample).toMatchObject({ status: 'done', rows: 2, count: 12 });
  });

  it('shows a failed interpolation under its row and in the alert', async () => {
    await saveRun(repo, 's', 2);
    await lab.savedRuns.refresh();
    lab.sampling.interpolate(2, 1, 2, 10);
    const command = posted().at(-1)!;
    expect(command).toMatchObject({ type: 'interpolate', runId: 's', epoch: 2, seedA: 1, seedB: 2, steps: 10 });
    const requestId = command.type === 'interpolate' ? command.requestId : -1;
    emit({ type: 'error', requestId, code: 'storage', message: 'Epoch 2 has no saved generator.' });
    expect(store.getState().sampling.interpolation).toMatchObject({ status: 'error', message: 'Epoch 2 has no saved generator.' });
    expect(store.getState().messages.errors.at(-1)?.message).toBe('Epoch 2 has no saved generator.');
  });
});
