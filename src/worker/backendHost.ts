/**
 * The worker's backends across runs: probed once, started for each run, watched for a lost
 * device, and dropped for the rest of the worker's life once one is lost.
 */
import type { BackendChoice, BackendName, RunConfig } from '../core/config';
import type { ImageSplit } from '../core/mnistIdx';
import type { Recipe } from '../core/recipe';
import { recipeCost } from '../core/recipeCost';
import { type BackendRate, type ChoiceMemory, chooseByRate, choiceKey, memoryChoices, trialCandidates } from './backendChoice';
import type { BackendInfo, BackendSelection } from './backends';
import type { BackendWatch } from './faults';
import type { BackendTrialEvent } from './protocol';

export interface BackendEnvironment {
  probeBackends(): BackendInfo;
  selectBackend(choice: BackendChoice, info: BackendInfo): Promise<BackendSelection>;
  /** Watches a started backend for the loss of its device (WebGL); null when it cannot lose one. */
  watchBackend?: (backend: BackendName) => BackendWatch | null;
  /**
   * Steps per second of `recipe` on the backend running now (backendTrial.ts); without it,
   * `auto` takes the first backend that starts, in `probeBackends` order.
   */
  timeSteps?: (recipe: Recipe, data: ImageSplit) => Promise<number>;
  /** Where `auto`'s measured choices are remembered across page loads; without it, per worker. */
  backendChoices?: ChoiceMemory;
}

/** What `auto` needs of a run to measure: its data, and where to say how the trial goes. */
export interface TrialContext {
  runId: string;
  loadData(): Promise<ImageSplit>;
  post(event: BackendTrialEvent): void;
}

export class BackendHost {
  private info: BackendInfo | null = null;
  /** `auto`'s choices for this worker's life, when the environment keeps none across loads. */
  private readonly choices = memoryChoices();

  constructor(private readonly env: BackendEnvironment) {}

  /** Backends this browser can run, best first (less any lost in this worker). */
  get available(): BackendName[] {
    return this.probe().available;
  }

  /** Starts `choice`, or the next backend that works. */
  select(choice: BackendChoice): Promise<BackendSelection> {
    return this.env.selectBackend(choice, this.probe());
  }

  /**
   * The backend a run trains on. `auto`, where steps can be timed, takes the backend measured
   * fastest for this recipe's size on this device, measuring first when none is remembered.
   */
  async selectForRun(config: RunConfig, trial: TrialContext): Promise<BackendSelection> {
    const { timeSteps } = this.env;
    const candidates = trialCandidates(this.available);
    if (config.backend !== 'auto' || !timeSteps || candidates.length < 2) return this.select(config.backend);
    const key = choiceKey(candidates, recipeCost(config.recipe).flopsPerStep);
    const memory = this.env.backendChoices ?? this.choices;
    const remembered = await memory.get(key).catch(() => undefined);
    if (remembered && candidates.includes(remembered.backend)) {
      trial.post({ type: 'backend-trial', runId: trial.runId, phase: 'remembered', rates: [], chosen: remembered.backend, summary: remembered.summary });
      return this.select(remembered.backend);
    }
    const data = await trial.loadData();
    const rates: BackendRate[] = [];
    for (const name of candidates) {
      trial.post({ type: 'backend-trial', runId: trial.runId, phase: 'measuring', rates: [...rates], current: name, summary: `timing ${name}…` });
      try {
        const started = await this.select(name);
        if (started.backend !== name) throw new Error(`${name} did not start`);
        rates.push({ backend: name, stepsPerSecond: await timeSteps(config.recipe, data) });
      } catch (error) {
        rates.push({ backend: name, failed: error instanceof Error ? error.message : String(error) });
      }
    }
    const verdict = chooseByRate(rates);
    if (!verdict) return this.select('auto');
    await memory.set(key, { backend: verdict.backend, summary: verdict.summary, measuredAt: Date.now() }).catch(() => undefined);
    trial.post({ type: 'backend-trial', runId: trial.runId, phase: 'done', rates, chosen: verdict.backend, summary: verdict.summary });
    return this.select(verdict.backend);
  }

  /** Forgets `auto`'s measured choices: the next Train with `auto` measures again. */
  forgetChoices(): Promise<void> {
    return (this.env.backendChoices ?? this.choices).clear();
  }

  watch(backend: BackendName): BackendWatch | null {
    return this.env.watchBackend?.(backend) ?? null;
  }

  /**
   * Drops `lost` for the rest of this worker's life; the backend to go on with, or null when
   * none is left (WebGPU is never chosen for a fallback: it is opt-in).
   */
  drop(lost: BackendName): BackendName | null {
    const info = this.probe();
    this.info = { ...info, available: info.available.filter((name) => name !== lost) };
    return this.info.available.find((name) => name !== 'webgpu') ?? null;
  }

  private probe(): BackendInfo {
    this.info ??= this.env.probeBackends();
    return this.info;
  }
}
