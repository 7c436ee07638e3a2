import { afterEach, describe, expect, it } from 'vitest';
import type { RunRepository } from '../../storage/runRepository';
import { createTestLab, emptyRepository, manualFrames, saveRun, waitFor } from '../../testing/testLab';
import type { Lab } from '../lab';
import type { SettingsStorage } from './compareController';

function memory(): SettingsStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (key) => map.get(key) ?? null, setItem: (key, value) => void map.set(key, value) };
}

describe('the compare controller', () => {
  const labs: Lab[] = [];
  afterEach(() => labs.splice(0).forEach((lab) => lab.dispose()));

  async function openLab(repository: RunRepository, settings: SettingsStorage, saved: { name: string; text: string }[] = []) {
    const frames = manualFrames();
    const test = createTestLab('?backend=cpu', {
      repository,
      settings,
      schedule: frames.schedule,
      saveFile: (data, name) => void data.text().then((text) => saved.push({ name, text })),
    });
    labs.push(test.lab);
    test.ready();
    await test.lab.savedRuns.refresh();
    // The page publishes once per frame; the controller looks for chosen runs to read then.
    frames.runFrame();
    return test;
  }

  it('reads the chosen runs, grows a training run live, and comes back after a reload', async () => {
    const repository = await emptyRepository();
    await saveRun(repository, 'a', 3, 1);
    await saveRun(repository, 'b', 2, 2);
    const settings = memory();
    const saved: { name: string; text: string }[] = [];
    const { lab, store, emit } = await openLab(repository, settings, saved);

    lab.compare.toggle('a', true);
    lab.compare.open();
    expect(store.getState().compare.open).toBe(false);
    lab.compare.toggle('b', true);
    lab.compare.open();
    const runs = () => store.getState().history.runs!;
    const run = (id: string) => runs().find((r) => r.id === id)!;
    await waitFor('both runs read', () => store.getState().compare.lossVersion >= 2);
    expect([...lab.compare.series(run('a'), 'step').raw.dLoss.x]).toEqual([2, 4, 6]);
    expect(lab.compare.series(run('b'), 'step').raw.dLoss.x).toHaveLength(2);

    // Live losses of a chosen run extend its curves; points already there are not added twice.
    const before = lab.compare.series(run('b'), 'step');
    emit({ type: 'losses', runId: 'b', points: [4, 5].map((step) => ({ step, dLoss: 1, gLoss: 1, dReal: 0.5, dFake: 0.5 })) });
    const after = lab.compare.series(run('b'), 'step');
    expect(after).not.toBe(before);
    expect([...after.raw.dLoss.x]).toEqual([2, 4, 5]);
    // Only the losses grew: the quality curves are the same objects, so their charts are not redrawn.
    expect(after.quality.fd).toBe(before.quality.fd);
    expect(lab.compare.series(run('b'), 'step')).toBe(after);

    lab.compare.downloadCsv();
    await waitFor('the CSV', () => saved.length === 1);
    expect(saved[0].text.split('\n')[0]).toContain('run a: d_loss');
    expect(saved[0].text.split('\n')[0]).toContain('run b: d_loss');

    await lab.compare.loadGrids(2);
    expect(lab.compare.gridPixels('a', 2)?.[0]).toBe(20);
    expect(lab.compare.gridPixels('b', 2)?.[0]).toBe(20);

    // A reload: a new lab over the same storage and settings.
    const again = await openLab(repository, settings);
    expect(again.store.getState().compare).toMatchObject({ selected: ['a', 'b'], open: true });
    await waitFor('the runs read again', () => again.store.getState().compare.lossVersion >= 2);
  });

  it('renames a run and keeps its note in storage, refusing an empty name', async () => {
    const repository = await emptyRepository();
    await saveRun(repository, 'a', 1, 1);
    const { lab, store } = await openLab(repository, memory());
    expect(await lab.compare.rename('a', '  lr 1e-3 ', 'sharper digits')).toBe(true);
    expect(store.getState().history.runs![0]).toMatchObject({ name: 'lr 1e-3', note: 'sharper digits' });
    expect(await repository.getRun('a')).toMatchObject({ name: 'lr 1e-3', note: 'sharper digits' });
    expect(await lab.compare.rename('a', 'lr 1e-3', '')).toBe(true);
    expect((await repository.getRun('a'))?.note).toBeUndefined();
    expect(await lab.compare.rename('a', '   ', 'x')).toBe(false);
    expect(store.getState().compare.problem).toMatch(/needs a name/);
    expect((await repository.getRun('a'))?.name).toBe('lr 1e-3');
  });
});
