/** React's view of the lab: the store and actions through context, state through selectors. */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ExportsController } from '../exports/exportsController';
import type { HistoryController } from '../history/historyController';
import type { LabActions } from '../run/labActions';
import type { LabState } from './labState';
import type { LabStore } from './labStore';

export interface Lab {
  store: LabStore;
  actions: LabActions;
  history: HistoryController;
  exports: ExportsController;
}

export const LabContext = createContext<Lab | null>(null);

export function useLab(): Lab {
  const lab = useContext(LabContext);
  if (!lab) throw new Error('useLab needs a <LabContext> provider above it.');
  return lab;
}

export function useLabActions(): LabActions {
  return useLab().actions;
}

export function useHistory(): HistoryController {
  return useLab().history;
}

export function useExports(): ExportsController {
  return useLab().exports;
}

/**
 * A slice of the published state. The selector must return a primitive or an object already in
 * the state (not a new one per call), so unchanged slices do not re-render.
 */
export function useLabState<T>(selector: (state: LabState) => T): T {
  const { store } = useLab();
  return useSyncExternalStore(store.subscribe, () => selector(store.getSnapshot()));
}
