/**
 * The page's main-thread tasks, read from a Chromium trace: each task's wall-clock time (what a
 * long task is: a user waits that long for the page to answer) and the main thread's CPU time in
 * it. On a machine shared with other work the two differ, since the thread waits for a core;
 * the CPU time is what the page itself costs.
 */
import type { Browser, Page } from 'playwright-core';

export interface MainThreadTask {
  /** When it started, in the page's performance.now() clock (ms). */
  start: number;
  wallMs: number;
  cpuMs: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: { startTime?: number } };
}

const CLOCK_MARK = 'main-thread-tasks-clock';

/** Starts tracing the page's tasks; `stop` returns them. */
export async function traceMainThread(browser: Browser, page: Page): Promise<{ stop(): Promise<MainThreadTask[]> }> {
  await browser.startTracing(page, { categories: ['toplevel', 'blink.user_timing', '__metadata'] });
  return {
    async stop() {
      // A mark ties the trace's clock to performance.now(), and tells which renderer is the page.
      await page.evaluate((name) => performance.mark(name), CLOCK_MARK);
      const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents?: TraceEvent[] } | TraceEvent[];
      return tasksOf(Array.isArray(trace) ? trace : (trace.traceEvents ?? []));
    },
  };
}

function tasksOf(events: TraceEvent[]): MainThreadTask[] {
  const mark = events.find((e) => e.name === CLOCK_MARK && e.args?.data?.startTime !== undefined);
  if (!mark) throw new Error('The trace has no clock mark: Chromium did not record blink.user_timing.');
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === mark.pid && e.args?.name === 'CrRendererMain');
  if (!main) throw new Error("The trace does not name the page's main thread.");
  const offsetMs = mark.ts / 1000 - (mark.args?.data?.startTime ?? 0);
  return events
    .filter((e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && e.pid === main.pid && e.tid === main.tid)
    .map((e) => ({ start: e.ts / 1000 - offsetMs, wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? 0) / 1000 }));
}
