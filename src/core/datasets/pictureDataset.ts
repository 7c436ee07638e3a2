/**
 * A dataset from pictures (PNG, JPEG; any size; colour or grey), from a zip or a folder: each
 * made the 28×28 grey image training sees (fitted by padding or cropping, light strokes on a
 * dark ground as MNIST's, inverted when asked or when its border says it is dark on light),
 * labelled by the sub-folder it sits in when asked. Decoding pictures needs the browser; it is
 * passed in, so everything else here runs and is tested anywhere.
 */
import { unzipSync } from 'fflate';
import { DIGIT_PIXELS, IMAGE_SIDE } from '../digits';
import type { ImageSplit } from '../mnistIdx';
import { type DatasetFile, DatasetError, HELD_OUT_SHARE, type IdxDataset } from './idxDataset';

export interface PictureOptions {
  /** pad: the whole picture, bars added; crop: its middle square, filled. */
  fit: 'pad' | 'crop';
  /** auto: inverted when the picture's border is lighter than its middle (dark strokes on light). */
  invert: 'auto' | 'yes' | 'no';
  /** Each picture's class is the name of the folder it is in. */
  labelsFromFolders: boolean;
}

export const DEFAULT_PICTURE_OPTIONS: PictureOptions = { fit: 'pad', invert: 'auto', labelsFromFolders: false };

export interface PictureLimits {
  /** Largest zip or picture file, packed. */
  maxFileBytes: number;
  /** Largest total a zip may unpack to, by its own declared sizes (checked before inflating). */
  maxUnpackedBytes: number;
  maxPictures: number;
  /** Largest picture side decoded (a 20,000-pixel-wide PNG is refused, not drawn). */
  maxSide: number;
}

export const PICTURE_LIMITS: PictureLimits = {
  maxFileBytes: 256 * 1024 * 1024,
  maxUnpackedBytes: 512 * 1024 * 1024,
  maxPictures: 200_000,
  maxSide: 4096,
};

/** A decoded picture: RGBA bytes, row-major. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

/** Decodes PNG or JPEG bytes, or throws; `maxSide` is checked against the header before decoding. */
export type DecodePicture = (bytes: Uint8Array, name: string, maxSide: number) => Promise<Rgba>;

export interface Picture {
  /** Its path in the zip or folder, as the user would recognise it. */
  path: string;
  bytes: Uint8Array;
}

const PICTURE_NAME = /\.(png|jpe?g)$/i;
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

function megabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

export function isZip(bytes: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => bytes[i] === b);
}

/** A path that could climb out of the folder it names, or is absolute: refused, not used. */
function unsafePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || /^[a-z]:/i.test(path) || path.split(/[\\/]/).includes('..');
}

/** The pictures in a zip: declared sizes checked before anything is inflated. */
export function picturesInZip(name: string, bytes: Uint8Array, limits: PictureLimits = PICTURE_LIMITS): Picture[] {
  let total = 0;
  let count = 0;
  const wanted: string[] = [];
  try {
    unzipSync(bytes, {
      filter(entry) {
        if (unsafePath(entry.name)) throw new DatasetError(`${name} holds an entry with an unsafe path (${entry.name}): the lab does not read such zips.`);
        if (entry.name.endsWith('/') || !PICTURE_NAME.test(entry.name) || /(^|\/)(__MACOSX|\.)/.test(entry.name)) return false;
        count += 1;
        total += entry.originalSize;
        if (count > limits.maxPictures) throw new DatasetError(`${name} holds more than ${limits.maxPictures.toLocaleString('en-US')} pictures; the lab takes up to that many.`);
        if (total > limits.maxUnpackedBytes) throw new DatasetError(`${name} would unpack to more than ${megabytes(limits.maxUnpackedBytes)}; the lab refuses it unread.`);
        wanted.push(entry.name);
        return false;
      },
    });
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError(`${name} is not a zip the lab can read (${error instanceof Error ? error.message : String(error)}).`);
  }
  if (wanted.length === 0) throw new DatasetError(`${name} holds no PNG or JPEG pictures.`);
  let files: Record<string, Uint8Array>;
  try {
    // Each entry inflates into a buffer of its declared size, so a lying entry cannot grow past it.
    files = unzipSync(bytes, { filter: (entry) => wanted.includes(entry.name) });
  } catch (error) {
    throw new DatasetError(`${name} is damaged: ${error instanceof Error ? error.message : String(error)}.`);
  }
  return wanted.map((path) => ({ path, bytes: files[path] }));
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * A PNG's or JPEG's width and height from its header, read before decoding (so a picture of
 * 20,000 pixels a side is refused, not drawn); null when the bytes are neither.
 */
export function pictureSize(bytes: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  // JPEG: walk the segments to the first start-of-frame (SOF0–SOF15 but DHT, JPG and DAC).
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    const length = view.getUint16(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
    }
    if (length < 2) return null;
    at += 2 + length;
  }
  return null;
}

