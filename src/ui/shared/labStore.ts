/**
 * The one store the page reads. Events go in through `dispatch`: every feature's slice takes in
 * what it handles (labState.ts), then the features' controllers hear the events they listen to
 * (`on`), for what is not pure: storage reads, buffers, timers. The state is published at most
 * once per animation frame.
 */
import type { ParsedConfig } from '../../core/config';
import { createFrameStore, type FrameScheduler, type FrameStore } from './frameStore';
import type { LabEvent, LabEventOf, LabEventType } from './labEvents';
import { initialLabState, reduceLab, type LabState } from './labState';

export interface UpdateOptions {
  /** Publish now rather than on the next frame (see FrameStore.setState). */
  urgent?: boolean;
}

export interface LabStore extends FrameStore<LabState> {
  /** Hands an event to the slices, then to the listeners of its type. */
  dispatch(event: LabEvent, options?: UpdateOptions): void;
  /** Hears every event of `type` after the slices have taken it in. */
  on<T extends LabEventType>(type: T, listener: (event: LabEventOf<T>) => void): () => void;
  /** Changes one feature's slice. */
  update<K extends keyof LabState>(
    key: K,
    change: (slice: LabState[K]) => LabState[K],
    options?: UpdateOptions,
  ): void;
}

type Listener = (event: LabEvent) => void;

export function createLabStore(parsed: ParsedConfig, schedule?: FrameScheduler): LabStore {
  const store = createFrameStore<LabState>(initialLabState(parsed), { schedule });
  const listeners = new Map<LabEventType, Set<Listener>>();

  return {
    ...store,
    dispatch(event, { urgent = false } = {}) {
      store.setState((state) => reduceLab(state, event));
      for (const listener of [...(listeners.get(event.type) ?? [])]) listener(event);
      // Listeners' updates go out in the same publish as the slices'.
      if (urgent) store.flush();
    },
    on(type, listener) {
      const forType = listeners.get(type) ?? new Set<Listener>();
      listeners.set(type, forType);
      forType.add(listener as Listener);
      return () => forType.delete(listener as Listener);
    },
    update(key, change, options) {
      store.setState((state) => {
        const slice = change(state[key]);
        return slice === state[key] ? state : { ...state, [key]: slice };
      }, options);
    },
  };
}
