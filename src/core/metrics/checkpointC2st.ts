/**
 * The C2ST the lab runs at its checkpoints, in the worker: `npm run eval`'s strongest design (the
 * max-pool CNN, critics.ts) sized to stay cheap — the checkpoint's N generated digits (the ones
 * FD measured) against N real training digits, batch 64 for the run's `c2stEpochs` (10 unless
 * the user chose otherwise), one seed — with its floor (the same test on two disjoint real sets)
 * measured once, at the first checkpoint. Smaller than the eval's judge (10,000 digits, 3 epochs,
 * 3 seeds, two designs), so it reads somewhat lower than `npm run eval` on the same generator: a
 * trend to watch while training, not the verdict. Ten epochs (250 critic steps at N = 1000) are
 * what it takes to read near the judge; two read 0.56 where the judge reads 0.947
 * (docs/quality.md).
 */
import { DEFAULT_CONFIG } from '../config';
import { DIGIT_PIXELS } from '../digits';
import { type C2stOptions, asExported, criticAccuracy } from './c2st';
import { type CriticName, MAXPOOL_CRITIC } from './critics';

export const CHECKPOINT_C2ST: C2stOptions = {
  epochs: DEFAULT_CONFIG.c2stEpochs,
  batch: 64,
  learningRate: 1e-3,
  heldOut: 0.2,
  budgetMs: 40_000,
};

/** The critic's seed: the same at every checkpoint, so checkpoints compare. */
const CHECKPOINT_CRITIC_SEED = 1;

export interface CheckpointC2stResult {
  critic: CriticName;
  /** Digits on each side. */
  n: number;
  /** Epochs the critic trained. */
  epochs: number;
  /** Held-out accuracy on generated vs real (0.5 = cannot tell them apart). */
  accuracy: number;
  /** The same critic on real vs real. */
  floor: number;
  /** Milliseconds this checkpoint's test took (the floor's run included at the first). */
  ms: number;
}

export class CheckpointC2st {
  private floor: number | null = null;

  /**
   * `real` and `otherReal`: two disjoint sets of N real digits ([N, 784] in [-1, 1]); the
   * generated digits are compared with `real`, the floor is `otherReal` against `real`.
   */
  constructor(
    private readonly real: Float32Array,
    private readonly otherReal: Float32Array,
    private readonly options: C2stOptions = CHECKPOINT_C2ST,
  ) {
    if (real.length !== otherReal.length) throw new Error('The two real sets of the C2ST must be the same size.');
  }

  get n(): number {
    return this.real.length / DIGIT_PIXELS;
  }

  /**
   * `generated` ([N, 784] in [-1, 1], as the generator wrote them) judged as users get them
   * (rounded to 8-bit grey). Throws CriticOverBudget when the backend is too slow for it.
   */
  async judge(generated: Float32Array): Promise<CheckpointC2stResult> {
    const started = Date.now();
    const run = (a: Float32Array) => criticAccuracy(MAXPOOL_CRITIC, a, this.real, CHECKPOINT_CRITIC_SEED, this.options);
    this.floor ??= await run(this.otherReal);
    const accuracy = await run(asExported(generated));
    return { critic: MAXPOOL_CRITIC.name, n: this.n, epochs: this.options.epochs, accuracy, floor: this.floor, ms: Date.now() - started };
  }
}
