/**
 * The editable run settings before Train: the text in each field, the problems with it, and the
 * last valid config. Validation is core's `parseConfig`, the one the URL and the worker use too.
 */
import { parseConfig, type BackendChoice, type RunConfig } from '../../core/config';
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

/** Switching preset applies its overrides; fields it does not set keep what was typed. */
export function choosePreset(form: ConfigForm, preset: PresetName): ConfigForm {
  const overrides = PRESETS[preset].overrides;
  const fields = { ...form.fields };
  for (const [key, value] of Object.entries(overrides)) fields[key as FieldKey] = String(value);
  return reparse({ ...form, config: { ...form.config, ...overrides } }, preset, fields);
}

export function chooseBackend(form: ConfigForm, backend: BackendChoice): ConfigForm {
  return { ...form, config: { ...form.config, backend } };
}

function reparse(
  form: ConfigForm,
  preset: PresetName,
  fields: Record<FieldKey, string>,
): ConfigForm {
  const { config: parsed, problems: found } = parseConfig({
    preset,
    backend: form.config.backend,
    logEvery: form.config.logEvery,
    ...fields,
  });
  const config: RunConfig = { ...parsed };
  const problems: Partial<Record<FieldKey, string>> = {};
  for (const problem of found) {
    const key = problem.key as FieldKey;
    problems[key] = problem.message;
    config[key] = form.config[key];
  }
  return { config, fields, problems };
}

function fieldsOf(config: RunConfig): Record<FieldKey, string> {
  const fields = {} as Record<FieldKey, string>;
  for (const key of FIELD_KEYS) fields[key] = String(config[key]);
  return fields;
}