/** RGBA to grey, transparent parts over white (as a picture viewer shows them). */
function grey(picture: Rgba): Float32Array {
  const { width, height, data } = picture;
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const a = data[4 * i + 3] / 255;
    const luma = 0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2];
    out[i] = luma * a + 255 * (1 - a);
  }
  return out;
}

/** Mean of the outermost ring of pixels, and of the rest. */
function borderAndMiddle(values: Float32Array, width: number, height: number): [number, number] {
  let border = 0;
  let borderCount = 0;
  let middle = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x];
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) {
        border += v;
        borderCount += 1;
      } else middle += v;
    }
  }
  const middleCount = width * height - borderCount;
  return [border / Math.max(1, borderCount), middleCount > 0 ? middle / middleCount : border / Math.max(1, borderCount)];
}

/**
 * The 28×28 grey image training sees of `picture`: scaled by area averaging (each output pixel
 * the mean of the source area it covers), fitted as asked, light strokes on dark ground.
 */
export function trainingImage(picture: Rgba, options: Pick<PictureOptions, 'fit' | 'invert'>): Uint8Array {
  const { width, height } = picture;
  const values = grey(picture);
  const [border, middle] = borderAndMiddle(values, width, height);
  const invert = options.invert === 'yes' || (options.invert === 'auto' && border > middle);
  // The square of the source (in source pixels) that maps onto the 28×28 output.
  const side = options.fit === 'pad' ? Math.max(width, height) : Math.min(width, height);
  const left = (width - side) / 2;
  const top = (height - side) / 2;
  const scale = side / IMAGE_SIDE;
  // What padding shows: the picture's own ground, its border.
  const ground = border;
  const out = new Uint8Array(DIGIT_PIXELS);
  for (let oy = 0; oy < IMAGE_SIDE; oy++) {
    const y0 = top + oy * scale;
    const y1 = y0 + scale;
    for (let ox = 0; ox < IMAGE_SIDE; ox++) {
      const x0 = left + ox * scale;
      const x1 = x0 + scale;
      let sum = 0;
      let area = 0;
      for (let sy = Math.floor(y0); sy < Math.ceil(y1); sy++) {
        const hy = Math.min(y1, sy + 1) - Math.max(y0, sy);
        if (hy <= 0) continue;
        for (let sx = Math.floor(x0); sx < Math.ceil(x1); sx++) {
          const wx = Math.min(x1, sx + 1) - Math.max(x0, sx);
          if (wx <= 0) continue;
          const inside = sx >= 0 && sy >= 0 && sx < width && sy < height;
          sum += (inside ? values[sy * width + sx] : ground) * wx * hy;
          area += wx * hy;
        }
      }
      const v = area > 0 ? sum / area : ground;
      out[oy * IMAGE_SIDE + ox] = Math.round(invert ? 255 - v : v);
    }
  }
  return out;
}

/** The folder a picture is in (its label's name), or null at the top level. */
function folderOf(path: string): string | null {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  return parts.length >= 2 ? parts[parts.length - 2] : null;
}

export interface PictureDataset extends IdxDataset {
  /** The folder names, in label order (empty without labels). */
  classNames: string[];
}

/**
 * Pictures to a dataset: each decoded and made a training image; labels from folders when asked
 * (every picture must then sit in one). A tenth is held out for evaluation, spread over the set.
 */
