/** Generated IDX files and chosen-file stand-ins for the dataset tests. Test support only. */
import type { DatasetFile } from '../core/datasets/idxDataset';
import { Rng } from '../core/rng';

/** An IDX image file of `count` random side×side images. */
export function idxImages(count: number, rng = new Rng(count), side = 28): Uint8Array {
  const out = new Uint8Array(16 + count * side * side);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x803);
  view.setUint32(4, count);
  view.setUint32(8, side);
  view.setUint32(12, side);
  for (let i = 16; i < out.length; i++) out[i] = rng.nextInt(256);
  return out;
}

/** An IDX label file of `count` labels below `classes`. */
export function idxLabels(count: number, classes = 10, rng = new Rng(count + 7)): Uint8Array {
  const out = new Uint8Array(8 + count);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x801);
  view.setUint32(4, count);
  for (let i = 0; i < count; i++) out[8 + i] = rng.nextInt(classes);
  return out;
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
