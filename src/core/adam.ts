/**
 * Adam as Keras applies it (the original recipe's optimizer):
 *   m ← β1·m + (1-β1)·g,  v ← β2·v + (1-β2)·g²,
 *   w ← w − lr·√(1-β2ᵗ)/(1-β1ᵗ) · m / (√v + ε).
 * Written here rather than taken from tf.train so that ε is exact on every backend and the
 * whole state (moments and step) can be saved and restored for an exact resume.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedAdamStep, hasFusedAdam, registerAdamKernel } from './kernels/adamKernel';
import type { AdamRecipe } from './recipe';

/** β1, β2, ε; the learning rate is the optimizer's own (it changes with a schedule). */
type AdamSettings = Omit<AdamRecipe, 'lr'>;

registerAdamKernel();

export interface AdamState {
  iterations: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class KerasAdam {
  iterations = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    private readonly params: tf.Variable[],
    private readonly settings: AdamSettings,
    public lr: number,
  ) {
    this.m = params.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  /** Applies one update; `grads` are in the order of the params and are not disposed. */
  apply(grads: tf.Tensor[]): void {
    const { beta1, beta2, epsilon } = this.settings;
    this.iterations++;
    const t = this.iterations;
    const stepSize = (this.lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    if (hasFusedAdam()) {
      this.params.forEach((param, i) => {
        const updated = fusedAdamStep(param, grads[i], this.m[i], this.v[i], {
          beta1,
          beta2,
          epsilon,
          stepSize,
        });
        param.assign(updated[0]);
        this.m[i].assign(updated[1]);
        this.v[i].assign(updated[2]);
        tf.dispose(updated);
      });
      return;
    }
    tf.tidy(() => {
      const b1 = tf.scalar(beta1);
      const oneMinusB1 = tf.scalar(1 - beta1);
      const b2 = tf.scalar(beta2);
      const oneMinusB2 = tf.scalar(1 - beta2);
      const eps = tf.scalar(epsilon);
      const lrT = tf.scalar(stepSize);
      this.params.forEach((param, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, oneMinusB1));
        const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), oneMinusB2));
        param.assign(tf.sub(param, tf.div(tf.mul(m, lrT), tf.add(tf.sqrt(v), eps))));
        this.m[i].assign(m);
        this.v[i].assign(v);
      });
    });
  }

  async getState(): Promise<AdamState> {
    const m = await Promise.all(this.m.map((t) => t.data() as Promise<Float32Array>));
    const v = await Promise.all(this.v.map((t) => t.data() as Promise<Float32Array>));
    return { iterations: this.iterations, m, v };
  }

  setState(state: AdamState): void {
    if (state.m.length !== this.m.length || state.v.length !== this.v.length) {
      throw new Error(
        `Optimizer state has ${state.m.length} moments; this model has ${this.m.length} weights.`,
      );
    }
    this.iterations = state.iterations;
    tf.tidy(() => {
      this.m.forEach((variable, i) => variable.assign(tf.tensor(state.m[i], variable.shape)));
      this.v.forEach((variable, i) => variable.assign(tf.tensor(state.v[i], variable.shape)));
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
