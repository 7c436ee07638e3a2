/**
 * Starts the helper threads of the wasm backend's kernels (kernelHelper.worker.ts): matrix
 * products, im2col and col2im. They need the backend's memory to be shared, which it is in the
 * threaded build (cross-origin isolation); without it every kernel runs on this thread.
 */
import { HELPER_JOBS, HELPER_JOB_ARGS, type HelperJob, type KernelHelper } from '../core/kernels/helperThreads';
import type { WasmMemory } from '../core/kernels/hostMemory';

/**
 * Layout of the control block shared with a helper, in Int32 slots: the job's number (counts
 * up), the last one done, whether it failed, its kind (index in HELPER_JOBS), its arguments.
 */
export const CONTROL = {
  job: 0,
  done: 1,
  failed: 2,
  kind: 3,
  args: 4,
  argCount: HELPER_JOB_ARGS,
  size: 4 + HELPER_JOB_ARGS,
} as const;

/**
 * Checks of the control word before sleeping on it: a product follows the previous one within
 * a millisecond or so, and waking a sleeping thread costs tens of microseconds.
 */
export const SPIN_ITERATIONS = 20_000;

/** How long a share may take before the helper is taken for dead (a share takes milliseconds). */
const STALL_MS = 10_000;

class HelperThread implements KernelHelper {
  private job = 0;

  constructor(
    private readonly worker: Worker,
    private readonly control: Int32Array,
  ) {}

  start(kind: HelperJob, args: number[]): () => void {
    this.control.set(args, CONTROL.args);
    Atomics.store(this.control, CONTROL.kind, HELPER_JOBS.indexOf(kind));
    const job = ++this.job;
    Atomics.store(this.control, CONTROL.job, job);
    Atomics.notify(this.control, CONTROL.job);
    return () => {
      let spins = 0;
      const deadline = performance.now() + STALL_MS;
      while (Atomics.load(this.control, CONTROL.done) !== job) {
        if (++spins < SPIN_ITERATIONS) continue;
        Atomics.wait(this.control, CONTROL.done, Atomics.load(this.control, CONTROL.done), 100);
        if (performance.now() > deadline) {
          throw new Error(`A kernel helper thread stopped responding (during ${kind}).`);
        }
      }
      if (Atomics.load(this.control, CONTROL.failed)) {
        throw new Error(`A kernel helper thread failed while running its share of ${kind}.`);
      }
    };
  }

  terminate(): void {
    this.worker.terminate();
  }
}

/**
 * `count` helpers sharing `memory`, once each has started; an empty list when the memory is
 * not shared or a helper cannot start.
 */
export async function startKernelHelpers(memory: WasmMemory, count: number): Promise<HelperThread[]> {
  if (count < 1 || !(memory.buffer instanceof SharedArrayBuffer)) return [];
  const started = await Promise.all(
    Array.from({ length: count }, async () => {
      const worker = new Worker(new URL('./kernelHelper.worker.ts', import.meta.url), { type: 'module' });
      const control = new Int32Array(new SharedArrayBuffer(CONTROL.size * 4));
      const ready = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 10_000);
        worker.onmessage = (event: MessageEvent<{ ready: boolean }>) => {
          clearTimeout(timer);
          resolve(event.data.ready);
        };
        worker.onerror = () => {
          clearTimeout(timer);
          resolve(false);
        };
        worker.postMessage({ memory, control });
      });
      return ready ? new HelperThread(worker, control) : (worker.terminate(), null);
    }),
  );
  if (started.some((helper) => helper === null)) {
    for (const helper of started) helper?.terminate();
    return [];
  }
  return started as HelperThread[];
}
