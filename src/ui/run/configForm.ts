/**
 * The editable run settings before Train: the text in each field, the recipe editor's text,
 * the problems with them, and the last valid config. Validation is core's `parseConfig` and
 * `checkRecipe`, the ones the URL and the worker use too.
 */
import { type BackendChoice, RECIPE_SHORTHANDS, type RecipeShorthand, type RunConfig, parseConfig, shorthandValue } from '../../core/config';
import { PRESETS, type PresetName } from '../../core/presets';
import { type Recipe, checkRecipe } from '../../core/recipe';
import type { Slice } from '../shared/labEvents';

export const FIELD_KEYS = [
  'epochs',
  'stepsPerEpoch',
  'checkpointEvery',
  'batchSize',
  'lr',
  'seed',
  'c2stEpochs',
] as const;
export type FieldKey = (typeof FIELD_KEYS)[number];

export interface ConfigForm {
  /** Valid values; a field with a problem keeps its last valid value here. */
  config: RunConfig;
  /** What the user typed, per field. */
  fields: Record<FieldKey, string>;
  /** Problems per field; `recipe`: the recipe editor's text was refused (see applyRecipeText). */
  problems: Partial<Record<FieldKey | 'recipe', string>>;
  /** The recipe editor's text: the config's recipe as JSON until the user types. */
  recipeText: string;
}

/** Starts from the link's settings; only the user's edits change it (see runActions.ts). */
export const formSlice: Slice<ConfigForm> = {
  initial: (parsed) => formFromConfig(parsed.config),
  on: {},
};

export function formFromConfig(config: RunConfig): ConfigForm {
  return { config, fields: fieldsOf(config), problems: {}, recipeText: recipeJson(config.recipe) };
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

/** `mnist` or an imported dataset's id. */
export function chooseDataset(form: ConfigForm, dataset: string): ConfigForm {
  return { ...form, config: { ...form.config, dataset } };
}

export function chooseBackend(form: ConfigForm, backend: BackendChoice): ConfigForm {
  return { ...form, config: { ...form.config, backend } };
}

/** A recipe as the editor shows it: indented JSON with one layer per line. */
export function recipeJson(recipe: Recipe): string {
  const layers: string[] = [];
  const text = JSON.stringify(
    recipe,
    (_, value: unknown) => {
      if (value === null || typeof value !== 'object' || !('kind' in value)) return value;
      layers.push(JSON.stringify(value).replace(/([,:])/g, '$1 '));
      return `\u0000${layers.length - 1}`;
    },
    2,
  );
  return text.replace(/"\\u0000(\d+)"/g, (_, index: string) => layers[Number(index)]);
}

/** What the user typed into the recipe editor; nothing changes until it is applied. */
export function editRecipeText(form: ConfigForm, text: string): ConfigForm {
  return { ...form, recipeText: text };
}

/**
 * The editor's text becomes the run's recipe if it reads and checks; otherwise the form keeps
 * its recipe and the text, and says what is wrong, naming the field.
 */
export function applyRecipeText(form: ConfigForm): ConfigForm {
  let value: unknown;
  try {
    value = JSON.parse(form.recipeText);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return withRecipeProblem(form, `The recipe is not valid JSON (${detail}); nothing was changed.`);
  }
  return applyRecipe(form, value);
}

/** A recipe, from the editor or the form's knobs, replaces the form's if it checks. */
export function applyRecipe(form: ConfigForm, value: unknown): ConfigForm {
  const { recipe, problems } = checkRecipe(value);
  if (!recipe) {
    const listed = problems.slice(0, 3).map((p) => p.message).join(' ');
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    return withRecipeProblem(form, `The recipe was not applied: ${listed}${more}`);
  }
  const config: RunConfig = { ...form.config, recipe };
  return reparse({ ...form, config }, config.preset, { ...form.fields, ...recipeFieldsOf(config) });
}

function withRecipeProblem(form: ConfigForm, message: string): ConfigForm {
  return { ...form, problems: { ...form.problems, recipe: message } };
}

function reparse(
  form: ConfigForm,
  preset: PresetName,
  fields: Record<FieldKey, string>,
): ConfigForm {
  // The recipe as it stands, with the learning rate and batch size fields on top where they
  // were edited (so G's and D's rates set apart in the recipe stay apart); a field that does
  // not read leaves its recipe value as it was.
  const edited = Object.fromEntries(
    Object.entries(fields).filter(
      ([key, text]) => !isShorthand(key) || text !== String(shorthandValue(form.config.recipe, key)),
    ),
  );
  const { config: parsed, problems: found } = parseConfig({
    preset,
    backend: form.config.backend,
    logEvery: form.config.logEvery,
    recipe: form.config.recipe,
    dataset: form.config.dataset,
    ...edited,
  });
  const config: RunConfig = { ...parsed };
  const problems: ConfigForm['problems'] = {};
  for (const problem of found) {
    const key = problem.key as FieldKey;
    problems[key] = problem.message;
    if (!isShorthand(key)) (config as unknown as Record<string, unknown>)[key] = form.config[key];
  }
  return { config, fields, problems, recipeText: recipeJson(config.recipe) };
}

function isShorthand(key: string): key is RecipeShorthand {
  return (RECIPE_SHORTHANDS as readonly string[]).includes(key);
}

/** The fields that show part of the recipe (learning rate, batch size). */
function recipeFieldsOf(config: RunConfig): Partial<Record<FieldKey, string>> {
  const fields: Partial<Record<FieldKey, string>> = {};
  for (const key of FIELD_KEYS) if (isShorthand(key)) fields[key] = String(shorthandValue(config.recipe, key));
  return fields;
}

function fieldsOf(config: RunConfig): Record<FieldKey, string> {
  const fields = {} as Record<FieldKey, string>;
  for (const key of FIELD_KEYS) fields[key] = String(isShorthand(key) ? shorthandValue(config.recipe, key) : config[key]);
  return fields;
}
