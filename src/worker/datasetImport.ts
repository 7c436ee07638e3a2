/**
 * A dataset import in the worker: the chosen files' sizes are checked before a byte is read,
 * their contents read as a dataset (core/datasets/idxDataset.ts) and kept under the user's name.
 * Reading and unpacking tens of megabytes happens here, off the page's thread.
 */
import { type DatasetFile, readIdxDataset } from '../core/datasets/idxDataset';
import type { DatasetRecord, DatasetRepository } from '../storage/datasetRepository';

/** A chosen file as the reader takes it: its size known at once, its bytes read on demand. */
function datasetFile(file: File): DatasetFile {
  return { name: file.name, size: file.size, read: async () => new Uint8Array(await file.arrayBuffer()) };
}

export async function importDataset(repository: DatasetRepository, name: string, files: File[]): Promise<DatasetRecord> {
  // The name first: a taken name is refused before megabytes are read.
  await repository.checkName(name);
  const dataset = await readIdxDataset(files.map(datasetFile));
  return repository.save(name, dataset, files.map((f) => f.name));
}