export async function picturesToDataset(
  pictures: Picture[],
  decode: DecodePicture,
  options: PictureOptions = DEFAULT_PICTURE_OPTIONS,
  limits: PictureLimits = PICTURE_LIMITS,
): Promise<PictureDataset> {
  if (pictures.length < 2) throw new DatasetError(`There ${pictures.length === 1 ? 'is only 1 picture' : 'are no pictures'}: at least 2 are needed, one to train on and one held out to evaluate with.`);
  if (pictures.length > limits.maxPictures) throw new DatasetError(`There are ${pictures.length.toLocaleString('en-US')} pictures; the lab takes up to ${limits.maxPictures.toLocaleString('en-US')}.`);
  const sorted = [...pictures].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  let classNames: string[] = [];
  if (options.labelsFromFolders) {
    const loose = sorted.find((p) => folderOf(p.path) === null);
    if (loose) throw new DatasetError(`${loose.path} is not in a folder: to label pictures by folder, put every picture in the folder of its class.`);
    classNames = [...new Set(sorted.map((p) => folderOf(p.path)!))].sort();
    if (classNames.length < 2) throw new DatasetError(`All pictures are in one folder (${classNames[0]}): labels by folder need at least two.`);
    if (classNames.length > 255) throw new DatasetError(`The pictures are in ${classNames.length} folders; the lab takes up to 255 classes.`);
  }
  const pixels = new Uint8Array(sorted.length * DIGIT_PIXELS);
  const labels = options.labelsFromFolders ? new Uint8Array(sorted.length) : null;
  for (let i = 0; i < sorted.length; i++) {
    const { path, bytes } = sorted[i];
    let picture: Rgba;
    try {
      picture = await decode(bytes, path, limits.maxSide);
    } catch (error) {
      if (error instanceof DatasetError) throw error;
      throw new DatasetError(`${path} is not a picture the browser can read (${error instanceof Error ? error.message : String(error)}).`);
    }
    if (picture.width < 1 || picture.height < 1 || picture.width > limits.maxSide || picture.height > limits.maxSide) {
      throw new DatasetError(`${path} is ${picture.width}×${picture.height}; the lab takes pictures of 1 to ${limits.maxSide} pixels a side.`);
    }
    pixels.set(trainingImage(picture, options), i * DIGIT_PIXELS);
    if (labels) labels[i] = classNames.indexOf(folderOf(path)!);
  }
  // Every tenth picture held out (the last one when there are fewer than ten), so each folder gives its share.
  const every = Math.round(1 / HELD_OUT_SHARE);
  const held = (i: number) => (sorted.length < every ? i === sorted.length - 1 : i % every === every - 1);
  const indices = Array.from({ length: sorted.length }, (_, i) => i);
  const pick = (chosen: number[]): ImageSplit => {
    const split = new Uint8Array(chosen.length * DIGIT_PIXELS);
    chosen.forEach((from, to) => split.set(pixels.subarray(from * DIGIT_PIXELS, (from + 1) * DIGIT_PIXELS), to * DIGIT_PIXELS));
    return { count: chosen.length, pixels: split, labels: labels ? Uint8Array.from(chosen, (i) => labels[i]) : null };
  };
  return {
    train: pick(indices.filter((i) => !held(i))),
    test: pick(indices.filter(held)),
    testFrom: 'held-out',
    classes: classNames.length,
    classNames,
  };
}

/** The pictures among chosen files: a zip's, or the files themselves (a folder's, with their paths). */
export async function picturesOf(files: readonly (DatasetFile & { path?: string })[], limits: PictureLimits = PICTURE_LIMITS): Promise<Picture[]> {
  const pictures: Picture[] = [];
  for (const file of files) {
    if (file.size > limits.maxFileBytes) throw new DatasetError(`${file.name} is ${megabytes(file.size)}; the lab takes files of up to ${megabytes(limits.maxFileBytes)} (not read).`);
    const path = file.path || file.name;
    if (/\.zip$/i.test(file.name)) {
      pictures.push(...picturesInZip(file.name, await file.read(), limits));
    } else if (PICTURE_NAME.test(file.name)) {
      if (unsafePath(path)) throw new DatasetError(`${path} is not a safe path.`);
      pictures.push({ path, bytes: await file.read() });
    }
  }
  return pictures;
}
