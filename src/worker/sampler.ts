/**
 * Sampling in the worker from a saved generator, on its own tensors: the generator being
 * trained is never touched. The last loaded generator stays on the device for the next request.
 */
import { LabError } from '../core/errors';
import type * as tf from '@tensorflow/tfjs';
import type { NetworkSpec } from '../core/architecture';
import { decodeSnapshot, generatorTensors } from '../core/checkpointCodec';
import { DIGIT_CLASSES, SAMPLE_LIMITS, gridShape, wholeNumberProblem } from '../core/digits';
import { cyclingLabels, interpolationNoise, renderDigits, sampleNoise } from '../core/sampling';
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

  /** `digit`: the class a class-conditional generator draws (absent: each digit in turn). */
  sample(runId: string, epoch: number, seed: number, count: number, digit?: number): Promise<SampleGrid> {
    checkSampleRequest(seed, count, digit);
    return this.queue.run(async () => {
      const { spec, params } = await this.load(runId, epoch);
      const { rows, cols } = gridShape(count);
      const pixels = await renderDigits(spec, params, sampleNoise(seed, count, spec.inputSize), rows, cols, digitLabels(spec, count, digit));
      return { pixels, rows, cols, count };
    });
  }

  interpolate(
    runId: string,
    epoch: number,
    seedA: number,
    seedB: number,
    steps: number,
    digit?: number,
  ): Promise<SampleGrid> {
    checkWhole('seed A', seedA, SAMPLE_LIMITS.seed);
    checkWhole('seed B', seedB, SAMPLE_LIMITS.seed);
    checkWhole('steps', steps, SAMPLE_LIMITS.steps);
    checkDigit(digit);
    return this.queue.run(async () => {
      const { spec, params } = await this.load(runId, epoch);
      const noise = interpolationNoise(seedA, seedB, steps, spec.inputSize);
      const pixels = await renderDigits(spec, params, noise, 1, steps, digitLabels(spec, steps, digit));
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

function checkDigit(digit: number | undefined): void {
  if (digit !== undefined) checkWhole('digit', digit, { min: 0, max: DIGIT_CLASSES - 1 });
}

/**
 * The labels a generator draws `count` digits for: `digit` every time, or each digit in turn
 * (cyclingLabels) when none is asked for. A generator that takes no label cannot be asked for one.
 */
export function digitLabels(spec: Pick<NetworkSpec, 'classes'>, count: number, digit: number | undefined): Uint8Array | undefined {
  if (!spec.classes) {
    if (digit === undefined) return undefined;
    throw new SampleRequestError(`This generator is not class-conditional: it draws any digit and cannot be asked for a ${digit}.`);
  }
  return digit === undefined ? cyclingLabels(count) : new Uint8Array(count).fill(digit);
}

/** A seed and a count of digits to draw, as every sample request takes them, and a digit where one is asked for. */
export function checkSampleRequest(seed: number, count: number, digit?: number): void {
  checkWhole('seed', seed, SAMPLE_LIMITS.seed);
  checkWhole('count', count, SAMPLE_LIMITS.count);
  checkDigit(digit);
}
