/**
 * Runs training in another tab of this browser: their Web Lock is held, yet not by a run this
 * page is training. Polled, since locks announce nothing; a few seconds of delay is fine for a
 * status line.
 */
import { useEffect, useState } from 'react';
import { heldRunLocks } from '../../storage/runLocks';
import { isRunActive } from '../run/runState';
import { useLabState } from '../shared/useLab';

const POLL_MS = 2000;
const NONE: ReadonlySet<string> = new Set();

export function useBusyRuns(): ReadonlySet<string> {
  const [held, setHeld] = useState<ReadonlySet<string>>(NONE);
  const liveId = useLabState((s) => (isRunActive(s.run) ? s.run!.runId : null));
  const runCount = useLabState((s) => s.history.runs?.length ?? 0);

  useEffect(() => {
    if (runCount === 0) return undefined;
    let cancelled = false;
    const poll = () =>
      heldRunLocks()
        .then((ids) => {
          if (!cancelled) setHeld((previous) => (sameSet(previous, ids) ? previous : ids));
        })
        .catch(() => undefined);
    void poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [runCount]);

  if (liveId === null || !held.has(liveId)) return held;
  const others = new Set(held);
  others.delete(liveId);
  return others;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((id) => b.has(id));
}
