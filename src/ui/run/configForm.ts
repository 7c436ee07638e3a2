/**
 * The editable run settings before Train: the text in each field, the problems with it, and the
 * last valid config. Validation is core's `parseConfig`, the one the URL and the worker use too.
 */
import { type BackendChoice, RECIPE_SHORTHANDS, type RecipeShorthand, type RunConfig, parseConfig, shorthandValue } from '../../core/config';
import { PRESETS, type PresetName } from '../../core/presets';
import type { Slice } from '../shared/labEvents';

export const FIELD_KEYS = [
  'epochs',
  'stepsPerEpoch',
  'checkpointEvery',
  'batchSize',
  'lr',
  'seed',
] as const;
export type FieldKey = (typeof FIELD_KEYS)[number];

export interface ConfigForm {
  /** Valid values; a field with a problem keeps its last valid value here. */
  config: RunConfig;
  /** What the user typed, per field. */
  fields: Record<FieldKey, string>;
  problems: Partial<Record<FieldKey, string>>;
}

/** Starts from the link's settings; only the user's edits change it (see runActions.ts). */
export const formSlice: Slice<ConfigForm> = {
  initial: (parsed) => formFromConfig(parsed.config),
  on: {},
};

export function formFromConfig(config: RunConfig): ConfigForm {
  return { config, fields: fieldsOf(config), problems: {} };
}

export function isFormValid(form: ConfigForm): boolean {
  return Object.keys(form.problems).length === 0;
}

export function editField(form: ConfigForm, key: FieldKey, text: string): ConfigForm {
  return reparse(form, form.config.preset, { ...form.fields, [key]: text });
}

/** Switching preset applies its schedule and recipe; the seed keeps what was typed. */
export function choosePreset(form: ConfigForm, preset: PresetName): ConfigForm {
  const { schedule, recipe } = PRESETS[preset];
  const config: RunConfig = { ...form.config, ...schedule, preset, recipe };
  return reparse({ ...form, config }, preset, { ...fieldsOf(config), seed: form.fields.seed });
}

export function chooseBackend(form: ConfigForm, backend: BackendChoice): ConfigForm {
  return { ...form, config: { ...form.config, backend } };
}

function reparse(
  form: ConfigForm,
  preset: PresetName,
  fields: Record<FieldKey, string>,
): ConfigForm {
  // The recipe as it stands, with the fields' learning rate and batch size on top; a field
  // that does not read leaves its recipe value as it was.
  const { config: parsed, problems: found } = parseConfig({
    preset,
    backend: form.config.backend,
    logEvery: form.config.logEvery,
    recipe: form.config.recipe,
    ...fields,
  });
  const config: RunConfig = { ...parsed };
  const problems: Partial<Record<FieldKey, string>> = {};
  for (const problem of found) {
    const key = problem.key as FieldKey;
    problems[key] = problem.message;
    if (!isShorthand(key)) (config as unknown as Record<string, unknown>)[key] = form.config[key];
  }
  return { config, fields, problems };
}

function isShorthand(key: string): key is RecipeShorthand {
  return (RECIPE_SHORTHANDS as readonly string[]).includes(key);
}

function fieldsOf(config: RunConfig): Record<FieldKey, string> {
  const fields = {} as Record<FieldKey, string>;
  for (const key of FIELD_KEYS) fields[key] = String(isShorthand(key) ? shorthandValue(config.recipe, key) : config[key]);
  return fields;
}
