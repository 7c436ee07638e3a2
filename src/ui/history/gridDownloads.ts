/**
 * The viewed run's grids as files: the selected epoch as a PNG, every saved epoch as one
 * animated GIF (encoders in gridFiles.ts).
 */
import { GRID_COLS, GRID_ROWS } from '../../core/digits';
import type { LabStore } from '../shared/labStore';
import { encodeGridPng, encodeHistoryGif, gifFileName, pngFileName } from './gridFiles';
import { viewedRun } from './historyState';
import type { HistoryView } from './historyView';

export interface GridDownloads {
  downloadPng(epoch: number): Promise<void>;
  downloadGif(): Promise<void>;
}

export function createGridDownloads(
  store: LabStore,
  view: HistoryView,
  saveFile: (data: Blob, name: string) => void,
): GridDownloads {
  return {
    async downloadPng(epoch) {
      const pixels = view.gridPixels(epoch);
      if (!pixels) return;
      saveFile(await encodeGridPng(pixels, GRID_ROWS, GRID_COLS), pngFileName(epoch));
    },
    async downloadGif() {
      const run = viewedRun(store.getState().history);
      if (!run || run.epochs.length === 0) return;
      await view.loadGrids();
      const frames = run.epochs
        .map((e) => view.gridPixels(e.epoch))
        .filter((p): p is Uint8ClampedArray => p !== undefined);
      const bytes = encodeHistoryGif(frames, GRID_ROWS, GRID_COLS);
      const name = gifFileName(run.name, run.epochs[0].epoch, run.epochs.at(-1)!.epoch);
      saveFile(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/gif' }), name);
    },
  };
}
