/**
 * Items (the comparison's charts) brought up to date one at a time, one per turn:
 * drawing six charts in one go, when the comparison opens or its axis changes, was a single
 * main-thread task of over 100 ms; one chart is a fraction of that. Taking turns round the
 * items, so that while a run trains and new points keep coming, every chart still gets its turn.
 */
import { useEffect, useRef, useState } from 'react';
import { chartTurns, type TurnQueue } from '../shared/chartTurns';

/**
 * The next item to bring up to date: the first from `from` on (wrapping round) whose shown value
 * is missing or not `same` as the wanted one; -1 when all are up to date.
 */
export function nextInTurn<T>(shown: readonly (T | undefined)[], wanted: readonly T[], from: number, same: (a: T, b: T) => boolean): number {
  for (let k = 0; k < wanted.length; k++) {
    const i = (from + k) % wanted.length;
    const current = shown[i];
    if (current === undefined || !same(current, wanted[i])) return i;
  }
  return -1;
}

/**
 * What to show of `wanted` (a list of fixed length): each item as it was last brought up to date,
 * undefined until its first turn. `same` says when an item needs no turn. The turns are the
 * page's (shared/chartTurns.ts): one chart a frame, these and the live charts alike.
 */
export function useInTurn<T>(wanted: readonly T[], same: (a: T, b: T) => boolean, queue: TurnQueue = chartTurns): readonly (T | undefined)[] {
  const [shown, setShown] = useState<readonly (T | undefined)[]>([]);
  const latest = useRef(shown);
  const turn = useRef(0);
  const [key] = useState(() => ({}));
  useEffect(() => {
    const step = () => {
      const i = nextInTurn(latest.current, wanted, turn.current, same);
      if (i < 0) return;
      latest.current = wanted.map((item, k) => (k === i ? item : latest.current[k]));
      turn.current = (i + 1) % wanted.length;
      setShown(latest.current);
      queue.ask(key, step);
    };
    // Asking again replaces the earlier request and keeps its place in the queue.
    queue.ask(key, step);
  }, [wanted, same, queue, key]);
  useEffect(() => () => queue.cancel(key), [queue, key]);
  return shown;
}
