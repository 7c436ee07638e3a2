/**
 * The app serves MNIST itself, gzip-compressed, from a cross-origin-isolated origin; the browser
 * hands over the gzip bytes untouched and DecompressionStream restores the original IDX files.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, openLab } from './lab';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const FILES = [
  { name: 'train-images-idx3-ubyte', bytes: 47_040_016, magic: 0x0803, count: 60_000 },
  { name: 'train-labels-idx1-ubyte', bytes: 60_008, magic: 0x0801, count: 60_000 },
  { name: 't10k-images-idx3-ubyte', bytes: 7_840_016, magic: 0x0803, count: 10_000 },
  { name: 't10k-labels-idx1-ubyte', bytes: 10_008, magic: 0x0801, count: 10_000 },
];

it.each(FILES)('serves the gzip of $name', async ({ name, bytes, magic, count }) => {
  const lab = await openLab(browser, '/');
  try {
    const result = await lab.page.evaluate(async (file) => {
      const response = await fetch(new URL(`mnist/${file}.gz`, document.baseURI));
      const [raw, forInflate] = response.body!.tee();
      const countBytes = async (stream: ReadableStream<Uint8Array>) => {
        const reader = stream.getReader();
        let total = 0;
        const head: number[] = [];
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return { total, head };
          for (let i = 0; i < value.length && head.length < 8; i += 1) head.push(value[i]);
          total += value.length;
        }
      };
      const [compressed, inflated] = await Promise.all([
        countBytes(raw),
        countBytes(forInflate.pipeThrough(new DecompressionStream('gzip'))),
      ]);
      const view = new DataView(new Uint8Array(inflated.head).buffer);
      return {
        status: response.status,
        contentLength: response.headers.get('content-length'),
        contentEncoding: response.headers.get('content-encoding'),
        crossOriginIsolated: self.crossOriginIsolated,
        compressedBytes: compressed.total,
        inflatedBytes: inflated.total,
        magic: view.getUint32(0),
        count: view.getUint32(4),
      };
    }, name);

    expect(result.status).toBe(200);
    expect(result.crossOriginIsolated).toBe(true);
    expect(result.contentEncoding).toBeNull();
    expect(Number(result.contentLength)).toBe(result.compressedBytes);
    expect(result.compressedBytes).toBeLessThan(bytes);
    expect(result.inflatedBytes).toBe(bytes);
    expect(result.magic).toBe(magic);
    expect(result.count).toBe(count);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});
