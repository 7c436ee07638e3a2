/**
 * The worker's backends across runs: probed once, started for each run, watched for a lost
 * device, and dropped for the rest of the worker's life once one is lost.
 */
import type { BackendChoice, BackendName } from '../core/config';
import type { BackendInfo, BackendSelection } from './backends';
import type { BackendWatch } from './faults';

export interface BackendEnvironment {
  probeBackends(): BackendInfo;
  selectBackend(choice: BackendChoice, info: BackendInfo): Promise<BackendSelection>;
  /** Watches a started backend for the loss of its device (WebGL); null when it cannot lose one. */
  watchBackend?: (backend: BackendName) => BackendWatch | null;
}

export class BackendHost {
  private info: BackendInfo | null = null;

  constructor(private readonly env: BackendEnvironment) {}

  /** Backends this browser can run, best first (less any lost in this worker). */
  get available(): BackendName[] {
    return this.probe().available;
  }

  /** Starts `choice`, or the next backend that works. */
  select(choice: BackendChoice): Promise<BackendSelection> {
    return this.env.selectBackend(choice, this.probe());
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
