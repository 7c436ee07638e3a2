/**
 * `npm run profile -- --browser`: the step profile (stepProfile.ts) in a dedicated worker of
 * Chromium, on the wasm backend as the lab starts it (threaded, with its kernels' helper
 * threads), each figure taken with the helpers and without.
 */
import { describeError } from '../src/core/errors';
import { kernelHelpers, kernelThreads, setKernelHelpers } from '../src/core/kernels/helperThreads';
import { probeBackends, selectBackend } from '../src/worker/backends';
import { type StepProfileOptions, type ThreadSwitch, profileSteps } from './stepProfile';

export type StepProfileRequest = Omit<StepProfileOptions, 'where' | 'threads'>;
export type StepProfileReply = { lines: string[] } | { error: string };

self.onmessage = async (event: MessageEvent<StepProfileRequest>) => {
  try {
    const selection = await selectBackend('wasm', probeBackends());
    if (selection.backend !== 'wasm') throw new Error(`wasm did not start: ${selection.notice ?? selection.backend}`);
    const helpers = kernelHelpers();
    const threads: ThreadSwitch | undefined =
      helpers.length > 0 ? { threads: kernelThreads(), use: (on) => setKernelHelpers(on ? [...helpers] : []) } : undefined;
    const where = `${navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? 'browser'} worker, ${selection.detail}`;
    const lines = await profileSteps({ ...event.data, where, threads });
    self.postMessage({ lines } satisfies StepProfileReply);
  } catch (error) {
    self.postMessage({ error: describeError(error) } satisfies StepProfileReply);
  }
};
