import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DIGIT_PIXELS } from '../digits';
import { DatasetError } from './idxDataset';
import { type DecodePicture, type Rgba, pictureSize, picturesInZip, picturesToDataset, trainingImage } from './pictureDataset';

/** A w×h picture of a dark vertical bar (columns [from, to)) on white, fully opaque. */
function barPicture(w: number, h: number, from: number, to: number): Rgba {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = x >= from && x < to ? 20 : 250;
      data.set([v, v, v, 255], (y * w + x) * 4);
    }
  }
  return { width: w, height: h, data };
}

const at = (image: Uint8Array, x: number, y: number) => image[y * 28 + x];

describe('pictures made training images', () => {
  it('scales by area, and turns dark strokes on light into light on dark as MNIST has them', () => {
    const image = trainingImage(barPicture(56, 56, 26, 30), { fit: 'pad', invert: 'auto' });
    expect(image.length).toBe(DIGIT_PIXELS);
    expect(at(image, 13, 14)).toBeGreaterThan(200);
    expect(at(image, 14, 14)).toBeGreaterThan(200);
    expect(at(image, 2, 2)).toBeLessThan(10);
    const asIs = trainingImage(barPicture(56, 56, 26, 30), { fit: 'pad', invert: 'no' });
    expect(at(asIs, 13, 14)).toBeLessThan(40);
  });

  it('pads a wide picture with its ground, or crops its middle square', () => {
    // 112×56 with the bar near the left edge: padding keeps it (at x ≈ 2), cropping cuts it away.
    const wide = barPicture(112, 56, 4, 8);
    const padded = trainingImage(wide, { fit: 'pad', invert: 'yes' });
    expect(at(padded, 1, 14)).toBeGreaterThan(200);
    // The bars above and below are the ground (white, inverted: dark).
    expect(at(padded, 14, 0)).toBeLessThan(20);
    const cropped = trainingImage(wide, { fit: 'crop', invert: 'yes' });
    expect(Math.max(...cropped)).toBeLessThan(20);
  });
});

/** Decodes the test's "pictures": the first byte says where the bar is. */
const decode: DecodePicture = async (bytes) => {
  if (bytes[0] === 0xff) throw new Error('not an image');
  return barPicture(28, 28, bytes[0] % 24, (bytes[0] % 24) + 4);
};

describe('a dataset of pictures', () => {
  it('labels by folder, holds out every tenth picture, and keeps the folder names in label order', async () => {
    const pictures = Array.from({ length: 40 }, (_, i) => ({ path: `set/${i % 2 ? 'sevens' : 'ones'}/p${String(i).padStart(2, '0')}.png`, bytes: Uint8Array.of(i) }));
    const dataset = await picturesToDataset(pictures, decode, { fit: 'pad', invert: 'auto', labelsFromFolders: true });
    expect(dataset.classNames).toEqual(['ones', 'sevens']);
    expect(dataset.classes).toBe(2);
    expect(dataset.train.count + dataset.test.count).toBe(40);
    expect(dataset.test.count).toBe(4);
    expect(new Set(dataset.test.labels)).toEqual(new Set([0, 1]));
    expect(dataset.train.pixels.length).toBe(36 * DIGIT_PIXELS);
  });

  it('refuses, naming the picture, what cannot be used', async () => {
    const ok = (path: string) => ({ path, bytes: Uint8Array.of(3) });
    const refused = (promise: Promise<unknown>) => promise.then(() => 'accepted', (e: unknown) => (e instanceof DatasetError ? e.message : `other: ${String(e)}`));
    expect(await refused(picturesToDataset([ok('a.png'), { path: 'b/broken.png', bytes: Uint8Array.of(0xff) }], decode))).toMatch(/b\/broken\.png is not a picture the browser can read/);
    expect(await refused(picturesToDataset([ok('x/a.png'), ok('loose.png')], decode, { fit: 'pad', invert: 'auto', labelsFromFolders: true }))).toMatch(/loose\.png is not in a folder/);
    expect(await refused(picturesToDataset([ok('x/a.png'), ok('x/b.png')], decode, { fit: 'pad', invert: 'auto', labelsFromFolders: true }))).toMatch(/All pictures are in one folder \(x\)/);
    expect(await refused(picturesToDataset([ok('a.png')], decode))).toMatch(/only 1 picture/);
  });
});

describe('pictures in a zip', () => {
  it('takes the PNG and JPEG files with their paths, and leaves the rest', () => {
    const zip = zipSync({ 'digits/one/a.png': Uint8Array.of(1, 2), 'digits/two/b.JPG': Uint8Array.of(3), 'digits/readme.txt': strToU8('hi'), '__MACOSX/digits/._a.png': Uint8Array.of(0) });
    expect(picturesInZip('d.zip', zip).map((p) => p.path).sort()).toEqual(['digits/one/a.png', 'digits/two/b.JPG']);
  });

  it('refuses unsafe paths, bombs (by declared size, unread), foreign bytes and zips without pictures', () => {
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(DatasetError);
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(message(() => picturesInZip('up.zip', zipSync({ '../evil.png': Uint8Array.of(1) })))).toMatch(/up\.zip holds an entry with an unsafe path \(\.\.\/evil\.png\)/);
    const bomb = zipSync({ 'big.png': new Uint8Array(2 << 20) }, { level: 9 });
    expect(bomb.length).toBeLessThan(10_000);
    expect(message(() => picturesInZip('bomb.zip', bomb, { maxFileBytes: 1 << 20, maxUnpackedBytes: 1 << 20, maxPictures: 10, maxSide: 64 }))).toMatch(/bomb\.zip would unpack to more than 1 MB/);
    expect(message(() => picturesInZip('text.zip', strToU8('PK\u0003\u0004 but not really a zip')))).toMatch(/text\.zip is not a zip the lab can read/);
    expect(message(() => picturesInZip('docs.zip', zipSync({ 'a.txt': strToU8('x') })))).toMatch(/docs\.zip holds no PNG or JPEG pictures/);
  });
});

describe('picture sizes from their headers', () => {
  it('reads a PNG and a JPEG header, and nothing else', () => {
    const png = new Uint8Array(33);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    new DataView(png.buffer).setUint32(16, 640);
    new DataView(png.buffer).setUint32(20, 20_000);
    expect(pictureSize(png)).toEqual({ width: 640, height: 20_000 });
    // SOI, an APP0 segment of 16 bytes, then SOF0: length 17, precision 8, height 480, width 320.
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16, ...new Array(14).fill(0), 0xff, 0xc0, 0, 17, 8, 0x01, 0xe0, 0x01, 0x40, 3, 0, 0, 0, 0, 0);
    expect(pictureSize(jpeg)).toEqual({ width: 320, height: 480 });
    expect(pictureSize(strToU8('GIF89a not supported'))).toBeNull();
  });
});
