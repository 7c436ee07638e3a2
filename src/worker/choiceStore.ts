/**
 * `auto`'s measured backend choices, kept in IndexedDB so a device measures once per recipe
 * size, not at every page load. Its own database: the choices belong to the device, not to any
 * run, and losing them only costs a new measurement.
 */
import { clear, createStore, get, set } from 'idb-keyval';
import { type ChoiceMemory, type RememberedChoice, memoryChoices } from './backendChoice';

export const CHOICE_STORE = ['mnist-gan-lab-backend-choices', 'choices'] as const;

export function indexedDbChoices(): ChoiceMemory {
  if (typeof indexedDB === 'undefined') return memoryChoices();
  const store = createStore(...CHOICE_STORE);
  return {
    get: (key) => get<RememberedChoice>(key, store),
    set: (key, choice) => set(key, choice, store),
    clear: () => clear(store),
  };
}
