/**
 * The page's side of the worker protocol: owns the training worker, posts typed commands and
 * routes what comes back. A reply (an event with a `requestId`, or an `error` carrying one) goes
 * to the handlers of the request it answers, in the feature that sent it; every other event goes
 * to the lab store, where each feature takes what it needs. A crashed worker is reported,
 * terminated and replaced by a fresh one on the next command.
 */
import type { BackendChoice } from '../../core/config';
import { describeError } from '../../core/errors';
import type { Command, ErrorCode, WorkerEvent } from '../../worker/protocol';
import type { LabStore } from '../shared/labStore';
import { withError } from '../messages/messagesState';
import { isRunActive } from './runState';
import { backendReady, initFailed, initSent } from './workerState';
import { watchWorkerLock } from './workerLockWatch';

export type WorkerFactory = () => Worker;

export function createTrainingWorker(): Worker {
  return new Worker(new URL('../../worker/training.worker.ts', import.meta.url), { type: 'module' });
}

type RequestCommand = Extract<Command, { requestId: number }>;
type Reply = Extract<WorkerEvent, { requestId: number }>;

/**
 * Which event answers each request (a list where either may); the compiler asks for a line here
 * for every new request.
 */
const REPLY_TYPE = {
  init: 'ready',
  sample: 'sample-result',
  interpolate: 'sample-result',
  'sample-imported': 'sample-result',
  'export-generator': 'generator-exported',
  // One generator is kept in the worker; several Keras .h5 files become a saved run.
  'import-generator': ['generator-imported', 'run-imported'],
  'import-dataset': 'dataset-imported',
} as const satisfies Record<RequestCommand['type'], Reply['type'] | readonly Reply['type'][]>;

type Answers<V> = V extends readonly (infer U)[] ? U : V;

type WithoutId<C> = C extends unknown ? Omit<C, 'requestId'> : never;
/** A request as a feature writes it; the client numbers it. */
export type Request = WithoutId<RequestCommand>;
export type ReplyTo<T extends Request['type']> = Extract<Reply, { type: Answers<(typeof REPLY_TYPE)[T]> }>;
/** Commands without an answer of their own: the run's events tell how they went. */
export type RunCommand = Exclude<Command, { requestId: number }>;

export interface RequestHandlers<R> {
  onReply(reply: R): void;
  /** The worker could not do it; `message` says why, for the user. */
  onError(error: { code: ErrorCode; message: string }): void;
  /** The worker crashed before it answered: no answer will come; `message` says so. */
  onLost?(message: string): void;
}

export interface WorkerClient {
  send(command: RunCommand): void;
  /** Sends a request; its answer or its error goes to `handlers`, and nowhere else. */
  request<R extends Request>(command: R, handlers: RequestHandlers<ReplyTo<R['type']>>): number;
  /** Asks the worker to set up `backend`; its `ready` answer updates the store. */
  init(backend: BackendChoice): void;
  dispose(): void;
}

interface PendingRequest {
  replyTypes: readonly Reply['type'][];
  handlers: RequestHandlers<Reply>;
}

