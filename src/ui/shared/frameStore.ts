/**
 * A tiny external store in the zustand style: state lives outside React and is read with
 * `useSyncExternalStore`. Updates are applied at once but published to subscribers at most
 * once per animation frame, so a burst of worker events costs one render.
 */

export type Listener = () => void;
/** Runs a callback on the next frame; returns a function that cancels it. */
export type FrameScheduler = (callback: () => void) => () => void;

export interface FrameStore<T> {
  /** The last published state: what components render. */
  getSnapshot(): T;
  /** The latest state, published or not. */
  getState(): T;
  /**
   * Applies an update. It is published on the next frame, or right away when `urgent`
   * (user input into controlled fields must not wait a frame, or the caret jumps).
   */
  setState(update: (state: T) => T, options?: { urgent?: boolean }): void;
  /** Publishes pending updates now. */
  flush(): void;
  subscribe(listener: Listener): () => void;
}

export interface FrameStoreOptions<T> {
  schedule?: FrameScheduler;
  /** Runs once per publish, before listeners see the state; may derive expensive fields. */
  beforePublish?: (next: T, previous: T) => T;
}

export const animationFrameScheduler: FrameScheduler = (callback) => {
  if (typeof requestAnimationFrame === 'function') {
    const id = requestAnimationFrame(callback);
    return () => cancelAnimationFrame(id);
  }
  const id = setTimeout(callback, 16);
  return () => clearTimeout(id);
};

export function createFrameStore<T>(initial: T, options: FrameStoreOptions<T> = {}): FrameStore<T> {
  const schedule = options.schedule ?? animationFrameScheduler;
  const listeners = new Set<Listener>();
  let state = initial;
  let snapshot = initial;
  let cancelFrame: (() => void) | null = null;

  function flush(): void {
    cancelFrame?.();
    cancelFrame = null;
    if (state === snapshot) return;
    const previous = snapshot;
    state = options.beforePublish ? options.beforePublish(state, previous) : state;
    snapshot = state;
    for (const listener of [...listeners]) listener();
  }

  return {
    getSnapshot: () => snapshot,
    getState: () => state,
    setState(update, { urgent = false } = {}) {
      state = update(state);
      if (urgent) flush();
      else if (state !== snapshot && cancelFrame === null) {
        cancelFrame = schedule(() => {
          cancelFrame = null;
          flush();
        });
      }
    },
    flush,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
