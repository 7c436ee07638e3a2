import { createStore, keys, type UseStore } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { readIdxDataset } from '../core/datasets/idxDataset';
import { StorageError } from '../core/errors';
import { chosenFile, idxImages, idxLabels } from '../testing/idxFixtures';
import { DatasetMissingError, DatasetRepository } from './datasetRepository';

let n = 0;
/** Stores of their own per test: the tests do not see each other's datasets. */
function stores(): { datasets: UseStore; datasetImages: UseStore } {
  n += 1;
  return { datasets: createStore(`test-datasets-${n}`, 'datasets'), datasetImages: createStore(`test-dataset-images-${n}`, 'images') };
}

async function dataset(count = 100) {
  return readIdxDataset([chosenFile('images-idx3-ubyte', idxImages(count)), chosenFile('labels-idx1-ubyte', idxLabels(count))]);
}

describe('imported datasets in storage', () => {
  it('keeps a dataset under its name, with its counts, and gives its splits back', async () => {
    const repo = new DatasetRepository(stores());
    const imported = await dataset();
    const record = await repo.save('  Fashion  ', imported, ['images-idx3-ubyte', 'labels-idx1-ubyte'], 5000);
    expect(record).toMatchObject({ name: 'Fashion', trainCount: 90, testCount: 10, classes: 10, testFrom: 'held-out', createdAt: 5000 });
    expect(record.bytes).toBe(100 * 784 + 100);
    expect((await repo.list()).map((r) => r.name)).toEqual(['Fashion']);
    const { train, classes } = await repo.load(record.id);
    expect(classes).toBe(10);
    expect(train.count).toBe(90);
    expect(Array.from(train.pixels.subarray(0, 784))).toEqual(Array.from(imported.train.pixels.subarray(0, 784)));
    expect(train.labels?.length).toBe(90);
  });

  it('refuses an empty name, the built-in name and a name taken, saying so', async () => {
    const repo = new DatasetRepository(stores());
    await repo.save('Mine', await dataset(), ['a']);
    await expect(repo.save('  ', await dataset(), ['a'])).rejects.toThrow('Give the dataset a name.');
    await expect(repo.save('mnist', await dataset(), ['a'])).rejects.toThrow(/MNIST is the built-in dataset's name/);
    await expect(repo.save('MINE', await dataset(), ['a'])).rejects.toThrow(/already a dataset named Mine/);
    expect(await repo.list()).toHaveLength(1);
  });

  it('says a deleted dataset is gone, and leaves nothing of it', async () => {
    const s = stores();
    const repo = new DatasetRepository(s);
    const kept = await repo.save('Kept', await dataset(), ['a']);
    const gone = await repo.save('Gone', await dataset(), ['b']);
    await repo.delete(gone.id);
    await expect(repo.load(gone.id)).rejects.toBeInstanceOf(DatasetMissingError);
    expect((await repo.list()).map((r) => r.id)).toEqual([kept.id]);
    expect((await keys(s.datasetImages)).map((k) => (k as string[])[0])).toEqual([kept.id, kept.id]);
  });

  it('removes what it wrote when the storage is full, and says so', async () => {
    const s = stores();
    // Reads work; the first write past the images (the record) finds the quota used up.
    const full: UseStore = (mode, callback) =>
      mode === 'readwrite' ? Promise.reject(Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' })) : s.datasets(mode, callback);
    const repo = new DatasetRepository({ datasets: full, datasetImages: s.datasetImages });
    const error = await repo.save('Big', await dataset(), ['a']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/Big \(0 MB\) does not fit in this browser's storage/);
    expect(await keys(s.datasetImages)).toEqual([]);
  });
});
