/**
 * The training loop, top to bottom: draw a step's inputs, run the step, read the losses back
 * every `logEvery` steps (never per step: reading waits for the device), report progress
 * after every step (steps/s is measured over the read-back windows),
 * and hand each finished epoch to the caller. Pause and stop are cooperative, checked between
 * steps. No worker or DOM globals: the caller supplies time and yielding.
 */
import * as tf from '@tensorflow/tfjs';
import { LabError } from './errors';
import type { RunConfig } from './config';
import { type Gan, allocateStepInputs, drawStepInputs, trainStep } from './gan';
import type { LossPoint } from './lossPoint';
import type { ImageSplit } from './mnistIdx';
import type { LoopProgress } from './progress';

export type { LoopProgress };

export interface LoopHooks {
  /** Milliseconds from a monotonic clock. */
  now(): number;
  /** Lets queued messages (pause, stop) in; called between steps. */
  yieldToEvents(): Promise<void>;
  /** Resolves when training may go on; returns false if the run was stopped meanwhile. */
  continueWhenUnpaused(): Promise<boolean>;
  onLosses(points: LossPoint[]): void;
  onProgress(progress: LoopProgress): void;
  /**
   * Step `step` is about to run and read the GAN's live settings; one made after this call is
   * in force from step `step + 1`.
   */
  onStepStart?(step: number): void;
  /** Called after each completed epoch, before the next step. */
  onEpochEnd(epoch: number, step: number): Promise<void>;
}

export class NonFiniteLossError extends LabError {
  readonly code = 'non-finite';
  constructor(readonly point: LossPoint) {
    super(
      `Training paused by itself at step ${point.step}: a loss became ${describe(point)}. ` +
        'The learning rate may be too high for this recipe.',
    );
  }

  override name = 'NonFiniteLossError';
}

function describe(point: LossPoint): string {
  const bad = (['dLoss', 'gLoss', 'dReal', 'dFake'] as const).filter(
    (key) => !Number.isFinite(point[key]),
  );
  return bad.map((key) => `${key} = ${point[key]}`).join(', ');
}

/**
 * Trains from `startStep` (steps already done) to the end of the run. Returns 'completed' or
 * 'stopped'; throws NonFiniteLossError when a loss is NaN or infinite.
 */
export async function runTraining(
  gan: Gan,
  data: ImageSplit,
  config: RunConfig,
  startStep: number,
  hooks: LoopHooks,
): Promise<'completed' | 'stopped'> {
  const total = config.epochs * config.stepsPerEpoch;
  const inputs = allocateStepInputs(gan.recipe);
  gan.totalSteps = total;
  let pending: tf.Tensor1D[] = [];
  const started = hooks.now();
  let windowStart = started;
  let windowSteps = 0;
  let stepsPerSecond = 0;

  const flush = async (step: number) => {
    if (pending.length === 0) return;
    const stacked = tf.stack(pending);
    const values = await stacked.data();
    stacked.dispose();
    tf.dispose(pending);
    const first = step - pending.length + 1;
    pending = [];
    const points: LossPoint[] = [];
    for (let i = 0; i < values.length / 4; i++) {
      points.push({
        step: first + i,
        dLoss: values[4 * i],
        gLoss: values[4 * i + 1],
        dReal: values[4 * i + 2],
        dFake: values[4 * i + 3],
      });
    }
    hooks.onLosses(points);
    const bad = points.find((p) => ![p.dLoss, p.gLoss, p.dReal, p.dFake].every(Number.isFinite));
    if (bad) throw new NonFiniteLossError(bad);
    const now = hooks.now();
    if (now > windowStart) stepsPerSecond = (windowSteps * 1000) / (now - windowStart);
    windowStart = now;
    windowSteps = 0;
  };

  const report = (step: number) => {
    const memory = tf.memory();
    hooks.onProgress({
      step,
      epoch: Math.floor(step / config.stepsPerEpoch),
      stepsPerSecond,
      elapsedMs: hooks.now() - started,
      // Not counting the step results waiting to be read (at most logEvery, then freed).
      tensors: memory.numTensors - pending.length,
      bytes: memory.numBytes,
    });
  };

  try {
    for (let step = startStep + 1; step <= total; step++) {
      await hooks.yieldToEvents();
      if (!(await hooks.continueWhenUnpaused())) {
        await flush(step - 1);
        report(step - 1);
        return 'stopped';
      }
      hooks.onStepStart?.(step);
      drawStepInputs(inputs, data, gan.recipe, config.seed, step);
      pending.push(trainStep(gan, inputs));
      windowSteps++;
      const epochDone = step % config.stepsPerEpoch === 0;
      if (pending.length >= config.logEvery || epochDone || step === total) await flush(step);
      report(step);
      if (epochDone) await hooks.onEpochEnd(step / config.stepsPerEpoch, step);
    }
    return 'completed';
  } finally {
    tf.dispose(pending);
  }
}
