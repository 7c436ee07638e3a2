/**
 * The helper threads of the wasm backend's kernels: threads that share the backend's memory
 * and run, on request, one share of a kernel (the worker starts them, see
 * worker/kernelThreads.ts). A kernel splits its output into shares that write disjoint memory,
 * runs the first here and the others on the helpers, and returns when all are done.
 */

/** The jobs a helper runs; its control block carries the job's index in this list. */
export const HELPER_JOBS = ['gemm', 'im2col', 'col2im'] as const;
export type HelperJob = (typeof HELPER_JOBS)[number];

/** The most numbers a job takes (a helper's control block has room for this many). */
export const HELPER_JOB_ARGS = 14;

/**
 * Another thread that runs kernels on the same memory: `start` hands it a job with its
 * arguments (integers) and returns a function that blocks until the job is done.
 */
export interface KernelHelper {
  start(job: HelperJob, args: number[]): () => void;
}

let helpers: KernelHelper[] = [];

/** Attaches the helper threads that take a share of every large kernel (none: this thread only). */
export function setKernelHelpers(next: KernelHelper[]): void {
  helpers = next;
}

/** The helper threads attached (for measurements that compare with and without them). */
export function kernelHelpers(): readonly KernelHelper[] {
  return helpers;
}

/** Threads a kernel is split over. */
export function kernelThreads(): number {
  return helpers.length + 1;
}

/**
 * Runs `parts` shares of `job` (at most kernelThreads()): share 0 on this thread with `here`,
 * share i on helper i − 1, each with the arguments `argsOf(i)`. Returns once every share is
 * done, also when one fails (the others may still be writing), and then throws the first error.
 */
export function runShares(job: HelperJob, parts: number, argsOf: (part: number) => number[], here: (args: number[]) => void): void {
  const waits = helpers.slice(0, parts - 1).map((helper, i) => helper.start(job, argsOf(i + 1)));
  const errors: unknown[] = [];
  for (const share of [() => here(argsOf(0)), ...waits]) {
    try {
      share();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw errors[0];
}
