/**
 * The page's side of the worker protocol: owns the training worker, posts typed commands and
 * feeds every event into the lab store. A crashed worker is reported, terminated and replaced
 * by a fresh one on the next command.
 */
import type { BackendChoice } from '../../core/config';
import type { Command, WorkerEvent } from '../../worker/protocol';
import { isRunActive, initSent, workerCrashed } from '../shared/labState';
import type { LabStore } from '../shared/labStore';
import { watchWorkerLock } from './workerLockWatch';

export type WorkerFactory = () => Worker;

export function createTrainingWorker(): Worker {
  return new Worker(new URL('../../worker/training.worker.ts', import.meta.url), { type: 'module' });
}

export interface WorkerClient {
  send(command: Command): void;
  /** Asks the worker to set up `backend`; its `ready` answer updates the store. */
  init(backend: BackendChoice): void;
  /** A fresh id for a request/reply pair (shared with init, so replies never collide). */
  nextRequestId(): number;
  dispose(): void;
}

export function createWorkerClient(
  store: LabStore,
  factory: WorkerFactory = createTrainingWorker,
): WorkerClient {
  let worker: Worker | null = null;
  let lastRequestId = 0;
  /** Counts `started` events: a lock watch belongs to the latest one. */
  let startedCount = 0;

  function crash(detail: string): void {
    worker?.terminate();
    worker = null;
    store.setState((state) => workerCrashed(state, detail), { urgent: true });
  }

  function spawn(): Worker | null {
    let created: Worker;
    try {
      created = factory();
    } catch (error) {
      crash(`it could not be started (${describe(error)}).`);
      return null;
    }
    created.addEventListener('message', (event: MessageEvent<WorkerEvent>) => {
      if (created !== worker) return;
      store.dispatch(event.data);
      if (event.data.type === 'started') {
        // A worker killed outright (out of memory, terminated) sends no error event, but its run's lock goes with it.
        const { runId } = event.data;
        const started = ++startedCount;
        watchWorkerLock(runId, () => {
          const run = store.getState().run;
          if (created === worker && started === startedCount && run?.runId === runId && isRunActive(run)) {
            crash('it stopped answering while training and was gone (terminated, or out of memory).');
          }
        });
      }
    });
    created.addEventListener('error', (event: ErrorEvent) => {
      if (created !== worker) return;
      event.preventDefault();
      const where = event.filename ? ` (${event.filename}:${event.lineno})` : '';
      crash(
        event.message
          ? `${event.message}${where}. Reload the page or click Train to start a new worker.`
          : 'its script failed to load or threw outside a handler. Reload the page to try again.',
      );
    });
    created.addEventListener('messageerror', () => {
      if (created === worker) {
        crash('one of its messages could not be read. Reload the page to try again.');
      }
    });
    worker = created;
    return created;
  }

  function post(command: Command): void {
    worker?.postMessage(command);
  }

  function init(backend: BackendChoice): void {
    if (!worker && !spawn()) return;
    lastRequestId += 1;
    store.setState((state) => initSent(state, lastRequestId), { urgent: true });
    post({ type: 'init', requestId: lastRequestId, backend });
  }

  return {
    send(command) {
      // After a crash the next command gets a fresh worker, set up with the chosen backend first.
      if (!worker) init(store.getState().form.config.backend);
      post(command);
    },
    init,
    nextRequestId: () => ++lastRequestId,
    dispose() {
      worker?.terminate();
      worker = null;
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
