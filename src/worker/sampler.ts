/**
 * Sampling in the worker from a saved generator, on its own tensors: the generator being
 * trained is never touched. The last loaded generator stays on the device for the next request.
 */
import { LabError } from '../core/errors';
import type * as tf from '@tensorflow/tfjs';
import type { NetworkSpec } from '../core/architecture';
import { decodeSnapshot, generatorTensors } from '../core/checkpointCodec';
import {
  MAX_SAMPLES,
  gridShape,
  interpolationNoise,
  renderDigits,
  sampleNoise,
} from '../core/sampling';
import type { HistoryStorage } from './runHistory';

export const MAX_INTERPOLATION_STEPS = 20;

export interface SampleGrid {
  pixels: Uint8ClampedArray;
  rows: number;
  cols: number;
  count: number;
}

export class SampleRequestError extends LabError {
  readonly code = 'config';
  override name = 'SampleRequestError';
}

export class Sampler {
  private loaded: { key: string; spec: NetworkSpec; params: tf.Tensor[] } | null = null;
  /** Requests run one after another, so one cannot dispose the generator another is using. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly storage: Pick<HistoryStorage, 'getGenerator'>) {}

  sample(runId: string, epoch: number, seed: number, count: number): Promise<SampleGrid> {
    checkInteger('seed', seed, 0, 2 ** 32 - 1);
    checkInteger('count', count, 1, MAX_SAMPLES);
    return this.serial(async () => {
      const { spec, params } = await this.load(runId, epoch);
      const { rows, cols } = gridShape(count);
      const pixels = await renderDigits(spec, params, sampleNoise(seed, count), rows, cols);
      return { pixels, rows, cols, count };
    });
  }

  interpolate(
    runId: string,
    epoch: number,
    seedA: number,
    seedB: number,
    steps: number,
  ): Promise<SampleGrid> {
    checkInteger('seed A', seedA, 0, 2 ** 32 - 1);
    checkInteger('seed B', seedB, 0, 2 ** 32 - 1);
    checkInteger('steps', steps, 2, MAX_INTERPOLATION_STEPS);
    return this.serial(async () => {
      const { spec, params } = await this.load(runId, epoch);
      const noise = interpolationNoise(seedA, seedB, steps);
      const pixels = await renderDigits(spec, params, noise, 1, steps);
      return { pixels, rows: 1, cols: steps, count: steps };
    });
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  dispose(): void {
    for (const t of this.loaded?.params ?? []) t.dispose();
    this.loaded = null;
  }

  private async load(runId: string, epoch: number) {
    const key = `${runId}/${epoch}`;
    if (this.loaded?.key === key) return this.loaded;
    const snapshot = decodeSnapshot(await this.storage.getGenerator(runId, epoch));
    this.dispose();
    this.loaded = { key, ...generatorTensors(snapshot) };
    return this.loaded;
  }
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SampleRequestError(`The ${name} must be a whole number from ${min} to ${max}, got ${value}.`);
  }
}
