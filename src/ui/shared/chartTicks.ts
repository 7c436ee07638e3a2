/**
 * Axis ticks computed here rather than by the chart library: its own "nice tick" search runs
 * arbitrary-precision arithmetic on every update and was most of a frame's work while training.
 */

/** A step of 1, 2 or 5 times a power of ten giving about `count` intervals over [0, max]. */
export function niceStep(max: number, count: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const raw = max / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Ticks from 0 to the first multiple of the step at or above `max`; [0, top] is the domain. */
export function niceTicks(max: number, count = 4): { ticks: number[]; top: number } {
  const step = niceStep(max, count);
  const intervals = Math.max(1, Math.ceil(max / step - 1e-9));
  const ticks = Array.from({ length: intervals + 1 }, (_, i) => Number((i * step).toPrecision(12)));
  return { ticks, top: ticks[ticks.length - 1] };
}
