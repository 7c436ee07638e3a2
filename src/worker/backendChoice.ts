/**
 * How `auto` picks a backend: by timing a few steps of the run's own recipe on each candidate
 * and taking the fastest, remembered per device (the backends it has) and per recipe size (the
 * work of one step, in buckets of a factor of two). Pure and tfjs-free: the timing itself is
 * in backendTrial.ts.
 */
import type { BackendName } from '../core/config';
import type { BackendTrialEvent } from './protocol';

/** What one candidate did in the trial: steps per second, or why it could not run. */
export type BackendRate = BackendTrialEvent['rates'][number];

export interface BackendVerdict {
  backend: BackendName;
  /** E.g. "webgl 14.2 steps/s, wasm 11.8: webgl". */
  summary: string;
}

/**
 * Backends worth timing for `auto`, in preference order. WebGPU stays opt-in (chosen in the
 * backend select); cpu is plain JavaScript, timed only when there is no wasm.
 */
export function trialCandidates(available: BackendName[]): BackendName[] {
  const withoutOptIn = available.filter((name) => name !== 'webgpu');
  return withoutOptIn.includes('wasm') ? withoutOptIn.filter((name) => name !== 'cpu') : withoutOptIn;
}

/**
 * The fastest backend that ran; on a tie, the one first in `rates` (preference order). Null
 * when none ran.
 */
export function chooseByRate(rates: BackendRate[]): BackendVerdict | null {
  let best: { backend: BackendName; stepsPerSecond: number } | null = null;
  for (const rate of rates) {
    if ('stepsPerSecond' in rate && (!best || rate.stepsPerSecond > best.stepsPerSecond)) best = rate;
  }
  if (!best) return null;
  return { backend: best.backend, summary: `${describeRates(rates)}: ${best.backend}` };
}

/** "webgl 14.2 steps/s, wasm 11.8, cpu failed", fastest first, failures last. */
export function describeRates(rates: BackendRate[]): string {
  const ran = rates.filter((r): r is Extract<BackendRate, { stepsPerSecond: number }> => 'stepsPerSecond' in r);
  const failed = rates.filter((r) => 'failed' in r);
  const parts = [...ran]
    .sort((a, b) => b.stepsPerSecond - a.stepsPerSecond)
    .map((r, i) => `${r.backend} ${formatRate(r.stepsPerSecond)}${i === 0 ? ' steps/s' : ''}`);
  return [...parts, ...failed.map((r) => `${r.backend} failed`)].join(', ');
}

function formatRate(stepsPerSecond: number): string {
  return stepsPerSecond >= 10 ? stepsPerSecond.toFixed(1) : stepsPerSecond.toFixed(2);
}

/**
 * Where a choice is remembered: the device's candidate backends and the step's work rounded to
 * a power of two (a recipe twice as heavy may favour another backend; one a few percent
 * heavier will not), e.g. "wasm,webgl|2^31".
 */
export function choiceKey(candidates: BackendName[], flopsPerStep: number): string {
  const bucket = Math.round(Math.log2(Math.max(1, flopsPerStep)));
  return `${[...candidates].sort().join(',')}|2^${bucket}`;
}

/** A choice as it is remembered. */
export interface RememberedChoice {
  backend: BackendName;
  summary: string;
  /** Date.now() of the measurement. */
  measuredAt: number;
}

/** Remembered choices (IndexedDB in the browser, a Map in tests). */
export interface ChoiceMemory {
  get(key: string): Promise<RememberedChoice | undefined>;
  set(key: string, choice: RememberedChoice): Promise<void>;
  /** Forgets every choice: the next Train with `auto` measures again. */
  clear(): Promise<void>;
}

export function memoryChoices(): ChoiceMemory {
  const map = new Map<string, RememberedChoice>();
  return {
    get: async (key) => map.get(key),
    set: async (key, choice) => {
      map.set(key, choice);
    },
    clear: async () => map.clear(),
  };
}
