import { afterEach, describe, expect, it } from 'vitest';
import { type KernelHelper, kernelThreads, runShares, setKernelHelpers } from './helperThreads';

describe('runShares', () => {
  afterEach(() => setKernelHelpers([]));

  it('runs share 0 here and the others on the helpers, waiting for all even when one fails', () => {
    const events: string[] = [];
    const helper = (name: string, fails: boolean): KernelHelper => ({
      start(job, args) {
        events.push(`${name} starts ${job} ${args.join(',')}`);
        return () => {
          events.push(`${name} done`);
          if (fails) throw new Error(`${name} failed`);
        };
      },
    });
    setKernelHelpers([helper('a', true), helper('b', false), helper('c', false)]);
    expect(kernelThreads()).toBe(4);
    expect(() =>
      runShares('col2im', 3, (part) => [part], (args) => {
        events.push(`here ${args.join(',')}`);
      }),
    ).toThrow('a failed');
    // Two helpers for three shares; the failed one does not stop the wait for the next.
    expect(events).toEqual(['a starts col2im 1', 'b starts col2im 2', 'here 0', 'a done', 'b done']);
  });
});
