/**
 * Fresh digits on request: a sample from a saved epoch of the viewed run or from an imported
 * generator, and a walk between two seeds. Each request's answer and error come back here
 * (through the worker client's request registry); only the latest request of each kind counts.
 * The digits stay in buffers outside React state.
 */
import { withError } from '../messages/messagesState';
import type { Request, WorkerClient } from '../run/workerClient';
import type { PixelBuffer } from '../shared/gridImage';
import type { LabStore } from '../shared/labStore';
import type { SampleInfo, SamplingState } from './samplingState';

export interface SamplingController {
  /** The digits of the last answered request of `kind`. */
  pixels(kind: SampleInfo['kind']): PixelBuffer | null;
  /** `digit`: the class a class-conditional generator draws (absent: each digit in turn). */
  sample(epoch: number, seed: number, count: number, digit?: number): void;
  /** Samples from a generator imported from files; `name` labels the result. */
  sampleImported(importId: string, name: string, seed: number, count: number): void;
  interpolate(epoch: number, seedA: number, seedB: number, steps: number, digit?: number): void;
}

type SampleRequest = Extract<Request, { type: 'sample' | 'interpolate' | 'sample-imported' }>;
type Described = Omit<SampleInfo, 'kind' | 'requestId' | 'status' | 'version'>;

const SLOT = { sample: 'sample', interpolate: 'interpolation' } as const satisfies Record<
  SampleInfo['kind'],
  keyof SamplingState
>;

export function createSamplingController(store: LabStore, client: WorkerClient): SamplingController {
  const buffers: Record<SampleInfo['kind'], PixelBuffer | null> = { sample: null, interpolate: null };
  let version = 0;

  function request(kind: SampleInfo['kind'], info: Described, command: SampleRequest): void {
    const slot = SLOT[kind];
    /** Changes the slot's info while it still belongs to this request. */
    const settle = (state: SamplingState, change: (info: SampleInfo) => SampleInfo): SamplingState => {
      const current = state[slot];
      return current?.requestId === requestId ? { ...state, [slot]: change(current) } : state;
    };
    const requestId = client.request(command, {
      onReply(result) {
        if (store.getState().sampling[slot]?.requestId !== requestId) return;
        version += 1;
        buffers[kind] = { pixels: result.pixels, rows: result.rows, cols: result.cols, version };
        const { rows, cols, count } = result;
        store.update('sampling', (s) => settle(s, (i) => ({ ...i, status: 'done', rows, cols, count, version })));
      },
      onError(error) {
        store.setState((state) => ({
          ...state,
          sampling: settle(state.sampling, (i) => ({ ...i, status: 'error', message: error.message })),
          messages: withError(state.messages, { source: 'run', code: error.code, message: error.message }),
        }));
      },
      onLost(message) {
        store.update('sampling', (s) => settle(s, (i) => ({ ...i, status: 'error', message })));
      },
    });
    const previous = store.getState().sampling[slot];
    const entry: SampleInfo = { ...info, kind, requestId, status: 'pending', version: previous?.version ?? 0 };
    store.update('sampling', (s) => ({ ...s, [slot]: entry }), { urgent: true });
  }

  return {
    pixels: (kind) => buffers[kind],
    sample(epoch, seed, count, digit) {
      const runId = store.getState().history.viewRunId;
      if (!runId) return;
      const info = { runId, epoch, seeds: String(seed), rows: 0, cols: 0, count, ...(digit === undefined ? {} : { digit }) };
      request('sample', info, { type: 'sample', runId, epoch, seed, count, ...(digit === undefined ? {} : { digit }) });
    },
    sampleImported(importId, name, seed, count) {
      const info = { runId: importId, epoch: 0, sourceName: name, seeds: String(seed), rows: 0, cols: 0, count };
      request('sample', info, { type: 'sample-imported', importId, seed, count });
    },
    interpolate(epoch, seedA, seedB, steps, digit) {
      const runId = store.getState().history.viewRunId;
      if (!runId) return;
      const info = { runId, epoch, seeds: `${seedA} → ${seedB}`, rows: 1, cols: steps, count: steps, ...(digit === undefined ? {} : { digit }) };
      request('interpolate', info, { type: 'interpolate', runId, epoch, seedA, seedB, steps, ...(digit === undefined ? {} : { digit }) });
    },
  };
}
