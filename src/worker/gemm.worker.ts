/**
 * A helper thread for the wasm backend's matrix products: it shares the backend's memory and
 * runs, on request, its share of a product (see core/kernels/gemmKernel.ts). Requests and
 * completions go through a small shared control block (gemmThreads.ts), not messages, so a
 * share starts within microseconds.
 */
import type { WasmMemory } from '../core/kernels/hostMemory';
import { runGemmJob, simdKernelsFor } from '../core/kernels/wasmSimd';
import { CONTROL, SPIN_ITERATIONS } from './gemmThreads';

interface Setup {
  memory: WasmMemory;
  control: Int32Array;
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
    const args = Array.from(control.subarray(CONTROL.args, CONTROL.args + CONTROL.argCount));
    runGemmJob(kernels, args);
    Atomics.store(control, CONTROL.done, seen);
    Atomics.notify(control, CONTROL.done);
  }
};
