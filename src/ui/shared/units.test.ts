import { describe, expect, it } from 'vitest';
import {
  etaSeconds,
  formatBytes,
  formatDuration,
  formatMemory,
  formatPercent,
  formatStepsPerSecond,
} from './units';

describe('formatDuration', () => {
  it('uses the two largest units', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(187)).toBe('3 m 07 s');
    expect(formatDuration(7500)).toBe('2 h 05 m');
    expect(formatDuration(3599.6)).toBe('1 h 00 m');
  });

  it('says unknown instead of a wrong number', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
  });
});

describe('etaSeconds', () => {
  it('divides the steps left by the speed', () => {
    expect(etaSeconds(384, 25_600, 3.5)).toBeCloseTo((25_600 - 384) / 3.5);
    expect(etaSeconds(30, 20, 2)).toBe(0);
  });

  it('is unknown before the speed is', () => {
    expect(etaSeconds(0, 100, 0)).toBeNull();
    expect(etaSeconds(0, 100, Number.NaN)).toBeNull();
  });
});

describe('number formats', () => {
  it('puts the value first, with its unit', () => {
    expect(formatStepsPerSecond(3.4211)).toBe('3.42 steps/s');
    expect(formatStepsPerSecond(0)).toBe('0.00 steps/s');
    expect(formatStepsPerSecond(Number.NaN)).toBe('0.00 steps/s');
    expect(formatStepsPerSecond(250.4)).toBe('250 steps/s');
    expect(formatBytes(9_912_422)).toBe('9.9 MB');
    expect(formatBytes(28_881)).toBe('28.9 kB');
    expect(formatPercent(0.375)).toBe('37.5 %');
    expect(formatPercent(2)).toBe('100.0 %');
  });
});

describe('formatMemory', () => {
  it('gives bytes then the tensor count', () => {
    expect(formatMemory(45_000_000, 96)).toBe("45.0 MB · 96 tensors");
  });
});
