import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { chosenFile as file, idxImages, idxLabels } from '../../testing/idxFixtures';
import { Rng } from '../rng';
import { DatasetError, type DatasetFile, HELD_OUT_SHARE, readIdxDataset } from './idxDataset';

async function refusal(files: DatasetFile[], limits?: Parameters<typeof readIdxDataset>[1]): Promise<string> {
  try {
    await readIdxDataset(files, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return (error as Error).message;
  }
  throw new Error('the files were accepted');
}

describe('a dataset from IDX files', () => {
  it('reads a training pair and a test pair, raw or gzip-compressed, whatever order they come in', async () => {
    const trainImages = idxImages(50);
    const dataset = await readIdxDataset([
      file('t10k-labels-idx1-ubyte.gz', gzipSync(idxLabels(20))),
      file('train-images-idx3-ubyte.gz', gzipSync(trainImages)),
      file('t10k-images-idx3-ubyte', idxImages(20)),
      file('train-labels-idx1-ubyte', idxLabels(50)),
    ]);
    expect(dataset.train.count).toBe(50);
    expect(dataset.test.count).toBe(20);
    expect(dataset.testFrom).toBe('files');
    expect(dataset.classes).toBe(10);
    expect(Array.from(dataset.train.pixels.subarray(0, 784))).toEqual(Array.from(trainImages.subarray(16, 16 + 784)));
    expect(dataset.train.labels?.length).toBe(50);
  });

  it('holds out the stated share of the images when there is no test pair, labels with them', async () => {
    const dataset = await readIdxDataset([file('images.idx3', idxImages(1000)), file('labels.idx1', idxLabels(1000, 4))]);
    expect(dataset.test.count).toBe(Math.round(1000 * HELD_OUT_SHARE));
    expect(dataset.train.count + dataset.test.count).toBe(1000);
    expect(dataset.test.labels?.length).toBe(dataset.test.count);
    expect(dataset.testFrom).toBe('held-out');
    expect(dataset.classes).toBe(4);
  });

  it('takes images without labels', async () => {
    const dataset = await readIdxDataset([file('my-images-idx3-ubyte', idxImages(30))]);
    expect(dataset.train.labels).toBeNull();
    expect(dataset.classes).toBe(0);
  });

  it('refuses, naming the file, what is not a usable IDX set', async () => {
    const text = new TextEncoder().encode('this is a text file, not a dataset');
    expect(await refusal([file('notes.gz', text)])).toMatch(/notes\.gz is not an IDX image or label file/);
    expect(await refusal([file('broken.gz', gzipSync(idxImages(5)).subarray(0, 40))])).toMatch(/broken\.gz .*(ends early|does not unpack)/);
    const short = idxImages(10).subarray(0, 16 + 9 * 784);
    expect(await refusal([file('short-idx3', short)])).toMatch(/short-idx3 is truncated: its header declares 10 images, the file holds 9/);
    expect(await refusal([file('small-idx3', idxImages(3, { rng: new Rng(1), rows: 32 }))])).toMatch(/small-idx3 holds 32×32 images/);
    expect(await refusal([file('empty-idx3', idxImages(0))])).toMatch(/empty-idx3 holds no images/);
    expect(await refusal([file('imgs-idx3', idxImages(10)), file('lbls-idx1', idxLabels(11))])).toMatch(/imgs-idx3 holds 10 images but lbls-idx1 holds 11 labels/);
    expect(await refusal([file('labels-idx1', idxLabels(10))])).toMatch(/No training image file among labels-idx1/);
    expect(await refusal([file('a-idx3', idxImages(4)), file('b-idx3', idxImages(4))])).toMatch(/a-idx3 and b-idx3 are both training images/);
    const floats = idxImages(2);
    floats[2] = 0x0d;
    expect(await refusal([file('floats-idx3', floats)])).toMatch(/floats-idx3 holds values of IDX type 0x0d/);
    expect(await refusal([file('one-idx3', idxImages(1))])).toMatch(/only 1 images/);
  });

  it('refuses a file over the size limit before reading it, and a gzip that unpacks past it', async () => {
    const big = file('huge-idx3', idxImages(10));
    expect(await refusal([big], { maxFileBytes: 1000, maxUnpackedBytes: 1 << 20 })).toMatch(/huge-idx3 is 0 MB; the lab takes files of up to 0 MB \(not read\)/);
    expect(big.reads).toBe(0);
    // A few hundred bytes that unpack to megabytes: cut off at the limit.
    const bomb = gzipSync(new Uint8Array(8 << 20));
    expect(bomb.length).toBeLessThan(20_000);
    expect(await refusal([file('bomb.gz', bomb)], { maxFileBytes: 1 << 20, maxUnpackedBytes: 1 << 20 })).toMatch(/bomb\.gz unpacks to more than 1 MB/);
  });
});
