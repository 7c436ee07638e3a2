/** The run list's order: newest first, best FD first, or by name. */
import type { RunRecord } from '../../storage/records';
import { qualityPoints } from './compareSeries';

export const RUN_ORDERS = { date: 'newest first', bestFd: 'best FD first', name: 'name' } as const;
export type RunOrder = keyof typeof RUN_ORDERS;

export function isRunOrder(value: unknown): value is RunOrder {
  return typeof value === 'string' && Object.hasOwn(RUN_ORDERS, value);
}

/** The lowest FD any checkpoint of the run measured, or null before the first measurement. */
export function bestFd(run: RunRecord): number | null {
  const fds = qualityPoints(run).flatMap((q) => (q.fd === null ? [] : [q.fd]));
  return fds.length === 0 ? null : Math.min(...fds);
}

/** A new array in `order`; runs without an FD come after the measured ones, newest first. */
export function sortRuns(runs: readonly RunRecord[], order: RunOrder): RunRecord[] {
  const newestFirst = (a: RunRecord, b: RunRecord) => b.createdAt - a.createdAt;
  switch (order) {
    case 'date':
      return [...runs].sort(newestFirst);
    case 'name':
      return [...runs].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }) || newestFirst(a, b));
    case 'bestFd': {
      const fd = new Map(runs.map((run) => [run.id, bestFd(run)]));
      return [...runs].sort((a, b) => {
        const x = fd.get(a.id) ?? null;
        const y = fd.get(b.id) ?? null;
        if (x === null || y === null) return x === y ? newestFirst(a, b) : x === null ? 1 : -1;
        return x - y || newestFirst(a, b);
      });
    }
  }
}
