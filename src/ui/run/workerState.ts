/**
 * The training worker as the page knows it: whether it is set up, on which backend, and which
 * backends this browser can run. Set up by `init` requests (see workerClient.ts); only the
 * answer to the latest one counts.
 */
import type { BackendName } from '../../core/config';
import type { ErrorCode, WorkerEvent } from '../../worker/protocol';
import { withError, withNotice } from '../messages/messagesState';
import type { Slice } from '../shared/labEvents';
import type { LabState } from '../shared/labState';
import { chooseBackend } from './configForm';

export interface WorkerInfo {
  status: 'starting' | 'ready' | 'failed' | 'crashed';
  backend: BackendName | null;
  backendDetail: string | null;
  available: BackendName[];
  /** The init we wait for; answers to older ones are ignored. */
  initRequestId: number;
}

export const workerSlice: Slice<WorkerInfo> = {
  initial: () => ({ status: 'starting', backend: null, backendDetail: null, available: [], initRequestId: 0 }),
  on: {
    'worker-crashed': (worker) => ({ ...worker, status: 'crashed' }),
  },
};

/** A new init went out; its `ready` is the one to wait for. */
export function initSent(worker: WorkerInfo, requestId: number): WorkerInfo {
  return { ...worker, status: 'starting', initRequestId: requestId };
}

/** The worker settled on a backend; a fallback from the one asked for comes with a notice. */
export function backendReady(
  state: LabState,
  requestId: number,
  ready: Extract<WorkerEvent, { type: 'ready' }>,
): LabState {
  if (requestId !== state.worker.initRequestId) return state;
  const worker: WorkerInfo = {
    ...state.worker,
    status: 'ready',
    backend: ready.backend,
    backendDetail: ready.backendDetail,
    available: ready.available,
  };
  // A requested backend this browser lacks would leave the select without a matching option.
  const chosen = state.form.config.backend;
  const form =
    chosen !== 'auto' && !ready.available.includes(chosen) ? chooseBackend(state.form, ready.backend) : state.form;
  const messages = ready.notice ? withNotice(state.messages, ready.notice) : state.messages;
  return { ...state, worker, form, messages };
}

/** No backend could be set up (or the worker refused the change); the message says why. */
export function initFailed(
  state: LabState,
  requestId: number,
  error: { code: ErrorCode; message: string },
): LabState {
  const worker: WorkerInfo =
    requestId === state.worker.initRequestId ? { ...state.worker, status: 'failed' } : state.worker;
  return {
    ...state,
    worker,
    messages: withError(state.messages, { source: 'run', code: error.code, message: error.message }),
  };
}
