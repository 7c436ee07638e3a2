/**
 * Everything the page shows, as one immutable state, and the pure transitions that worker events
 * and user actions make on it. Pixels and loss points are not in here: they live in buffers
 * next to the store (see labStore.ts) and only their version numbers are.
 */
import type { BackendName, ParsedConfig, RunConfig } from '../../core/config';
import { totalSteps } from '../../core/config';
import type { DataFile, ErrorCode, WorkerEvent } from '../../worker/protocol';
import { formFromConfig, type ConfigForm } from '../run/configForm';
import { initialExportsState, type ExportsState } from '../exports/exportsState';
import { initialHistoryState, type HistoryState } from '../history/historyState';
import type { ChartPoint } from '../run/lossSeries';
import { initialQualityState, qualityReceived, type QualityState } from '../quality/qualityState';

export type RunStatus = 'loading' | 'running' | 'paused' | 'stopped';
export type StopReason = 'completed' | 'stopped' | 'error';

export interface DataFileProgress {
  file: DataFile;
  loadedBytes: number;
  totalBytes: number;
  done: boolean;
}

export interface RunState {
  runId: string;
  status: RunStatus;
  /** A pause, resume or stop the user asked for and the worker has not confirmed yet. */
  pending: 'pause' | 'resume' | 'stop' | null;
  stopReason: StopReason | null;
  config: RunConfig;
  totalSteps: number;
  backend: BackendName | null;
  /** What runs underneath the backend ("SIMD, 2 threads", the WebGL renderer…). */
  backendDetail: string | null;
  step: number;
  epoch: number;
  stepsPerSecond: number;
  /** The worker's tfjs memory: live tensors and their bytes. */
  tensors: number;
  bytes: number;
  elapsedMs: number;
  dataFiles: DataFileProgress[];
}

export interface WorkerInfo {
  status: 'starting' | 'ready' | 'failed' | 'crashed';
  backend: BackendName | null;
  backendDetail: string | null;
  available: BackendName[];
  /** The init we wait for; answers to older ones are ignored. */
  initRequestId: number;
}

/** The grid currently drawn; its pixels are in the store's grid buffer. */
export interface GridInfo {
  runId: string;
  epoch: number;
  step: number;
  rows: number;
  cols: number;
  version: number;
}

export interface LabError {
  id: number;
  /** `url`: the shared link had bad settings; `run`: the worker reported; `worker`: it crashed. */
  source: 'url' | 'run' | 'worker';
  code?: ErrorCode;
  message: string;
  /** A saved run this error stopped, which Resume can continue from its last checkpoint. */
  resumeRunId?: string;
}

export interface Notice {
  id: number;
  message: string;
}

export interface LabState {
  worker: WorkerInfo;
  form: ConfigForm;
  /** The user closed the alert; field problems show there again after the next edit. */
  fieldProblemsDismissed: boolean;
  run: RunState | null;
  grid: GridInfo | null;
  /** Bumped whenever the loss series changes; `chart` is derived from it once per frame. */
  lossVersion: number;
  chart: ChartPoint[];
  notices: Notice[];
  errors: LabError[];
  nextId: number;
  /** Saved runs and what the history panels show (historyState.ts). */
  history: HistoryState;
  /** Imported generators, downloads and the ONNX check (exportsState.ts). */
  exports: ExportsState;
  /** Quality metrics the current run posted (qualityState.ts). */
  quality: QualityState;
}

const MAX_NOTICES = 3;

export function initialLabState(parsed: ParsedConfig): LabState {
  const errors: LabError[] = parsed.problems.map((problem, index) => ({
    id: index + 1,
    source: 'url',
    code: 'config',
    message: problem.message,
  }));
  return {
    worker: { status: 'starting', backend: null, backendDetail: null, available: [], initRequestId: 0 },
    form: formFromConfig(parsed.config),
    fieldProblemsDismissed: false,
    run: null,
    grid: null,
    lossVersion: 0,
    chart: [],
    notices: [],
    errors,
    nextId: errors.length + 1,
    history: initialHistoryState,
    exports: initialExportsState,
    quality: initialQualityState,
  };
}

export function isRunActive(run: RunState | null): boolean {
  return run !== null && run.status !== 'stopped';
}

