import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../storage/records';
import { runRecord } from '../../testing/testLab';
import { bestFd, sortRuns } from './runOrder';

function run(id: string, name: string, createdAt: number, fds: number[]): RunRecord {
  const record = runRecord(id, fds.map((_, i) => i + 1), createdAt);
  return { ...record, name, epochs: record.epochs.map((e, i) => ({ ...e, metrics: { fd: fds[i], score: 5 } })) };
}

describe('run list order', () => {
  const runs = [run('a', 'run 10', 1, [50, 20]), run('b', 'run 9', 3, []), run('c', 'alpha', 2, [35])];

  it('takes the best FD over all checkpoints', () => {
    expect(bestFd(runs[0])).toBe(20);
    expect(bestFd(runs[1])).toBeNull();
  });

  it('puts runs measured by the C2ST alone (no FD) after those with an FD', () => {
    const unlabelled = { ...run('u', 'unlabelled', 4, []), epochs: runRecord('u', [1]).epochs.map((e) => ({ ...e, metrics: { c2st: 0.7, c2stFloor: 0.5 } })) };
    expect(bestFd(unlabelled)).toBeNull();
    expect(sortRuns([unlabelled, ...runs], 'bestFd').map((r) => r.id)).toEqual(['a', 'c', 'u', 'b']);
  });

  it('sorts newest first, best FD first (unmeasured last), or by name with numbers in order', () => {
    expect(sortRuns(runs, 'date').map((r) => r.id)).toEqual(['b', 'c', 'a']);
    expect(sortRuns(runs, 'bestFd').map((r) => r.id)).toEqual(['a', 'c', 'b']);
    expect(sortRuns(runs, 'name').map((r) => r.id)).toEqual(['c', 'b', 'a']);
    expect(runs.map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });
});
