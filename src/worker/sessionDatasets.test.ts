import { createStore } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { readIdxDataset } from '../core/datasets/idxDataset';
import { parseConfig } from '../core/config';
import { PRESETS } from '../core/presets';
import { DatasetRepository } from '../storage/datasetRepository';
import { chosenFile, idxImages, idxLabels } from '../testing/idxFixtures';
import { sessionHarness } from '../testing/sessionHarness';

const repo = new DatasetRepository({ datasets: createStore('session-datasets', 'datasets'), datasetImages: createStore('session-dataset-images', 'images') });

function config(dataset: string, extra: Record<string, string | number> = {}) {
  return parseConfig({ backend: 'cpu', epochs: 1, stepsPerEpoch: 2, batchSize: 2, logEvery: 1, seed: 3, dataset, ...extra }).config;
}

/** A session whose MNIST must never be loaded: a run on an imported dataset reads only that. */
function harness() {
  let mnistLoads = 0;
  const h = sessionHarness({
    datasets: repo,
    loadData: async () => {
      mnistLoads += 1;
      throw new Error('MNIST was loaded for a run on an imported dataset');
    },
  });
  return { h, mnistLoads: () => mnistLoads };
}

async function imported(name: string, labelled: boolean) {
  const files = [chosenFile('images-idx3-ubyte', idxImages(60))];
  if (labelled) files.push(chosenFile('labels-idx1-ubyte', idxLabels(60)));
  return repo.save(name, await readIdxDataset(files), files.map((f) => f.name));
}

describe('a run on an imported dataset', () => {
  it("trains on the dataset's images, not on MNIST", async () => {
    const dataset = await imported('Mine', false);
    const { h, mnistLoads } = harness();
    await h.send({ type: 'start', runId: 'd1', config: config(dataset.id) });
    expect(h.of('error')).toEqual([]);
    expect(h.events.at(-1)).toEqual({ type: 'stopped', runId: 'd1', step: 2, reason: 'completed' });
    expect(h.of('started')[0].config.dataset).toBe(dataset.id);
    expect(mnistLoads()).toBe(0);
  });

  it('refuses a class-conditional recipe on unlabelled images, saying why', async () => {
    const dataset = await imported('Unlabelled', false);
    const { h } = harness();
    const conditional = { ...PRESETS.seed.recipe, conditioning: 'class' as const };
    await h.send({ type: 'start', runId: 'd2', config: { ...config(dataset.id), recipe: conditional } });
    expect(h.of('error').map((e) => e.message).join()).toMatch(/class-conditional: it trains on labelled images, and this dataset has no labels/);
  });

  it('says so when the dataset was deleted', async () => {
    const dataset = await imported('Gone', true);
    await repo.delete(dataset.id);
    const { h } = harness();
    await h.send({ type: 'start', runId: 'd3', config: config(dataset.id) });
    expect(h.of('error').map((e) => e.message).join()).toMatch(/no longer in this browser \(it was deleted\): import its files again/);
  });

  it('does not train on from its copy of a dataset another tab deleted', async () => {
    const dataset = await imported('Deleted elsewhere', true);
    const { h } = harness();
    await h.send({ type: 'start', runId: 'd4', config: config(dataset.id) });
    expect(h.of('error')).toEqual([]);
    await repo.delete(dataset.id);
    await h.send({ type: 'start', runId: 'd5', config: config(dataset.id) });
    expect(h.of('error').map((e) => e.message).join()).toMatch(/no longer in this browser \(it was deleted\)/);
  });
});

describe('importing a dataset in the worker', () => {
  it('keeps the chosen IDX files under the name given, with a preview of what training sees', async () => {
    const { h } = harness();
    const images = idxImages(120);
    const files = [new File([images.slice().buffer], 'train-images-idx3-ubyte'), new File([idxLabels(120).slice().buffer], 'train-labels-idx1-ubyte')];
    await h.send({ type: 'import-dataset', requestId: 4, name: 'Imported here', files });
    const [reply] = h.of('dataset-imported');
    expect(reply).toMatchObject({ requestId: 4, dataset: { name: 'Imported here', trainCount: 108, testCount: 12, classes: 10 } });
    expect(reply.dataset.preview.length).toBe(64 * 784);
    expect(Array.from(reply.dataset.preview.subarray(0, 784))).toEqual(Array.from(images.subarray(16, 16 + 784)));
    expect((await repo.list()).map((d) => d.name)).toContain('Imported here');
  });

  it('refuses a text file named .gz, naming it, and stores nothing', async () => {
    const { h } = harness();
    const before = await repo.list();
    const files = [new File(['not a dataset at all'], 'train-images-idx3-ubyte.gz')];
    await h.send({ type: 'import-dataset', requestId: 5, name: 'Text', files });
    expect(h.of('error')).toEqual([
      expect.objectContaining({ requestId: 5, code: 'data', message: expect.stringContaining('train-images-idx3-ubyte.gz is not an IDX image or label file') }),
    ]);
    expect(await repo.list()).toEqual(before);
  });
});
