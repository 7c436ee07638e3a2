import { describe, expect, it } from 'vitest';
import { niceStep, niceTicks } from './chartTicks';

describe('chart ticks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(25_600, 4)).toBe(10_000);
    expect(niceStep(1024, 4)).toBe(500);
    expect(niceStep(2.6, 4)).toBe(1);
    expect(niceStep(0.7, 4)).toBe(0.2);
    expect(niceStep(0, 4)).toBe(1);
  });

  it('covers [0, max] with round ticks', () => {
    expect(niceTicks(1024)).toEqual({ ticks: [0, 500, 1000, 1500], top: 1500 });
    expect(niceTicks(2.6)).toEqual({ ticks: [0, 1, 2, 3], top: 3 });
    expect(niceTicks(0.7).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(3)).toEqual({ ticks: [0, 1, 2, 3], top: 3 });
  });
});
