/** React's view of the lab: the features' controllers through context, state through selectors. */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { Lab } from '../lab';
import type { LabState } from './labState';

export const LabContext = createContext<Lab | null>(null);

export function useLab(): Lab {
  const lab = useContext(LabContext);
  if (!lab) throw new Error('useLab needs a <LabContext> provider above it.');
  return lab;
}

/**
 * A slice of the published state. The selector must return a primitive or an object already in
 * the state (not a new one per call), so unchanged slices do not re-render.
 */
export function useLabState<T>(selector: (state: LabState) => T): T {
  const { store } = useLab();
  return useSyncExternalStore(store.subscribe, () => selector(store.getSnapshot()));
}
