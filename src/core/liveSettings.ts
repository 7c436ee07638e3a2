/**
 * What a user may change while a run trains (G's and D's learning rates, the average's decay)
 * and the record of those changes. tfjs-free: the worker checks and applies them, storage keeps
 * them with the run, the page shows them and marks them on the charts.
 */
import { ConfigError } from './errors';
import type { Recipe } from './recipe';

/** The base learning rates and decay in force (the schedule still applies on top of the rates). */
export interface LiveSettings {
  gLr: number;
  dLr: number;
  /** The average's decay; null when the recipe keeps no average. */
  averageDecay: number | null;
}

/** Some of the live settings, as a user asks for them. */
export interface LiveSettingsEdit {
  gLr?: number;
  dLr?: number;
  averageDecay?: number;
}

/** A change made while the run trained: what it set, in force from step `step` (the first step trained with it). */
export interface LiveChange extends LiveSettingsEdit {
  step: number;
}

/** The largest learning rate accepted, as in a recipe. */
export const MAX_LIVE_LR = 1e6;

const FIELDS = ['gLr', 'dLr', 'averageDecay'] as const;

const LABELS: Record<(typeof FIELDS)[number], string> = {
  gLr: "G's learning rate (gLr)",
  dLr: "D's learning rate (dLr)",
  averageDecay: "The average's decay (averageDecay)",
};

/** The recipe's own settings: what a run trains with until they are changed. */
export function liveSettingsOf(recipe: Recipe): LiveSettings {
  return { gLr: recipe.gOptimizer.lr, dLr: recipe.dOptimizer.lr, averageDecay: recipe.average?.decay ?? null };
}

/** The settings in force after `changes` (in step order) made to `base`. */
export function liveSettingsAfter(base: LiveSettings, changes: readonly LiveChange[]): LiveSettings {
  let settings = base;
  for (const change of changes) settings = applyEdit(settings, change);
  return settings;
}

/**
 * `changes` with `change` added: merged into the last one when both start at the same step
 * (several edits between two steps are one change), appended otherwise.
 */
export function withLiveChange(changes: readonly LiveChange[], change: LiveChange): LiveChange[] {
  const last = changes.at(-1);
  if (last?.step === change.step) return [...changes.slice(0, -1), { ...last, ...change }];
  return [...changes, change];
}

/**
 * `raw` checked as an edit of `current`: the fields that differ from it, or null when none does.
 * Anything that cannot be used (a rate that is not above 0 and at most 1e6, a decay outside
 * [0, 1), a decay for a recipe without an average, an unknown field) is a ConfigError naming
 * every problem, and nothing is to change.
 */
export function checkLiveEdit(raw: unknown, current: LiveSettings): LiveSettingsEdit | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('Live settings must be an object such as {"gLr": 0.0001}.');
  }
  const record = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(record)) {
    if (!(FIELDS as readonly string[]).includes(key) && record[key] !== undefined) {
      problems.push(`"${key}" cannot be changed while training; only gLr, dLr and averageDecay can.`);
    }
  }
  const edit: LiveSettingsEdit = {};
  for (const field of FIELDS) {
    const value = record[field];
    if (value === undefined) continue;
    const label = LABELS[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(`${label} must be a number, got ${typeof value === 'number' ? value : (JSON.stringify(value) ?? 'nothing')}.`);
    } else if (field === 'averageDecay') {
      if (current.averageDecay === null) {
        problems.push("This run's recipe keeps no weight average, so there is no decay to change.");
      } else if (value < 0 || value >= 1) {
        problems.push(`${label} must be at least 0 and below 1, got ${value}.`);
      } else if (value !== current.averageDecay) edit.averageDecay = value;
    } else if (value <= 0 || value > MAX_LIVE_LR) {
      problems.push(`${label} must be above 0 and at most ${MAX_LIVE_LR}, got ${value}.`);
    } else if (value !== current[field]) edit[field] = value;
  }
  if (problems.length > 0) throw new ConfigError(`${problems.join(' ')} Nothing was changed.`);
  return Object.keys(edit).length > 0 ? edit : null;
}

/** A change in a few words, e.g. "G lr 1e-4, D lr 2e-4" or "decay 0.999". */
export function describeLiveChange(change: LiveSettingsEdit): string {
  const parts: string[] = [];
  if (change.gLr !== undefined) parts.push(`G lr ${formatLiveValue(change.gLr)}`);
  if (change.dLr !== undefined) parts.push(`D lr ${formatLiveValue(change.dLr)}`);
  if (change.averageDecay !== undefined) parts.push(`decay ${formatLiveValue(change.averageDecay)}`);
  return parts.join(', ');
}

/** Small and large numbers in short exponent form (1e-4, 2.5e-3), others as they are (0.999). */
export function formatLiveValue(value: number): string {
  const magnitude = Math.abs(value);
  const rounded = Number(value.toPrecision(4));
  if (magnitude !== 0 && (magnitude < 1e-2 || magnitude >= 1e4)) {
    return rounded.toExponential().replace('e+', 'e');
  }
  return String(rounded);
}

function applyEdit(settings: LiveSettings, edit: LiveSettingsEdit): LiveSettings {
  return {
    gLr: edit.gLr ?? settings.gLr,
    dLr: edit.dLr ?? settings.dLr,
    averageDecay: settings.averageDecay === null ? null : (edit.averageDecay ?? settings.averageDecay),
  };
}
