/**
 * One tab trains a saved run at a time. Whoever trains a run (the training worker) holds a Web
 * Lock named after it for as long as it trains; another tab asking for the same run finds the
 * lock taken and shows the run read-only. The lock goes with its holder: a closed tab, a reload
 * or a crashed worker frees it, which is also how a page notices that its worker died.
 */

const PREFIX = 'mnist-gan-lab:run:';

export function runLockName(runId: string): string {
  return PREFIX + runId;
}

export interface RunLock {
  release(): void;
}

type Locks = LockManager | undefined;

function lockManager(): Locks {
  return typeof navigator === 'undefined' ? undefined : navigator.locks;
}

/**
 * Takes the run's lock if nobody holds it: the lock, or null when another tab trains the run.
 * Without Web Locks (old browsers, Node) there is nothing to coordinate with: a no-op lock.
 */
export function lockRun(runId: string, locks: Locks = lockManager()): Promise<RunLock | null> {
  if (!locks) return Promise.resolve({ release() {} });
  return new Promise((resolve, reject) => {
    locks
      .request(runLockName(runId), { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(null);
          return undefined;
        }
        return new Promise<void>((release) => resolve({ release: () => release() }));
      })
      .catch(reject);
  });
}

/** Ids of the runs whose lock someone holds right now (this tab's worker included). */
export async function heldRunLocks(locks: Locks = lockManager()): Promise<Set<string>> {
  if (!locks) return new Set();
  const { held = [] } = await locks.query();
  return new Set(
    held.flatMap((lock) => (lock.name?.startsWith(PREFIX) ? [lock.name.slice(PREFIX.length)] : [])),
  );
}

/**
 * Resolves once the run's lock is free (its holder finished or died), taking and dropping it at
 * once. `signal` withdraws the wait.
 */
export async function whenRunLockFree(
  runId: string,
  signal: AbortSignal,
  locks: Locks = lockManager(),
): Promise<boolean> {
  if (!locks) return false;
  try {
    await locks.request(runLockName(runId), { signal }, () => undefined);
    return true;
  } catch {
    return false;
  }
}
