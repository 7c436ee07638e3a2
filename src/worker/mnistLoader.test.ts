/**
 * The MNIST download in Node (fetch stubbed, DecompressionStream as in the browser): small valid
 * files load, and a gzip stream that unpacks past 64 MB is cut off with a message naming the
 * file, without reading the rest of the download.
 */
import { constants, deflateRawSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MNIST_FILES } from '../core/mnistIdx';
import { IDX_IMAGES, IDX_LABELS, idxFile } from '../testing/idxFixtures';
import { DataError, MAX_UNPACKED_BYTES, loadMnist } from './mnistLoader';

const BASE = 'https://lab.test/';

interface Unpacked {
  /** Bytes the loader read out of the DecompressionStream, and the largest single read. */
  bytes: number;
  largestChunk: number;
  /** Whether the loader cancelled its reader. */
  cancelled: boolean;
}

/** Stubs DecompressionStream with the real one whose output is counted as the loader reads it. */
function countUnpacked(): Unpacked {
  const Real = DecompressionStream;
  const count: Unpacked = { bytes: 0, largestChunk: 0, cancelled: false };
  vi.stubGlobal(
    'DecompressionStream',
    class {
      readonly writable: WritableStream<BufferSource>;
      readonly readable: ReadableStream<Uint8Array>;
      constructor(format: CompressionFormat) {
        const real = new Real(format);
        const reader = real.readable.getReader();
        this.writable = real.writable;
        this.readable = new ReadableStream<Uint8Array>(
          {
            async pull(controller) {
              const { done, value } = await reader.read();
              if (done) return controller.close();
              count.bytes += value.byteLength;
              count.largestChunk = Math.max(count.largestChunk, value.byteLength);
              controller.enqueue(value);
            },
            cancel(reason) {
              count.cancelled = true;
              return reader.cancel(reason);
            },
          },
          { highWaterMark: 0 },
        );
      }
    },
  );
  return count;
}

const MB = 1024 * 1024;

/**
 * A gzip download of `megabytes` MB of zeros: the gzip header, then the same megabyte of deflate
 * blocks again and again (each ends in a full flush, so they chain). It comes no faster than the
 * loader unpacks it (a few megabytes ahead), as in a browser, where the stream pushes back; Node's
 * DecompressionStream would otherwise swallow all of it at once. Counts what was pulled, and
 * whether the download was cancelled. After the last megabyte it just ends, without a final
 * block: a loader that read it all would fail with another message.
 */
function zerosDownload(megabytes: number, unpacked: Unpacked) {
  const header = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff);
  const megabyte = new Uint8Array(deflateRawSync(Buffer.alloc(MB), { level: 9, finishFlush: constants.Z_FULL_FLUSH }));
  const source = { pulls: 0, pulledBytes: 0, totalBytes: header.length + megabytes * megabyte.length, cancelled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (unpacked.bytes < (source.pulls - 4) * MB && !source.cancelled) {
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        if (source.cancelled) return;
        const chunk = source.pulls === 0 ? header : megabyte;
        source.pulls++;
        source.pulledBytes += chunk.length;
        controller.enqueue(chunk.slice());
        if (source.pulls > megabytes) controller.close();
      },
      cancel() {
        source.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { source, response: new Response(body) };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('loadMnist', () => {
  it('downloads, unpacks and parses the four files', async () => {
    const files: Record<string, Uint8Array> = {
      [MNIST_FILES.trainImages]: idxFile(IDX_IMAGES, [3, 28, 28], new Uint8Array(3 * 784).fill(7)),
      [MNIST_FILES.trainLabels]: idxFile(IDX_LABELS, [3], Uint8Array.of(1, 2, 3)),
      [MNIST_FILES.testImages]: idxFile(IDX_IMAGES, [2, 28, 28], new Uint8Array(2 * 784).fill(9)),
      [MNIST_FILES.testLabels]: idxFile(IDX_LABELS, [2], Uint8Array.of(4, 5)),
    };
    const fetched: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      fetched.push(url);
      const name = /mnist\/(.+)\.gz$/.exec(url)![1];
      return new Response(gzipSync(files[name]));
    });
    const data = await loadMnist(BASE, () => undefined);
    expect(fetched).toEqual(Object.keys(files).map((name) => `${BASE}mnist/${name}.gz`));
    expect(data.train.count).toBe(3);
    expect(data.test.count).toBe(2);
  });

  it('cuts off a stream that unpacks past 64 MB, naming the file, and reads no further', async () => {
    expect(MAX_UNPACKED_BYTES).toBe(64 * 1024 * 1024);
    // 256 MB of zeros in about 260 KB: four times the limit, so stopping early shows.
    const unpacked = countUnpacked();
    const { source, response } = zerosDownload(256, unpacked);
    vi.stubGlobal('fetch', async () => response);
    const progress: boolean[] = [];

    const error = await loadMnist(BASE, (_file, _loaded, _total, done) => progress.push(done)).then(
      () => null,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).code).toBe('data');
    expect((error as DataError).message).toMatch(
      /^train-images-idx3-ubyte\.gz unpacks to more than 64 MB; no MNIST file is that big/,
    );
    expect(progress).not.toContain(true);
    // The loader read 64 MB and one chunk more, then cancelled: the unpacking stopped, and so
    // did the download, about a quarter of the way in.
    expect(unpacked.bytes).toBeGreaterThan(MAX_UNPACKED_BYTES);
    expect(unpacked.bytes).toBeLessThanOrEqual(MAX_UNPACKED_BYTES + unpacked.largestChunk);
    expect(unpacked.cancelled).toBe(true);
    // The cancellation reaches the download through the pipes a moment later.
    await vi.waitFor(() => expect(source.cancelled).toBe(true));
    expect(source.pulledBytes).toBeLessThan(source.totalBytes / 2);
  });
});
