/**
 * The current run as the page shows it: its status, settings, progress and the MNIST download,
 * and what the worker's run events do to it. Events of runs other than the current one change
 * nothing.
 */
import type { BackendName, RunConfig } from '../../core/config';
import { totalSteps } from '../../core/config';
import { type LiveChange, type LiveSettings, liveSettingsAfter, liveSettingsOf, withLiveChange } from '../../core/liveSettings';
import type { DataFile } from '../../worker/protocol';
import type { Slice } from '../shared/labEvents';

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
  /** The learning rates and decay in force: the recipe's, as changed while the run trained. */
  live: LiveSettings;
  /** Those changes, each with the first step it applies to (charts mark them). */
  liveChanges: LiveChange[];
}

/** Null until the first Train or Resume. */
export const runSlice: Slice<RunState | null> = {
  initial: () => null,
  on: {
    'run-begun': (_run, { runId, config, step }) => newRun(runId, config, step),
    'data-progress': (run, event) =>
      update(run, event.runId, (current) => {
        const entry: DataFileProgress = {
          file: event.file,
          loadedBytes: event.loadedBytes,
          totalBytes: event.totalBytes,
          done: event.done,
        };
        const index = current.dataFiles.findIndex((file) => file.file === event.file);
        const dataFiles =
          index === -1
            ? [...current.dataFiles, entry]
            : current.dataFiles.map((file, i) => (i === index ? entry : file));
        return { ...current, dataFiles };
      }),
    started: (run, event) =>
      update(run, event.runId, (current) => ({
        ...current,
        status: current.status === 'loading' ? 'running' : current.status,
        backend: event.backend,
        backendDetail: event.backendDetail,
        totalSteps: event.totalSteps,
        config: event.config,
        step: event.startStep ?? current.step,
        epoch: Math.floor((event.startStep ?? current.step) / event.config.stepsPerEpoch),
        live: liveSettingsAfter(liveSettingsOf(event.config.recipe), event.liveChanges ?? []),
        liveChanges: event.liveChanges ?? [],
      })),
    'live-changed': (run, event) =>
      update(run, event.runId, (current) => ({
        ...current,
        live: event.settings,
        liveChanges: withLiveChange(current.liveChanges, event.change),
      })),
    progress: (run, event) =>
      update(run, event.runId, (current) => ({
        ...current,
        step: event.step,
        epoch: event.epoch,
        stepsPerSecond: event.stepsPerSecond,
        elapsedMs: event.elapsedMs,
        tensors: event.tensors,
        bytes: event.bytes,
      })),
    paused: (run, event) =>
      update(run, event.runId, (current) => ({
        ...current,
        status: 'paused',
        pending: current.pending === 'pause' ? null : current.pending,
        step: event.step,
      })),
    resumed: (run, event) =>
      update(run, event.runId, (current) => ({
        ...current,
        status: 'running',
        pending: current.pending === 'resume' ? null : current.pending,
        step: event.step,
      })),
    stopped: (run, event) =>
      update(run, event.runId, (current) => ({
        ...current,
        status: 'stopped',
        pending: null,
        stopReason: event.reason,
        step: event.step,
      })),
    'worker-crashed': (run) =>
      run && isRunActive(run) ? { ...run, status: 'stopped', pending: null, stopReason: 'error' } : run,
  },
};

export function isRunActive(run: Pick<RunState, 'status'> | null): boolean {
  return run !== null && run.status !== 'stopped';
}

/** A run of `config` loading MNIST, at `step` (0 for a new run). */
function newRun(runId: string, config: RunConfig, step: number): RunState {
  return {
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
    live: liveSettingsOf(config.recipe),
    liveChanges: [],
  };
}

export function requestSent(run: RunState | null, pending: 'pause' | 'resume' | 'stop'): RunState | null {
  return run ? { ...run, pending } : run;
}

function update(run: RunState | null, runId: string, change: (run: RunState) => RunState): RunState | null {
  return run && run.runId === runId ? change(run) : run;
}
