/**
 * How fast this device trained, per backend, as arithmetic per second: the rate a run reached
 * (its steps per second times its recipe's work per step). The recipe panel divides a new
 * recipe's work by it for a time per epoch. Kept in localStorage, so it survives a reload.
 */
import type { BackendName } from '../../core/config';

export interface MeasuredSpeed {
  flopsPerSecond: number;
  /** The preset or "custom" run it was measured on, and when. */
  measuredOn: string;
  at: number;
}

const KEY = 'mnist-gan-lab:device-speed';

export type DeviceSpeeds = Partial<Record<BackendName, MeasuredSpeed>>;

export function readDeviceSpeeds(storage: Pick<Storage, 'getItem'> = localStorage): DeviceSpeeds {
  try {
    const value: unknown = JSON.parse(storage.getItem(KEY) ?? '{}');
    if (value === null || typeof value !== 'object') return {};
    const speeds: DeviceSpeeds = {};
    for (const [backend, entry] of Object.entries(value as Record<string, unknown>)) {
      const speed = entry as Partial<MeasuredSpeed>;
      if (typeof speed?.flopsPerSecond === 'number' && Number.isFinite(speed.flopsPerSecond) && speed.flopsPerSecond > 0) {
        speeds[backend as BackendName] = {
          flopsPerSecond: speed.flopsPerSecond,
          measuredOn: String(speed.measuredOn ?? ''),
          at: Number(speed.at ?? 0),
        };
      }
    }
    return speeds;
  } catch {
    // A value that does not read is as good as none: the next run measures again.
    return {};
  }
}

export function recordDeviceSpeed(
  backend: BackendName,
  speed: MeasuredSpeed,
  storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage,
): DeviceSpeeds {
  const speeds = { ...readDeviceSpeeds(storage), [backend]: speed };
  try {
    storage.setItem(KEY, JSON.stringify(speeds));
  } catch {
    // A full quota costs only the estimate after a reload.
  }
  return speeds;
}
