/**
 * Parsing of the original MNIST IDX files. Every check names the file, so a wrong or damaged
 * download gets a message the user can act on. Pixels stay as bytes; batches normalise them.
 */
import { DIGIT_PIXELS, IMAGE_SIDE } from './digits';
import { LabError } from './errors';

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const IMAGE_MAGIC = 0x00000803;
const LABEL_MAGIC = 0x00000801;

export class IdxError extends LabError {
  readonly code = 'data';
  override name = 'IdxError';
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

function readHeader(bytes: Uint8Array, fileName: string, magic: number, dims: number): number[] {
  const headerSize = 4 + 4 * dims;
  if (bytes.length < headerSize) {
    throw new IdxError(
      `${fileName} is too short to be an MNIST file: ${bytes.length} bytes, ` +
        `the header alone needs ${headerSize}.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) {
    const kind = magic === IMAGE_MAGIC ? 'image' : 'label';
    throw new IdxError(
      `${fileName} is not an MNIST ${kind} file: magic ${hex(magic)} expected, found ${hex(found)}.`,
    );
  }
  const sizes: number[] = [];
  for (let i = 0; i < dims; i++) sizes.push(view.getUint32(4 + 4 * i, false));
  return sizes;
}

export interface MnistImages {
  count: number;
  /** count * 784 grey bytes, image after image, row-major, 0 = background. */
  pixels: Uint8Array;
}

export function parseIdxImages(bytes: Uint8Array, fileName: string): MnistImages {
  const [count, rows, cols] = readHeader(bytes, fileName, IMAGE_MAGIC, 3);
  if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
    throw new IdxError(
      `${fileName} holds ${rows}x${cols} images; MNIST images are ${IMAGE_SIDE}x${IMAGE_SIDE}.`,
    );
  }
  const expected = 16 + count * DIGIT_PIXELS;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'longer than its header says';
    throw new IdxError(
      `${fileName} is ${what}: its header declares ${count} images (${expected} bytes), ` +
        `the file has ${bytes.length} bytes.`,
    );
  }
  return { count, pixels: bytes.subarray(16) };
}

export function parseIdxLabels(bytes: Uint8Array, fileName: string): Uint8Array {
  const [count] = readHeader(bytes, fileName, LABEL_MAGIC, 1);
  const expected = 8 + count;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'longer than its header says';
    throw new IdxError(
      `${fileName} is ${what}: its header declares ${count} labels (${expected} bytes), ` +
        `the file has ${bytes.length} bytes.`,
    );
  }
  const labels = bytes.subarray(8);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 9) {
      throw new IdxError(`${fileName} has label ${labels[i]} at index ${i}; MNIST labels are 0-9.`);
    }
  }
  return labels;
}

/** Images to train on or evaluate with: MNIST's, or a dataset's imported into the browser. */
export interface ImageSplit {
  count: number;
  /** count × 784 grey bytes, image after image, row-major, 0 = background. */
  pixels: Uint8Array;
  /** One class per image, or null for unlabelled data. */
  labels: Uint8Array | null;
}

export interface MnistSplit extends ImageSplit {
  labels: Uint8Array;
}

/** Pairs an image file with its label file and checks that they agree. */
export function makeSplit(
  images: MnistImages,
  labels: Uint8Array,
  imageFile: string,
  labelFile: string,
): MnistSplit {
  if (images.count !== labels.length) {
    throw new IdxError(
      `${imageFile} has ${images.count} images but ${labelFile} has ${labels.length} labels.`,
    );
  }
  return { count: images.count, pixels: images.pixels, labels };
}

/**
 * Fills `out` (rows * 784) with the chosen images scaled to [-1, 1] as the original did:
 * (x - 127.5) / 127.5.
 */
export function normaliseBatch(
  pixels: Uint8Array,
  indices: ArrayLike<number>,
  out: Float32Array,
): Float32Array {
  for (let r = 0; r < indices.length; r++) {
    const src = indices[r] * DIGIT_PIXELS;
    const dst = r * DIGIT_PIXELS;
    for (let i = 0; i < DIGIT_PIXELS; i++) out[dst + i] = (pixels[src + i] - 127.5) / 127.5;
  }
  return out;
}
