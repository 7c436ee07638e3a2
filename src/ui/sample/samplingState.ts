/**
 * The sample panel's part of the page's state: the last sample and the last interpolation,
 * each with its request and, once answered, the shape of its digits. Their pixels stay outside
 * (samplingController.ts); only their version numbers are here.
 */
import type { Slice } from '../shared/labEvents';

export interface SampleInfo {
  kind: 'sample' | 'interpolate';
  requestId: number;
  status: 'pending' | 'done' | 'error';
  runId: string;
  epoch: number;
  /** "imported: <file name>" when the digits come from an imported generator, not an epoch. */
  sourceName?: string;
  /** Seed (sample) or "A → B" seeds (interpolate), for the caption. */
  seeds: string;
  /** The digit a class-conditional generator was asked for; absent: each digit in turn, or none. */
  digit?: number;
  rows: number;
  cols: number;
  count: number;
  /** Bumped when new pixels arrive. */
  version: number;
  message?: string;
}

export interface SamplingState {
  sample: SampleInfo | null;
  interpolation: SampleInfo | null;
}

/** Changed only by the answers to its own requests (samplingController.ts). */
export const samplingSlice: Slice<SamplingState> = {
  initial: () => ({ sample: null, interpolation: null }),
  on: {},
};