export function createWorkerClient(store: LabStore, factory: WorkerFactory = createTrainingWorker): WorkerClient {
  let worker: Worker | null = null;
  let lastRequestId = 0;
  const pending = new Map<number, PendingRequest>();
  /** Counts `started` events: a lock watch belongs to the latest one. */
  let startedCount = 0;

  function crash(detail: string): void {
    worker?.terminate();
    worker = null;
    const lost = [...pending.values()];
    pending.clear();
    store.dispatch({ type: 'worker-crashed', detail }, { urgent: true });
    // Later, so that a request whose sending crashed the worker has taken note of its id first.
    const message = 'The training worker crashed before it answered; try again.';
    for (const request of lost) queueMicrotask(() => request.handlers.onLost?.(message));
  }

  function spawn(): Worker | null {
    let created: Worker;
    try {
      created = factory();
    } catch (error) {
      crash(`it could not be started (${describeError(error)}).`);
      return null;
    }
    created.addEventListener('message', (event: MessageEvent<WorkerEvent>) => {
      if (created === worker) received(event.data);
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

  function received(event: WorkerEvent): void {
    switch (event.type) {
      case 'ready':
      case 'sample-result':
      case 'generator-exported':
      case 'generator-imported':
      case 'run-imported':
      case 'dataset-imported':
        return replied(event);
      case 'error': {
        const request = event.requestId === undefined ? undefined : pending.get(event.requestId);
        if (!request) return store.dispatch(event);
        pending.delete(event.requestId!);
        return request.handlers.onError(event);
      }
      case 'data-progress':
      case 'started':
      case 'progress':
      case 'losses':
      case 'grid':
      case 'checkpoint-saved':
      case 'storage-error':
      case 'paused':
      case 'resumed':
      case 'live-changed':
      case 'stopped':
      case 'quality':
      case 'dataset-evaluator':
      case 'run-measured':
      case 'notice':
      case 'backend-trial':
        return store.dispatch(event);
      default: {
        const unexpected: never = event;
        const type = String((unexpected as { type: unknown }).type);
        problem(`The worker sent a "${type}" message, which this page does not know; it was ignored.`);
      }
    }
  }

  function replied(reply: Reply): void {
    const request = pending.get(reply.requestId);
    // Every request waits until it is answered, so this is an answer to nothing: ignore it.
    if (!request) return;
    pending.delete(reply.requestId);
    if (!request.replyTypes.includes(reply.type)) {
      request.handlers.onError({
        code: 'protocol',
        message: `The worker answered a request with "${reply.type}" where "${request.replyTypes.join('" or "')}" was expected.`,
      });
      return;
    }
    request.handlers.onReply(reply);
  }

  function problem(message: string): void {
    store.update('messages', (messages) => withError(messages, { source: 'run', code: 'protocol', message }));
  }

  function post(command: Command): void {
    worker?.postMessage(command);
  }

  function send(command: Command): void {
    // After a crash the next command gets a fresh worker, set up with the chosen backend first.
    if (!worker) init(store.getState().form.config.backend);
    post(command);
  }

  function request<R extends Request>(command: R, handlers: RequestHandlers<ReplyTo<R['type']>>): number {
    const requestId = ++lastRequestId;
    pending.set(requestId, {
      replyTypes: ([] as readonly Reply['type'][]).concat(REPLY_TYPE[command.type]),
      // The reply is checked against replyTypes before onReply sees it.
      handlers: handlers as RequestHandlers<Reply>,
    });
    send({ ...command, requestId } as RequestCommand);
    return requestId;
  }

  function init(backend: BackendChoice): void {
    if (!worker && !spawn()) return;
    const requestId = request(
      { type: 'init', backend },
      {
        onReply: (ready) => store.setState((state) => backendReady(state, requestId, ready)),
        onError: (error) => store.setState((state) => initFailed(state, requestId, error)),
      },
    );
    store.update('worker', (info) => initSent(info, requestId), { urgent: true });
  }

  /** Ends the watch of the run training now; a run's watch ends with its `stopped`. */
  let endWatch: (() => void) | null = null;
  const unwatchStarted = store.on('started', ({ runId }) => {
    // A worker killed outright (out of memory, terminated) sends no error event, but its run's lock goes with it.
    const watched = worker;
    const started = ++startedCount;
    endWatch?.();
    endWatch = watchWorkerLock(runId, () => {
      const run = store.getState().run;
      if (watched === worker && started === startedCount && run?.runId === runId && isRunActive(run)) {
        crash('it stopped answering while training and was gone (terminated, or out of memory).');
      }
    });
  });
  // The run ended with a word: its lock going free now is no sign of death, even if the same run
  // is resumed before the grace is over (the resumed run gets a watch of its own).
  const unwatchStopped = store.on('stopped', () => {
    endWatch?.();
    endWatch = null;
  });
  const unwatch = () => {
    unwatchStarted();
    unwatchStopped();
    endWatch?.();
  };

  return {
    send,
    request,
    init,
    dispose() {
      unwatch();
      worker?.terminate();
      worker = null;
    },
  };
}
