/**
 * Importing, listing and deleting datasets. The worker reads and stores chosen files (off the
 * page's thread); the page reads the list from IndexedDB. A new dataset becomes the one the next
 * run trains on.
 */
import type { ErrorCode } from '../../core/errors';
import { describeError } from '../../core/errors';
import type { PictureOptions } from '../../core/datasets/pictureDataset';
import type { DatasetRepository } from '../../storage/datasetRepository';
import { withError } from '../messages/messagesState';
import type { RunActions } from '../run/runActions';
import type { WorkerClient } from '../run/workerClient';
import type { LabStore } from '../shared/labStore';
import type { DatasetsState } from './datasetsState';

export interface DatasetsController {
  /** Reads the list again from storage. */
  refresh(): Promise<void>;
  /**
   * Imports `files` as `name`: IDX files (raw or .gz), or pictures (a zip, a folder, PNG/JPEG
   * files) made training images as `pictures` says. On success the form trains on it next.
   */
  importFiles(name: string, files: File[], pictures?: PictureOptions): void;
  /** Deletes a dataset; runs that trained on it keep their history but cannot be resumed. */
  remove(id: string): Promise<void>;
}

export function createDatasetsController(
  store: LabStore,
  client: WorkerClient,
  repository: Pick<DatasetRepository, 'list' | 'delete'>,
  run: Pick<RunActions, 'chooseDataset'>,
): DatasetsController {
  const set = (change: (d: DatasetsState) => DatasetsState) => store.update('datasets', change, { urgent: true });
  const failed = (error: { code: ErrorCode; message: string }) =>
    store.setState(
      (s) => ({
        ...s,
        datasets: { ...s.datasets, importing: false },
        messages: withError(s.messages, { source: 'run', code: error.code, message: error.message }),
      }),
      { urgent: true },
    );

  async function refresh(): Promise<void> {
    try {
      const list = await repository.list();
      set((d) => ({ ...d, list, loaded: true }));
    } catch (error) {
      failed({ code: 'storage', message: `The imported datasets could not be read: ${describeError(error)}.` });
    }
  }

  return {
    refresh,
    importFiles(name, files, pictures) {
      if (files.length === 0 || store.getState().datasets.importing) return;
      client.request(
        { type: 'import-dataset', name, files, pictures },
        {
          async onReply({ dataset }) {
            await refresh();
            set((d) => ({ ...d, importing: false }));
            run.chooseDataset(dataset.id);
          },
          onError: failed,
          onLost: (message) => failed({ code: 'internal', message }),
        },
      );
      set((d) => ({ ...d, importing: true }));
    },
    async remove(id) {
      try {
        await repository.delete(id);
      } catch (error) {
        failed({ code: 'storage', message: `The dataset could not be deleted: ${describeError(error)}.` });
      }
      if (store.getState().form.config.dataset === id) run.chooseDataset('mnist');
      await refresh();
    },
  };
}