/** Applies one worker event. Events of runs other than the current one are ignored. */
export function reduceEvent(state: LabState, event: WorkerEvent): LabState {
  switch (event.type) {
    case 'ready': {
      if (event.requestId !== state.worker.initRequestId) return state;
      const next: LabState = {
        ...state,
        worker: {
          ...state.worker,
          status: 'ready',
          backend: event.backend,
          backendDetail: event.backendDetail,
          available: event.available,
        },
      };
      // A requested backend this browser lacks would leave the select without a matching option.
      const chosen = state.form.config.backend;
      if (chosen !== 'auto' && !event.available.includes(chosen)) {
        next.form = { ...state.form, config: { ...state.form.config, backend: event.backend } };
      }
      return event.notice ? addNotice(next, event.notice) : next;
    }
    case 'data-progress':
      return updateRun(state, event.runId, (run) => {
        const entry: DataFileProgress = {
          file: event.file,
          loadedBytes: event.loadedBytes,
          totalBytes: event.totalBytes,
          done: event.done,
        };
        const index = run.dataFiles.findIndex((file) => file.file === event.file);
        const dataFiles =
          index === -1
            ? [...run.dataFiles, entry]
            : run.dataFiles.map((file, i) => (i === index ? entry : file));
        return { ...run, dataFiles };
      });
    case 'started':
      return updateRun(state, event.runId, (run) => ({
        ...run,
        status: run.status === 'loading' ? 'running' : run.status,
        backend: event.backend,
        backendDetail: event.backendDetail,
        totalSteps: event.totalSteps,
        config: event.config,
        step: event.startStep ?? run.step,
        epoch: Math.floor((event.startStep ?? run.step) / event.config.stepsPerEpoch),
      }));
    case 'progress':
      return updateRun(state, event.runId, (run) => ({
        ...run,
        step: event.step,
        epoch: event.epoch,
        stepsPerSecond: event.stepsPerSecond,
        elapsedMs: event.elapsedMs,
        tensors: event.tensors,
        bytes: event.bytes,
      }));
    case 'paused':
      return updateRun(state, event.runId, (run) => ({
        ...run,
        status: 'paused',
        pending: run.pending === 'pause' ? null : run.pending,
        step: event.step,
      }));
    case 'resumed':
      return updateRun(state, event.runId, (run) => ({
        ...run,
        status: 'running',
        pending: run.pending === 'resume' ? null : run.pending,
        step: event.step,
      }));
    case 'stopped':
      return updateRun(state, event.runId, (run) => ({
        ...run,
        status: 'stopped',
        pending: null,
        stopReason: event.reason,
        step: event.step,
      }));
    case 'notice':
      if (event.runId !== undefined && event.runId !== state.run?.runId) return state;
      return addNotice(state, event.message);
    case 'error': {
      if (event.runId !== undefined && event.runId !== state.run?.runId) return state;
      let next = state;
      if (event.requestId !== undefined && event.requestId === state.worker.initRequestId) {
        next = { ...state, worker: { ...state.worker, status: 'failed' } };
      }
      // A NaN loss pauses the run: its last good checkpoint is where Resume continues.
      const resumeRunId = event.code === 'non-finite' ? event.runId : undefined;
      return addError(next, { source: 'run', code: event.code, message: event.message, resumeRunId });
    }
    case 'quality':
      if (event.runId !== state.run?.runId) return state;
      return { ...state, quality: qualityReceived(state.quality, event) };
    case 'losses':
    case 'grid':
      // Their payloads go to buffers beside the state; labStore bumps the versions.
      return state;
    case 'checkpoint-saved':
    case 'storage-error':
    case 'sample-result':
      // Storage reads and pixels: historyController.ts handles these.
      return state;
    case 'generator-exported':
    case 'generator-imported':
      // Files and imports: exportsController.ts handles these.
      return state;
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
}

/** The worker threw, could not load, or sent something unreadable. */
export function workerCrashed(state: LabState, detail: string): LabState {
  const run = state.run;
  const stoppedRun: RunState | null =
    run && isRunActive(run)
      ? { ...run, status: 'stopped', pending: null, stopReason: 'error' }
      : run;
  const resumeRunId = run && isRunActive(run) ? run.runId : undefined;
  const offer = resumeRunId ? ' Resume continues the run from its last checkpoint.' : '';
  return addError(
    { ...state, run: stoppedRun, worker: { ...state.worker, status: 'crashed' } },
    { source: 'worker', message: `The training worker crashed: ${detail}${offer}`, resumeRunId },
  );
}

/** The worker sent something the page cannot use; shown like a worker error. */
export function protocolProblem(state: LabState, message: string): LabState {
  return addError(state, { source: 'run', code: 'protocol', message });
}

/** A new init went out; its `ready` is the one to wait for. */
export function initSent(state: LabState, requestId: number): LabState {
  return { ...state, worker: { ...state.worker, status: 'starting', initRequestId: requestId } };
}

/**
 * Train: a fresh run with the form's config; errors of earlier runs go away. A saved run being
 * resumed passes its own config and the step it resumes from.
 */
export function runStarted(
  state: LabState,
  runId: string,
  from?: { config: RunConfig; step: number },
): LabState {
  const config = from?.config ?? state.form.config;
  const step = from?.step ?? 0;
  return {
    ...state,
    run: {
      runId,
      status: 'loading',
      pending: null,
      stopReason: null,
      config,
      totalSteps: totalSteps(config),
      backend: null,
      backendDetail: null,
      step,
      epoch: Math.floor(step / config.stepsPerEpoch),
      stepsPerSecond: 0,
      tensors: 0,
      bytes: 0,
      elapsedMs: 0,
      dataFiles: [],
    },
    grid: null,
    lossVersion: state.lossVersion + 1,
    errors: state.errors.filter((error) => error.source === 'url'),
    notices: [],
    history: { ...state.history, chartRunId: runId, storageProblem: null },
  };
}

export function requestSent(state: LabState, pending: 'pause' | 'resume' | 'stop'): LabState {
  if (!state.run) return state;
  return { ...state, run: { ...state.run, pending } };
}

export function errorsDismissed(state: LabState): LabState {
  return { ...state, errors: [], fieldProblemsDismissed: true };
}

export function noticeDismissed(state: LabState, id: number): LabState {
  return { ...state, notices: state.notices.filter((notice) => notice.id !== id) };
}

function updateRun(state: LabState, runId: string, update: (run: RunState) => RunState): LabState {
  if (!state.run || state.run.runId !== runId) return state;
  return { ...state, run: update(state.run) };
}

function addNotice(state: LabState, message: string): LabState {
  if (state.notices.some((notice) => notice.message === message)) return state;
  const notices = [...state.notices, { id: state.nextId, message }].slice(-MAX_NOTICES);
  return { ...state, notices, nextId: state.nextId + 1 };
}

function addError(state: LabState, error: Omit<LabError, 'id'>): LabState {
  return {
    ...state,
    errors: [...state.errors, { ...error, id: state.nextId }],
    nextId: state.nextId + 1,
  };
}
