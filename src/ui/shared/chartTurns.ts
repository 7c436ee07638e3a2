/**
 * Charts take turns: across the page, at most one chart is drawn again per animation frame.
 * Drawing a chart with the chart library costs tens of ms; when a checkpoint arrives, the loss
 * charts, the quality charts and the comparison all want drawing at once, and together they were
 * one main-thread task of over 100 ms. One a frame, each is a task of its own.
 *
 * A chart asks for a turn with a key of its own; asking again before its turn replaces what it
 * asked to do and keeps its place in the queue, so a chart that changes every frame neither
 * jumps the queue nor loses its turn.
 */
import { useEffect, useState } from 'react';
import { animationFrameScheduler, type FrameScheduler } from './frameStore';

export type Turn = () => void;

export interface TurnQueue {
  /** `turn` runs in a frame of its own, after the turns asked for before it. */
  ask(key: object, turn: Turn): void;
  /** Drops the key's turn if it has not run yet. */
  cancel(key: object): void;
}

export function turnQueue(schedule: FrameScheduler = animationFrameScheduler): TurnQueue {
  const waiting = new Map<object, Turn>();
  let scheduled = false;
  const next = () => {
    scheduled = false;
    const first = waiting.entries().next();
    if (first.done) return;
    const [key, turn] = first.value;
    waiting.delete(key);
    if (waiting.size > 0) {
      scheduled = true;
      schedule(next);
    }
    turn();
  };
  return {
    ask(key, turn) {
      waiting.set(key, turn);
      if (!scheduled) {
        scheduled = true;
        schedule(next);
      }
    },
    cancel(key) {
      waiting.delete(key);
    },
  };
}

/** The page's one queue. */
export const chartTurns = turnQueue();

/**
 * `value` as a chart should draw it: as it was at the chart's last turn. The first value is
 * shown at once (a chart appears when it mounts); later ones wait for the chart's turn.
 */
export function useTurn<T>(value: T): T {
  const [shown, setShown] = useState(value);
  const [key] = useState(() => ({}));
  useEffect(() => {
    if (!Object.is(value, shown)) chartTurns.ask(key, () => setShown(value));
  }, [key, value, shown]);
  useEffect(() => () => chartTurns.cancel(key), [key]);
  return shown;
}
