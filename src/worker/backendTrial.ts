/**
 * Times a few training steps of a recipe on the backend that is running now, for `auto`'s
 * choice (backendChoice.ts). The GAN is a throwaway one of the same recipe and batch size; its
 * steps read their losses back one by one, so a GPU's queued work is counted, not just its
 * dispatch. The first step is left out of the timing: it compiles shaders and fills caches.
 */
import { allocateStepInputs, createGan, disposeGan, drawStepInputs, trainStep } from '../core/gan';
import type { ImageSplit } from '../core/mnistIdx';
import type { Recipe } from '../core/recipe';

/** Time spent on one backend after its first step, and the bounds on timed steps. */
const BUDGET_MS = 1_200;
const MIN_STEPS = 2;
const MAX_STEPS = 30;

/** Steps per second of `recipe` on the current backend (an unseeded, throwaway GAN). */
export async function timeSteps(recipe: Recipe, data: ImageSplit, now: () => number = () => performance.now()): Promise<number> {
  const gan = createGan(recipe, 1);
  const inputs = allocateStepInputs(recipe);
  const step = async (n: number) => {
    drawStepInputs(inputs, data, recipe, 1, n);
    const losses = trainStep(gan, inputs);
    try {
      await losses.data();
    } finally {
      losses.dispose();
    }
  };
  try {
    await step(1);
    const started = now();
    let steps = 0;
    while (steps < MAX_STEPS && (steps < MIN_STEPS || now() - started < BUDGET_MS)) {
      steps += 1;
      await step(steps + 1);
    }
    return (steps * 1000) / Math.max(1, now() - started);
  } finally {
    disposeGan(gan);
  }
}
