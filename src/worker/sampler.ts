/**
 * Sampling in the worker from a saved generator, on its own tensors: the generator being
 * trained is never touched. The last loaded generator stays on the device for the next request.
 */
import { LabError } from '../core/errors';
import type * as tf from '@tensorflow/tfjs';
import type { NetworkSpec } from '../core/architecture';
import { decodeSnapshot, generatorTensors } from '../core/checkpointCodec';
import { SAMPLE_LIMITS, gridShape, wholeNumberProblem } from '../core/digits';
import { interpolationNoise, renderDigits, sampleNoise } from '../core/sampling';
import type { HistoryStorage } from './runHistory';
import { SerialQueue } from './serialQueue';

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
  private readonly queue = new SerialQueue();

  constructor(private readonly storage: Pick<HistoryStorage, 'getGenerator'>) {}

  sample(runId: string, epoch: number, seed: number, count: number): Promise<SampleGrid> {
    checkSampleRequest(seed, count);
    return this.queue.run(async () => {
      const { spec, params } = await this.load(runId, epoch);
      const { rows, cols } = gridShape(count);
      const pixels = await renderDigits(spec, params, sampleNoise(seed, count, spec.inputSize), rows, cols);
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
    checkWhole('seed A', seedA, SAMPLE_LIMITS.seed);
    checkWhole('seed B', seedB, SAMPLE_LIMITS.seed);
    checkWhole('steps', steps, SAMPLE_LIMITS.steps);
    return this.queue.run(async () => {
      const { spec, params } = await this.load(runId, epoch);
      const noise = interpolationNoise(seedA, seedB, steps, spec.inputSize);
      const pixels = await renderDigits(spec, params, noise, 1, steps);
      return { pixels, rows: 1, cols: steps, count: steps };
    });
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

function checkWhole(name: string, value: number, limits: { min: number; max: number }): void {
  const problem = wholeNumberProblem(name, value, limits);
  if (problem) throw new SampleRequestError(problem);
}

/** A seed and a count of digits to draw, as every sample request takes them. */
export function checkSampleRequest(seed: number, count: number): void {
  checkWhole('seed', seed, SAMPLE_LIMITS.seed);
  checkWhole('count', count, SAMPLE_LIMITS.count);
}
