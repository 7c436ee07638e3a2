/**
 * A dataset import in the worker: the chosen files' sizes are checked before a byte is read;
 * IDX files are read as they are (core/datasets/idxDataset.ts), pictures (a zip, a folder, or
 * single PNG/JPEG files) are decoded and made training images (core/datasets/pictureDataset.ts);
 * the result is kept under the user's name. All of it off the page's thread.
 */
import { type DatasetFile, type IdxDataset, readIdxDataset } from '../core/datasets/idxDataset';
import { DEFAULT_PICTURE_OPTIONS, type DecodePicture, type PictureOptions, picturesOf, picturesToDataset } from '../core/datasets/pictureDataset';
import type { DatasetRecord, DatasetRepository } from '../storage/datasetRepository';

/** A chosen file as the readers take it: its size known at once, its bytes read on demand. */
function datasetFile(file: File): DatasetFile & { path: string } {
  return { name: file.name, path: file.webkitRelativePath || file.name, size: file.size, read: async () => new Uint8Array(await file.arrayBuffer()) };
}

/** Pictures by name: a zip, PNG or JPEG files; anything else is read as IDX. */
function arePictures(files: File[]): boolean {
  return files.some((f) => /\.(zip|png|jpe?g)$/i.test(f.name));
}

export async function importDataset(
  repository: DatasetRepository,
  name: string,
  files: File[],
  decode: DecodePicture,
  options: PictureOptions = DEFAULT_PICTURE_OPTIONS,
): Promise<DatasetRecord> {
  // The name first: a taken name is refused before megabytes are read.
  await repository.checkName(name);
  const chosen = files.map(datasetFile);
  let dataset: IdxDataset & { classNames?: string[] };
  if (arePictures(files)) dataset = await picturesToDataset(await picturesOf(chosen), decode, options);
  else dataset = await readIdxDataset(chosen);
  const source = files.length > 3 && arePictures(files) ? [`${files.length} pictures`] : files.map((f) => f.name);
  return repository.save(name, dataset, source, Date.now(), dataset.classNames ?? []);
}
