/**
 * A dataset from the IDX files a user chooses (Fashion-MNIST, KMNIST, EMNIST and MNIST itself
 * come as IDX): raw or gzip-compressed, images with or without labels, with or without a test
 * pair. Each file is told apart by its content (gzip and IDX magic numbers), its role by its
 * name (`t10k` or `test` = the test pair). Every refusal is a DatasetError naming the file.
 *
 * Sizes read from a file are checked before they are used: the packed size before reading, the
 * unpacked size while inflating (a stream cut off at the limit, so a lying gzip cannot grow
 * past it), and the declared counts against the bytes actually there.
 */
import { Gunzip } from 'fflate';
import { DIGIT_PIXELS, IMAGE_SIDE } from '../digits';
import { LabError } from '../errors';
import type { ImageSplit } from '../mnistIdx';

export class DatasetError extends LabError {
  readonly code = 'data';
  override name = 'DatasetError';
}

export interface DatasetLimits {
  /** Largest file accepted, packed, in bytes: checked before the file is read. */
  maxFileBytes: number;
  /** Largest file once unpacked. */
  maxUnpackedBytes: number;
}

/** EMNIST's largest usual split (balanced, 112,800 training images) unpacks to 88 MB. */
export const DATASET_LIMITS: DatasetLimits = {
  maxFileBytes: 128 * 1024 * 1024,
  maxUnpackedBytes: 160 * 1024 * 1024,
};

/** Without a test pair, this share of the images (the last ones) is held out for evaluation. */
export const HELD_OUT_SHARE = 0.1;

export interface DatasetFile {
  name: string;
  /** The file's size, known before its bytes are read. */
  size: number;
  read(): Promise<Uint8Array>;
}

export interface IdxDataset {
  train: ImageSplit;
  test: ImageSplit;
  /** Whether the test split came as files of its own or was held out of the training files. */
  testFrom: 'files' | 'held-out';
  /** Number of classes (largest label + 1), or 0 for unlabelled data. */
  classes: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];
/**
 * Compressed bytes fed to the inflater at a time: deflate expands at most about 1,032 times, so
 * one slice unpacks to at most about 0.5 MB before the limit is checked again.
 */
const INFLATE_SLICE = 512;
const IDX_UBYTE = 0x08;
const IMAGE_DIMS = 3;
const LABEL_DIMS = 1;

function megabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/** Inflates `bytes`, refusing to produce more than `limit` bytes. */
function gunzipLimited(bytes: Uint8Array, name: string, limit: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  const inflater = new Gunzip((chunk, final) => {
    size += chunk.length;
    if (size > limit) throw new DatasetError(`${name} unpacks to more than ${megabytes(limit)}; the lab takes IDX files of up to ${megabytes(limit)} each.`);
    chunks.push(chunk);
    if (final) ended = true;
  });
  try {
    for (let at = 0; at < bytes.length && !ended; at += INFLATE_SLICE) {
      const end = Math.min(at + INFLATE_SLICE, bytes.length);
      inflater.push(bytes.subarray(at, end), end === bytes.length);
    }
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError(`${name} starts like a gzip file but does not unpack (${error instanceof Error ? error.message : String(error)}): it may be damaged or only partly downloaded.`);
  }
  if (!ended) throw new DatasetError(`${name} is a gzip file that ends early: it may be only partly downloaded.`);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

interface IdxFile {
  name: string;
  kind: 'images' | 'labels';
  role: 'train' | 'test';
  count: number;
  /** The bytes after the header. */
  body: Uint8Array;
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

/** The test pair is named so in every IDX dataset known: t10k-… (MNIST, Fashion, KMNIST), …-test-… (EMNIST). */
function roleOf(name: string): 'train' | 'test' {
  return /t10k|test/i.test(name) ? 'test' : 'train';
}

/** Reads an IDX header and checks the body against it. */
function readIdx(name: string, bytes: Uint8Array): IdxFile {
  if (bytes.length < 4) throw new DatasetError(`${name} is not an IDX file: it has only ${bytes.length} bytes.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const dims = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || (dims !== IMAGE_DIMS && dims !== LABEL_DIMS) || bytes[2] === 0) {
    throw new DatasetError(`${name} is not an IDX image or label file: magic 0x00000803 (images) or 0x00000801 (labels) expected, found ${hex(magic)}.`);
  }
  if (bytes[2] !== IDX_UBYTE) {
    throw new DatasetError(`${name} holds values of IDX type 0x${bytes[2].toString(16).padStart(2, '0')}; the lab reads 8-bit (unsigned byte, type 0x08) IDX files.`);
  }
  const headerSize = 4 + 4 * dims;
  if (bytes.length < headerSize) throw new DatasetError(`${name} ends inside its header: ${bytes.length} bytes, the header alone needs ${headerSize}.`);
  const sizes = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const [count] = sizes;
  const kind = dims === IMAGE_DIMS ? 'images' : 'labels';
  if (kind === 'images') {
    const [, rows, cols] = sizes;
    if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
      throw new DatasetError(`${name} holds ${rows}×${cols} images; the lab trains on ${IMAGE_SIDE}×${IMAGE_SIDE} IDX images (a folder or zip of pictures of any size is resized instead).`);
    }
  }
  if (count === 0) throw new DatasetError(`${name} holds no ${kind}: its header declares 0.`);
  const perItem = kind === 'images' ? DIGIT_PIXELS : 1;
  const body = bytes.subarray(headerSize);
  // Compared by division: count × perItem may pass 2^53 for a lying header.
  if (body.length / perItem !== count) {
    const what = body.length / perItem < count ? 'is truncated' : 'is longer than its header says';
    throw new DatasetError(`${name} ${what}: its header declares ${count.toLocaleString('en-US')} ${kind}, the file holds ${Math.floor(body.length / perItem).toLocaleString('en-US')}.`);
  }
  return { name, kind, role: roleOf(name), count, body };
}

async function readFile(file: DatasetFile, limits: DatasetLimits): Promise<IdxFile> {
  if (file.size > limits.maxFileBytes) {
    throw new DatasetError(`${file.name} is ${megabytes(file.size)}; the lab takes files of up to ${megabytes(limits.maxFileBytes)} (not read).`);
  }
  const raw = await file.read();
  const bytes = isGzip(raw) ? gunzipLimited(raw, file.name, limits.maxUnpackedBytes) : raw;
  if (bytes.length > limits.maxUnpackedBytes) {
    throw new DatasetError(`${file.name} is more than ${megabytes(limits.maxUnpackedBytes)}; the lab takes IDX files of up to ${megabytes(limits.maxUnpackedBytes)} each.`);
  }
  return readIdx(file.name, bytes);
}

function onlyOne(files: IdxFile[], kind: IdxFile['kind'], role: IdxFile['role']): IdxFile | null {
  const found = files.filter((f) => f.kind === kind && f.role === role);
  if (found.length > 1) {
    throw new DatasetError(`${found.map((f) => f.name).join(' and ')} are both ${role === 'test' ? 'test' : 'training'} ${kind}: choose one of each kind (training images, optionally their labels, optionally a test pair).`);
  }
  return found[0] ?? null;
}

function split(images: IdxFile, labels: IdxFile | null): ImageSplit {
  if (labels && labels.count !== images.count) {
    throw new DatasetError(`${images.name} holds ${images.count.toLocaleString('en-US')} images but ${labels.name} holds ${labels.count.toLocaleString('en-US')} labels: they are not a pair.`);
  }
  return { count: images.count, pixels: images.body, labels: labels ? labels.body : null };
}

/** The last share of `whole` held out as its test split. */
function holdOut(whole: ImageSplit): { train: ImageSplit; test: ImageSplit } {
  const testCount = Math.max(1, Math.round(whole.count * HELD_OUT_SHARE));
  const trainCount = whole.count - testCount;
  if (trainCount < 1) throw new DatasetError(`There are only ${whole.count} images: at least 2 are needed, one to train on and one held out to evaluate with.`);
  const at = trainCount * DIGIT_PIXELS;
  return {
    train: { count: trainCount, pixels: whole.pixels.subarray(0, at), labels: whole.labels?.subarray(0, trainCount) ?? null },
    test: { count: testCount, pixels: whole.pixels.subarray(at), labels: whole.labels?.subarray(trainCount) ?? null },
  };
}

/** Reads the chosen IDX files into a dataset, or refuses with a DatasetError naming the file. */
export async function readIdxDataset(files: readonly DatasetFile[], limits: DatasetLimits = DATASET_LIMITS): Promise<IdxDataset> {
  if (files.length === 0) throw new DatasetError('No files were chosen: choose the IDX image file (and its label file, if it has one).');
  const read: IdxFile[] = [];
  for (const file of files) read.push(await readFile(file, limits));
  const trainImages = onlyOne(read, 'images', 'train');
  const trainLabels = onlyOne(read, 'labels', 'train');
  const testImages = onlyOne(read, 'images', 'test');
  const testLabels = onlyOne(read, 'labels', 'test');
  if (!trainImages) {
    const names = read.map((f) => f.name).join(', ');
    throw new DatasetError(`No training image file among ${names}: the lab needs an IDX image file whose name does not say test or t10k.`);
  }
  if (testLabels && !testImages) throw new DatasetError(`${testLabels.name} holds test labels but no test image file was chosen with it.`);
  if (trainLabels === null && (testLabels !== null)) throw new DatasetError(`${testLabels.name} labels the test images, but the training images have no label file: choose both label files or neither.`);
  if (trainLabels !== null && testImages !== null && testLabels === null) throw new DatasetError(`${testImages.name} has no label file while the training images have ${trainLabels.name}: choose its labels too, or leave the test images out.`);
  const whole = split(trainImages, trainLabels);
  const { train, test, testFrom } = testImages
    ? { train: whole, test: split(testImages, testLabels), testFrom: 'files' as const }
    : { ...holdOut(whole), testFrom: 'held-out' as const };
  let largest = -1;
  for (const labels of [train.labels, test.labels]) if (labels) for (let i = 0; i < labels.length; i++) if (labels[i] > largest) largest = labels[i];
  return { train, test, testFrom, classes: largest + 1 };
}
