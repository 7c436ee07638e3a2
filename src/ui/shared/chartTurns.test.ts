import { describe, expect, it } from 'vitest';
import { turnQueue } from './chartTurns';

/** A frame scheduler driven by hand: `frame()` runs what was scheduled for the next frame. */
function manualFrames() {
  let callbacks: (() => void)[] = [];
  return {
    schedule(callback: () => void) {
      callbacks.push(callback);
      return () => {
        callbacks = callbacks.filter((c) => c !== callback);
      };
    },
    frame() {
      const now = callbacks;
      callbacks = [];
      for (const callback of now) callback();
    },
    get pending() {
      return callbacks.length;
    },
  };
}

describe('charts taking turns', () => {
  it('runs one turn a frame, in the order asked', () => {
    const frames = manualFrames();
    const queue = turnQueue(frames.schedule);
    const ran: string[] = [];
    const [a, b, c] = [{}, {}, {}];
    queue.ask(a, () => ran.push('a'));
    queue.ask(b, () => ran.push('b'));
    queue.ask(c, () => ran.push('c'));
    expect(ran).toEqual([]);
    frames.frame();
    expect(ran).toEqual(['a']);
    frames.frame();
    frames.frame();
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(frames.pending).toBe(0);
  });

  it('keeps a chart its place when it asks again, and runs only its latest turn', () => {
    const frames = manualFrames();
    const queue = turnQueue(frames.schedule);
    const ran: string[] = [];
    const [a, b] = [{}, {}];
    queue.ask(a, () => ran.push('a1'));
    queue.ask(b, () => ran.push('b1'));
    queue.ask(a, () => ran.push('a2'));
    frames.frame();
    frames.frame();
    expect(ran).toEqual(['a2', 'b1']);
  });

  it('gives every chart its turn while one asks again every frame', () => {
    const frames = manualFrames();
    const queue = turnQueue(frames.schedule);
    const ran: string[] = [];
    const [busy, quiet] = [{}, {}];
    queue.ask(busy, () => ran.push('busy'));
    queue.ask(quiet, () => ran.push('quiet'));
    for (let i = 0; i < 3; i++) {
      frames.frame();
      queue.ask(busy, () => ran.push('busy'));
    }
    expect(ran.slice(0, 2)).toEqual(['busy', 'quiet']);
    expect(ran.filter((r) => r === 'quiet')).toHaveLength(1);
  });

  it('drops a cancelled turn and asks for no frame when none is left', () => {
    const frames = manualFrames();
    const queue = turnQueue(frames.schedule);
    const ran: string[] = [];
    const a = {};
    queue.ask(a, () => ran.push('a'));
    queue.cancel(a);
    frames.frame();
    expect(ran).toEqual([]);
    expect(frames.pending).toBe(0);
    queue.ask(a, () => ran.push('a'));
    frames.frame();
    expect(ran).toEqual(['a']);
  });
});
