/**
 * Run locks over a small in-memory LockManager with the Web Locks semantics the lab relies on:
 * ifAvailable gives null when held, waiting requests are granted on release, query lists holders.
 */
import { describe, expect, it } from 'vitest';
import { heldRunLocks, lockRun, runLockName, whenRunLockFree } from './runLocks';

function fakeLocks(): LockManager {
  const held = new Set<string>();
  const waiting = new Map<string, (() => void)[]>();
  const release = (name: string) => {
    held.delete(name);
    waiting.get(name)?.shift()?.();
  };
  const request = async (name: string, options: LockOptions, callback: LockGrantedCallback<unknown>) => {
    if (held.has(name)) {
      if (options.ifAvailable) return callback(null);
      await new Promise<void>((resolve, reject) => {
        waiting.set(name, [...(waiting.get(name) ?? []), resolve]);
        options.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    }
    held.add(name);
    try {
      return await callback({ name, mode: 'exclusive' } as Lock);
    } finally {
      release(name);
    }
  };
  return {
    request: ((name: string, a: unknown, b?: unknown) =>
      typeof a === 'function' ? request(name, {}, a as LockGrantedCallback<unknown>) : request(name, a as LockOptions, b as LockGrantedCallback<unknown>)) as LockManager['request'],
    query: async () => ({ held: [...held].map((name) => ({ name, mode: 'exclusive' as const })), pending: [] }),
  };
}

describe('run locks', () => {
  it('lets one holder train a run, tells the other it is busy, and frees it on release', async () => {
    const locks = fakeLocks();
    const first = await lockRun('r1', locks);
    expect(first).not.toBeNull();
    expect(await lockRun('r1', locks)).toBeNull();
    expect(await lockRun('r2', locks)).not.toBeNull();
    expect([...(await heldRunLocks(locks))].sort()).toEqual(['r1', 'r2']);
    first!.release();
    await Promise.resolve();
    expect(await heldRunLocks(locks)).toEqual(new Set(['r2']));
    expect(await lockRun('r1', locks)).not.toBeNull();
  });

  it('tells a watcher when the holder lets go, and can be withdrawn', async () => {
    const locks = fakeLocks();
    const lock = await lockRun('r1', locks);
    let freed: boolean | null = null;
    void whenRunLockFree('r1', new AbortController().signal, locks).then((value) => (freed = value));
    await Promise.resolve();
    expect(freed).toBeNull();
    lock!.release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(freed).toBe(true);

    const again = await lockRun('r1', locks);
    const abort = new AbortController();
    const withdrawn = whenRunLockFree('r1', abort.signal, locks);
    abort.abort();
    expect(await withdrawn).toBe(false);
    again!.release();
  });

  it('names locks after the run and works without Web Locks', async () => {
    expect(runLockName('abc')).toBe('mnist-gan-lab:run:abc');
    const lock = await lockRun('r1', undefined);
    expect(lock).not.toBeNull();
    expect(await heldRunLocks(undefined)).toEqual(new Set());
  });
});
