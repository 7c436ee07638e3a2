import { describe, expect, it } from 'vitest';
import { runRecord } from '../../testing/testLab';
import { MAX_COMPARED, comparedRuns, epochRange, initialCompareState, restoredSettings, selectionToggled, storedSettings } from './compareState';

describe('the compared runs', () => {
  it('adds in order, removes, and refuses a seventh', () => {
    let selected: string[] = [];
    for (const id of ['a', 'b', 'c']) selected = selectionToggled(selected, id, true);
    expect(selectionToggled(selected, 'b', false)).toEqual(['a', 'c']);
    expect(selectionToggled(selected, 'a', true)).toEqual(['b', 'c', 'a']);
    const full = Array.from({ length: MAX_COMPARED }, (_, i) => `r${i}`);
    expect(selectionToggled(full, 'extra', true)).toEqual(full);
  });

  it('keeps the choice, axis and orders through storage, and ignores what it cannot read', () => {
    const state = { ...initialCompareState, selected: ['x', 'y'], open: true, axis: 'time' as const, runOrder: 'name' as const };
    expect(restoredSettings(JSON.stringify(storedSettings(state)))).toEqual(storedSettings(state));
    expect(restoredSettings('{not json')).toEqual({});
    expect(restoredSettings(JSON.stringify({ selected: [1, 'a'], axis: 'sideways', runOrder: 'size', open: 'yes' }))).toEqual({ selected: ['a'] });
  });

  it('shows the chosen runs that still exist, and the epochs the grid slider offers', () => {
    const runs = [runRecord('a', [1, 2, 3]), runRecord('b', [1])];
    expect(comparedRuns(['b', 'gone', 'a'], runs).map((r) => r.id)).toEqual(['b', 'a']);
    expect(comparedRuns(['a'], null)).toEqual([]);
    expect(epochRange(runs)).toEqual({ last: 3, common: 1 });
  });
});
