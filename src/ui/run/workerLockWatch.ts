/**
 * Notices a training worker that died without a word. The worker holds its run's Web Lock while
 * it trains; the page queues for the same lock, and is granted it when the worker lets go: at the
 * end of the run (its `stopped` message follows) or because it is gone. A short grace lets that
 * message arrive before `onFree` decides which it was.
 */
import { whenRunLockFree } from '../../storage/runLocks';

const GRACE_MS = 1500;

/** Watches until the returned function is called (the run's `stopped` arrived): then never fires. */
export function watchWorkerLock(runId: string, onFree: () => void): () => void {
  const abort = new AbortController();
  let grace: ReturnType<typeof setTimeout> | undefined;
  void whenRunLockFree(runId, abort.signal).then((freed) => {
    if (freed && !abort.signal.aborted) grace = setTimeout(onFree, GRACE_MS);
  });
  return () => {
    abort.abort();
    clearTimeout(grace);
  };
}
