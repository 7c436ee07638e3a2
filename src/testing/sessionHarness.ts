/**
 * For tests: a TrainingSession as the worker runs it, on the cpu backend with synthetic digits,
 * and the events it posts. Anything of the environment can be replaced.
 */
import * as tf from '@tensorflow/tfjs';
import { syntheticSplit } from './syntheticMnist';
import type { Command, WorkerEvent } from '../worker/protocol';
import { TrainingSession, type WorkerEnvironment } from '../worker/session';

export interface SessionHarness {
  session: TrainingSession;
  /** Every event posted so far, in order. */
  events: WorkerEvent[];
  send(command: Command): Promise<void>;
  /** The events of one type so far. */
  of<T extends WorkerEvent['type']>(type: T): Extract<WorkerEvent, { type: T }>[];
  /** Calls `listener` with every event from now on. */
  on(listener: (event: WorkerEvent) => void): void;
  /** The first event, past or future, that satisfies `predicate`. */
  waitFor(predicate: (event: WorkerEvent) => boolean): Promise<WorkerEvent>;
}

export interface HarnessOptions {
  /** Acknowledge every grid at once, as the page does once it has drawn one (default true). */
  ackGrids?: boolean;
}

export function sessionHarness(overrides: Partial<WorkerEnvironment> = {}, options: HarnessOptions = {}): SessionHarness {
  const events: WorkerEvent[] = [];
  const listeners: ((event: WorkerEvent) => void)[] = [];
  const env: WorkerEnvironment = {
    probeBackends: () => ({ available: ['cpu'] }),
    selectBackend: async () => {
      await tf.setBackend('cpu');
      return { backend: 'cpu', detail: 'test' };
    },
    loadData: async () => ({ train: syntheticSplit(40, 1), test: syntheticSplit(10, 2) }),
    now: () => performance.now(),
    yieldToEvents: () => new Promise((resolve) => setImmediate(resolve)),
    ...overrides,
  };
  const session = new TrainingSession(env, (event) => {
    events.push(event);
    for (const listener of [...listeners]) listener(event);
    if (options.ackGrids !== false && event.type === 'grid') {
      void session.handleMessage({ type: 'grid-ack', runId: event.runId });
    }
  });
  const on = (listener: (event: WorkerEvent) => void) => void listeners.push(listener);
  return {
    session,
    events,
    send: (command) => session.handleMessage(command),
    of: <T extends WorkerEvent['type']>(type: T) =>
      events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type),
    on,
    waitFor: (predicate) =>
      new Promise<WorkerEvent>((resolve) => {
        const found = events.find(predicate);
        if (found) return resolve(found);
        on((event) => {
          if (predicate(event)) resolve(event);
        });
      }),
  };
}
