/**
 * A helper thread for the wasm backend's kernels: it shares the backend's memory and runs, on
 * request, its share of a matrix product, an im2col or a col2im (see
 * core/kernels/helperThreads.ts). Requests and completions go through a small shared control
 * block (kernelThreads.ts), not messages, so a share starts within microseconds.
 */
import { col2imShare, decodeWindowShare, im2colShare } from '../core/conv/windowCopy';
import { HELPER_JOBS, type HelperJob } from '../core/kernels/helperThreads';
import type { WasmMemory } from '../core/kernels/hostMemory';
import { type SimdKernels, runGemmJob, simdKernelsFor } from '../core/kernels/wasmSimd';
import { CONTROL, SPIN_ITERATIONS } from './kernelThreads';

interface Setup {
  memory: WasmMemory;
  control: Int32Array;
}

function run(job: HelperJob, args: number[], kernels: SimdKernels, memory: WasmMemory): void {
  switch (job) {
    case 'gemm':
      return runGemmJob(kernels, args);
    case 'im2col':
    case 'col2im': {
      // Taken per job: the heap may have grown since the last one.
      const heap = new Float32Array(memory.buffer);
      const share = decodeWindowShare(args);
      return job === 'im2col' ? im2colShare(heap, heap, share) : col2imShare(heap, heap, share);
    }
    default:
      throw new Error(`No helper job ${String(job satisfies never)}.`);
  }
}

self.onmessage = (event: MessageEvent<Setup>) => {
  const { memory, control } = event.data;
  const kernels = simdKernelsFor(memory);
  if (!kernels) {
    self.postMessage({ ready: false });
    return;
  }
  self.postMessage({ ready: true, fma: kernels.fma });
  let seen = Atomics.load(control, CONTROL.job);
  // Serves jobs from here on; this thread does nothing else.
  for (;;) {
    let spins = 0;
    while (Atomics.load(control, CONTROL.job) === seen) {
      if (++spins > SPIN_ITERATIONS) Atomics.wait(control, CONTROL.job, seen);
    }
    seen = Atomics.load(control, CONTROL.job);
    const job = HELPER_JOBS[Atomics.load(control, CONTROL.kind)];
    const args = Array.from(control.subarray(CONTROL.args, CONTROL.args + CONTROL.argCount));
    let failed = 0;
    try {
      run(job, args, kernels, memory);
    } catch {
      failed = 1;
    }
    Atomics.store(control, CONTROL.failed, failed);
    Atomics.store(control, CONTROL.done, seen);
    Atomics.notify(control, CONTROL.done);
  }
};
