import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import { checkLiveEdit, formatLiveValue, liveSettingsAfter, liveSettingsOf, withLiveChange } from './liveSettings';
import { PRESETS } from './presets';

const seed = liveSettingsOf(PRESETS.seed.recipe);
const ema = liveSettingsOf(PRESETS['seed-ema'].recipe);

describe('live settings', () => {
  it("start from the recipe's own", () => {
    expect(seed).toEqual({ gLr: 2e-4, dLr: 2e-4, averageDecay: null });
    expect(ema).toEqual({ gLr: 2e-4, dLr: 2e-4, averageDecay: 0.999 });
  });

  it('take the fields that change, and only valid ones', () => {
    expect(checkLiveEdit({ gLr: 1e-4, dLr: 2e-4 }, seed)).toEqual({ gLr: 1e-4 });
    expect(checkLiveEdit({ gLr: 2e-4 }, seed)).toBeNull();
    expect(checkLiveEdit({ averageDecay: 0 }, ema)).toEqual({ averageDecay: 0 });
    expect(checkLiveEdit({ gLr: 1e6, dLr: Number.MIN_VALUE }, seed)).toEqual({ gLr: 1e6, dLr: Number.MIN_VALUE });
    const refused: [unknown, RegExp][] = [
      [{ gLr: 0 }, /gLr\) must be above 0 and at most 1000000, got 0\./],
      [{ gLr: 1e6 + 1 }, /gLr\) must be above 0/],
      [{ dLr: Number.NaN }, /dLr\) must be a number, got NaN\./],
      [{ dLr: Number.NEGATIVE_INFINITY }, /dLr\) must be a number, got -Infinity\./],
      [{ averageDecay: 1 }, /must be at least 0 and below 1, got 1\./],
      [{ averageDecay: -0.1 }, /must be at least 0 and below 1, got -0\.1\./],
      [{ lr: 1e-4 }, /"lr" cannot be changed while training/],
      [[1], /must be an object/],
    ];
    for (const [raw, message] of refused) {
      expect(() => checkLiveEdit(raw, ema)).toThrow(ConfigError);
      expect(() => checkLiveEdit(raw, ema)).toThrow(message);
    }
    expect(() => checkLiveEdit({ averageDecay: 0.5 }, seed)).toThrow(/keeps no weight average/);
    // Every problem is named at once.
    expect(() => checkLiveEdit({ gLr: -1, dLr: 'x' }, seed)).toThrow(/gLr\).*-1\..*dLr\).*"x"\. Nothing was changed\./);
  });

  it('fold a run’s changes in step order, merging those made before the same step', () => {
    let changes = withLiveChange([], { step: 3, gLr: 1e-3 });
    changes = withLiveChange(changes, { step: 3, dLr: 1e-3 });
    changes = withLiveChange(changes, { step: 9, gLr: 5e-4, averageDecay: 0.9 });
    expect(changes).toEqual([
      { step: 3, gLr: 1e-3, dLr: 1e-3 },
      { step: 9, gLr: 5e-4, averageDecay: 0.9 },
    ]);
    expect(liveSettingsAfter(ema, changes)).toEqual({ gLr: 5e-4, dLr: 1e-3, averageDecay: 0.9 });
    expect(liveSettingsAfter(seed, changes)).toEqual({ gLr: 5e-4, dLr: 1e-3, averageDecay: null });
    expect(liveSettingsAfter(seed, [])).toBe(seed);
  });

  it('read short on the charts', () => {
    expect([1e-4, 2.5e-3, 0.0001234567, 0.05, 0.999, 1, 2e6].map(formatLiveValue)).toEqual([
      '1e-4',
      '2.5e-3',
      '1.235e-4',
      '0.05',
      '0.999',
      '1',
      '2e6',
    ]);
  });
});
