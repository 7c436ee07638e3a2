import { describe, expect, it } from 'vitest';
import { readDeviceSpeeds, recordDeviceSpeed } from './deviceSpeed';

function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
}

describe('device speed', () => {
  it('keeps the rate a run reached per backend', () => {
    const storage = memoryStorage();
    expect(readDeviceSpeeds(storage)).toEqual({});
    recordDeviceSpeed('wasm', { flopsPerSecond: 4e10, measuredOn: 'Seed', at: 1 }, storage);
    recordDeviceSpeed('cpu', { flopsPerSecond: 1e9, measuredOn: 'Seed', at: 2 }, storage);
    recordDeviceSpeed('wasm', { flopsPerSecond: 3e10, measuredOn: 'DCGAN', at: 3 }, storage);
    expect(readDeviceSpeeds(storage)).toEqual({
      wasm: { flopsPerSecond: 3e10, measuredOn: 'DCGAN', at: 3 },
      cpu: { flopsPerSecond: 1e9, measuredOn: 'Seed', at: 2 },
    });
  });

  it('reads a damaged value as no measurement, and survives a full storage', () => {
    expect(readDeviceSpeeds(memoryStorage({ 'mnist-gan-lab:device-speed': '{oops' }))).toEqual({});
    const odd = JSON.stringify({ wasm: { flopsPerSecond: -1 }, webgl: { flopsPerSecond: 'fast' }, cpu: { flopsPerSecond: 5e8 } });
    expect(Object.keys(readDeviceSpeeds(memoryStorage({ 'mnist-gan-lab:device-speed': odd })))).toEqual(['cpu']);
    const full = { getItem: () => null, setItem: () => { throw new DOMException('full', 'QuotaExceededError'); } };
    expect(recordDeviceSpeed('wasm', { flopsPerSecond: 1, measuredOn: '', at: 0 }, full).wasm?.flopsPerSecond).toBe(1);
  });
});
