/** Numbers as the panels show them: always with a unit, never with a jumping width. */

/** "2 h 05 m", "3 m 07 s", "42 s"; "—" when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const pad = (value: number) => String(value).padStart(2, '0');
  if (hours > 0) return `${hours} h ${pad(minutes)} m`;
  if (minutes > 0) return `${minutes} m ${pad(secs)} s`;
  return `${secs} s`;
}

/** Seconds left at the current speed, or null while the speed is unknown. */
export function etaSeconds(
  step: number,
  totalSteps: number,
  stepsPerSecond: number,
): number | null {
  if (!(stepsPerSecond > 0) || !Number.isFinite(stepsPerSecond)) return null;
  return Math.max(0, totalSteps - step) / stepsPerSecond;
}

/** "9.9 MB", or "28.9 kB" for small files (decimal units, as download sizes are given). */
export function formatBytes(bytes: number): string {
  if (bytes < 100_000) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** "3.42 steps/s": the value comes first so tests and readers can pick it up. */
export function formatStepsPerSecond(stepsPerSecond: number): string {
  const value = Number.isFinite(stepsPerSecond) && stepsPerSecond > 0 ? stepsPerSecond : 0;
  return `${value.toFixed(value >= 100 ? 0 : 2)} steps/s`;
}

/** 0..1 as "37.5 %". */
export function formatPercent(fraction: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  return `${(clamped * 100).toFixed(1)} %`;
}

/** "43.1 MB · 96 tensors": the worker's tfjs memory (the value first: bytes in MB). */
export function formatMemory(bytes: number, tensors: number): string {
  return `${formatBytes(bytes)} · ${tensors} tensors`;
}
