import { describe, expect, it } from 'vitest';
import { nextInTurn } from './useInTurn';

const same = (a: string, b: string) => a === b;

describe('charts brought up to date in turn', () => {
  it('starts with the first item not shown yet, then goes round from the one after the last', () => {
    expect(nextInTurn([], ['a', 'b', 'c'], 0, same)).toBe(0);
    expect(nextInTurn(['a'], ['a', 'b', 'c'], 1, same)).toBe(1);
    expect(nextInTurn(['a', 'b', 'c'], ['a', 'b', 'c'], 0, same)).toBe(-1);
  });

  it('gives every item its turn while the first keeps changing', () => {
    // A training run changes every chart each frame: the turn still moves on round them all.
    let shown: string[] = ['a0', 'b0', 'c0'];
    let turn = 0;
    const order: number[] = [];
    for (let frame = 1; frame <= 6; frame++) {
      const wanted = ['a', 'b', 'c'].map((name) => `${name}${frame}`);
      const i = nextInTurn(shown, wanted, turn, same);
      order.push(i);
      shown = shown.map((item, k) => (k === i ? wanted[k] : item));
      turn = (i + 1) % wanted.length;
    }
    expect(order).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('skips items already up to date', () => {
    expect(nextInTurn(['a', 'x', 'c'], ['a', 'b', 'c'], 2, same)).toBe(1);
  });
});
