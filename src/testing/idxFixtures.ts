/** Generated IDX files and chosen-file stand-ins for the dataset tests. Test support only. */
import type { DatasetFile } from '../core/datasets/idxDataset';
import { Rng } from '../core/rng';

export const IDX_IMAGES = 0x803;
export const IDX_LABELS = 0x801;

/** An IDX file: the magic and each dimension as big-endian 32-bit words, then `body`. */
export function idxFile(magic: number, dims: readonly number[], body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

/** An IDX image file of `count` random rows×cols images (28×28 unless said). */
export function idxImages(count: number, { rng = new Rng(count), rows = 28, cols = rows }: { rng?: Rng; rows?: number; cols?: number } = {}): Uint8Array {
  const pixels = new Uint8Array(count * rows * cols);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.nextInt(256);
  return idxFile(IDX_IMAGES, [count, rows, cols], pixels);
}

/** An IDX label file of `count` labels below `classes`. */
export function idxLabels(count: number, classes = 10, rng = new Rng(count + 7)): Uint8Array {
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = rng.nextInt(classes);
  return idxFile(IDX_LABELS, [count], labels);
}

/** A chosen file holding `bytes`, counting how often it was read. */
export function chosenFile(name: string, bytes: Uint8Array): DatasetFile & { reads: number } {
  const f = {
    name,
    size: bytes.length,
    reads: 0,
    async read() {
      f.reads += 1;
      return bytes;
    },
  };
  return f;
}
