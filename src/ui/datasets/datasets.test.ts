import { describe, expect, it } from 'vitest';
import { readIdxDataset } from '../../core/datasets/idxDataset';
import { DatasetRepository } from '../../storage/datasetRepository';
import { openLabStores } from '../../storage/storeNames';
import { chosenFile, idxImages, idxLabels } from '../../testing/idxFixtures';
import { createTestLab, waitFor } from '../../testing/testLab';
import { datasetSummary } from './DatasetPanel';
import { datasetLabel } from './datasetsState';

const repo = new DatasetRepository(openLabStores());

describe('datasets on the page', () => {
  it('sends the chosen files to the worker, then lists the new dataset, trains on it next and puts it in the link', async () => {
    const test = createTestLab();
    test.ready();
    const files = [new File([idxImages(30).slice().buffer], 'train-images-idx3-ubyte')];
    test.lab.datasets.importFiles('Page set', files);
    expect(test.store.getState().datasets.importing).toBe(true);
    const request = test.worker().posted.at(-1)!;
    if (request.type !== 'import-dataset') throw new Error(`posted ${request.type}`);
    expect(request).toMatchObject({ name: 'Page set', files });
    // The worker stores it (here: the test does) and answers.
    const dataset = await repo.save('Page set', await readIdxDataset([chosenFile('train-images-idx3-ubyte', idxImages(30))]), ['train-images-idx3-ubyte']);
    test.emit({ type: 'dataset-imported', requestId: request.requestId, dataset });
    await waitFor('the dataset chosen', () => test.store.getState().form.config.dataset === dataset.id);
    const state = test.store.getState().datasets;
    expect(state.importing).toBe(false);
    expect(state.list.map((d) => d.name)).toContain('Page set');
    expect(test.urls.at(-1)).toContain(`dataset=${dataset.id}`);
    // Deleting it goes back to MNIST.
    await test.lab.datasets.remove(dataset.id);
    expect(test.store.getState().form.config.dataset).toBe('mnist');
    expect(test.store.getState().datasets.list.map((d) => d.id)).not.toContain(dataset.id);
  });

  it("shows the worker's refusal and ends the import", () => {
    const test = createTestLab();
    test.ready();
    test.lab.datasets.importFiles('Bad', [new File(['text'], 'notes.gz')]);
    const request = test.worker().posted.at(-1)!;
    test.emit({ type: 'error', requestId: (request as { requestId: number }).requestId, code: 'data', message: 'notes.gz is not an IDX image or label file.' });
    const state = test.store.getState();
    expect(state.datasets.importing).toBe(false);
    expect(state.messages.errors.map((e) => e.message)).toEqual(['notes.gz is not an IDX image or label file.']);
    expect(state.form.config.dataset).toBe('mnist');
  });

  it('summarises a dataset with its image count first, and names runs by dataset', async () => {
    const dataset = await readIdxDataset([chosenFile('imgs-idx3-ubyte', idxImages(1000)), chosenFile('lbls-idx1-ubyte', idxLabels(1000))]);
    const record = await repo.save('Summary', dataset, ['imgs-idx3-ubyte', 'lbls-idx1-ubyte']);
    expect(datasetSummary(record)).toMatch(/^1,000 images: 900 to train on, 100 held out to evaluate with; labelled, 10 classes/);
    expect(datasetLabel([record], record.id)).toBe('Summary');
    expect(datasetLabel([record], 'mnist')).toBe('MNIST');
    expect(datasetLabel([], record.id)).toBe('a deleted dataset');
    expect(datasetSummary(record)).toMatch(/Its evaluation classifier is trained at its first run\.$/);
  });

  it("shows the evaluation classifier's accuracy once the worker has trained it", async () => {
    const dataset = await readIdxDataset([chosenFile('imgs-idx3-ubyte', idxImages(100)), chosenFile('lbls-idx1-ubyte', idxLabels(100))]);
    const record = await repo.save('Judged', dataset, ['imgs-idx3-ubyte', 'lbls-idx1-ubyte']);
    const test = createTestLab();
    test.ready();
    await test.lab.datasets.refresh();
    const evaluator = { testAccuracy: 0.912, trainImages: 90, testImages: 10, epochs: 3, trainedAt: 1 };
    test.emit({ type: 'dataset-evaluator', runId: 'r1', datasetId: record.id, evaluator });
    const shown = test.store.getState().datasets.list.find((d) => d.id === record.id)!;
    expect(datasetSummary(shown)).toMatch(/Its evaluation classifier \(for FD and the score\): test accuracy 91\.2 % on 10 held-out images\.$/);
    const unlabelled = await repo.save('Plain', await readIdxDataset([chosenFile('imgs-idx3-ubyte', idxImages(20))]), ['imgs-idx3-ubyte']);
    expect(datasetSummary(unlabelled)).toMatch(/Quality: the C2ST alone \(no labels for a classifier\)\.$/);
  });
});
