import { describe, expect, it } from 'vitest';
import { runRecord as record } from '../../testing/testLab';
import { epochAt, epochSelected, initialHistoryState, runsLoaded, viewedRun } from './historyState';

describe('history state', () => {
  it('follows the newest epoch until the user picks another, and clamps scrubbing', () => {
    let h = runsLoaded(initialHistoryState, [record('a', [1, 2, 3])]);
    expect(h.viewRunId).toBe('a');
    expect(h.selectedEpoch).toBe(3);
    expect(h.compare).toEqual([1, 3]);
    h = runsLoaded(h, [record('a', [1, 2, 3, 4])]);
    expect(h.selectedEpoch).toBe(4);
    h = epochSelected(h, 2);
    h = runsLoaded(h, [record('a', [1, 2, 3, 4, 5])]);
    expect(h.selectedEpoch).toBe(2);
    const epochs = viewedRun(h)!.epochs;
    expect(epochAt(epochs, 2, -1)).toBe(1);
    expect(epochAt(epochs, 1, -1)).toBe(1);
    expect(epochAt(epochs, 2, Infinity)).toBe(5);
    expect(epochAt(epochs, 2, -Infinity)).toBe(1);
    // An epoch that was never saved cannot be selected.
    expect(epochSelected(h, 9)).toBe(h);
  });
});

