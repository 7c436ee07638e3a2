/**
 * Fetches the gzip-compressed MNIST files the app serves, decompresses them as they stream
 * (DecompressionStream) while reporting progress, and parses them with core's IDX reader.
 */
import { LabError, describeError } from '../core/errors';
import { MNIST_FILES, type MnistSplit, makeSplit, parseIdxImages, parseIdxLabels } from '../core/mnistIdx';
import type { DataFile } from './protocol';

export interface MnistData {
  train: MnistSplit;
  test: MnistSplit;
}

export type ProgressListener = (file: DataFile, loaded: number, total: number, done: boolean) => void;

const FILES: { key: DataFile; name: string }[] = [
  { key: 'train-images', name: MNIST_FILES.trainImages },
  { key: 'train-labels', name: MNIST_FILES.trainLabels },
  { key: 'test-images', name: MNIST_FILES.testImages },
  { key: 'test-labels', name: MNIST_FILES.testLabels },
];

/**
 * The largest file MNIST has unpacks to 47,040,016 bytes; a stream that keeps going past this is
 * not MNIST (or is a decompression bomb) and is cut off rather than held in memory.
 */
export const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;

export class DataError extends LabError {
  readonly code = 'data';
  override name = 'DataError';
}

async function fetchGzip(baseUrl: string, key: DataFile, name: string, onProgress: ProgressListener): Promise<Uint8Array> {
  const url = `${baseUrl}mnist/${name}.gz`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new DataError(`Could not download ${name}.gz: ${describeError(error)}.`);
  }
  if (!response.ok || !response.body) {
    throw new DataError(`Could not download ${name}.gz: the server answered ${response.status} ${response.statusText}.`);
  }
  const total = Number(response.headers.get('Content-Length') ?? 0);
  let loaded = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      onProgress(key, loaded, total, false);
      controller.enqueue(chunk);
    },
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    const reader = response.body.pipeThrough(counter).pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size > MAX_UNPACKED_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw new DataError(
          `${name}.gz unpacks to more than ${MAX_UNPACKED_BYTES / (1024 * 1024)} MB; no MNIST file is that big, ` +
            'so this is not the MNIST data the lab expects. Reload the page to fetch it again.',
        );
      }
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(
      `${name}.gz is not a valid gzip file (${describeError(error)}); ` +
        'the download may be damaged: reload the page to fetch it again.',
    );
  }
  onProgress(key, loaded, total || loaded, true);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Downloads and parses all four files, one after the other (they share one connection). */
export async function loadMnist(baseUrl: string, onProgress: ProgressListener): Promise<MnistData> {
  const raw = new Map<DataFile, Uint8Array>();
  for (const { key, name } of FILES) raw.set(key, await fetchGzip(baseUrl, key, name, onProgress));
  const train = makeSplit(
    parseIdxImages(raw.get('train-images')!, MNIST_FILES.trainImages),
    parseIdxLabels(raw.get('train-labels')!, MNIST_FILES.trainLabels),
    MNIST_FILES.trainImages,
    MNIST_FILES.trainLabels,
  );
  const test = makeSplit(
    parseIdxImages(raw.get('test-images')!, MNIST_FILES.testImages),
    parseIdxLabels(raw.get('test-labels')!, MNIST_FILES.testLabels),
    MNIST_FILES.testImages,
    MNIST_FILES.testLabels,
  );
  return { train, test };
}
