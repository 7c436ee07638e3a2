/**
 * The run configuration: types, defaults and the one validator used for URL parameters,
 * UI input, worker start messages and imports alike. tfjs-free, so the UI can import it.
 * A config is the run's length, seed and backend plus its recipe (recipe.ts): `preset` names the
 * preset the recipe started from (and is the whole story when the recipe is that preset's).
 */
import { PRESETS, type PresetName, isPresetName } from './presets';
import { type Recipe, checkRecipe, decodeRecipeText, encodeRecipe, recipeDifferences, upgradeSavedRecipe } from './recipe';

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
/** `auto` picks the best backend the browser has (see worker/backends.ts). */
export type BackendChoice = BackendName | 'auto';

export interface RunConfig {
  preset: PresetName;
  backend: BackendChoice;
  /** Number of "epochs"; the seed preset keeps the original script's meaning of 128 steps each. */
  epochs: number;
  stepsPerEpoch: number;
  /** Generator weights are kept every this many epochs (and after epoch 1). */
  checkpointEvery: number;
  seed: number;
  /** Losses are read back from the device every this many steps. */
  logEvery: number;
  /**
   * Epochs the checkpoint C2ST's critic trains on each checkpoint's digits (metrics/checkpointC2st.ts);
   * 0 turns the C2ST off. More epochs read closer to `npm run eval`'s judge and pause training longer.
   */
  c2stEpochs: number;
  /** Everything that defines training; starts as the preset's. */
  recipe: Recipe;
  /** What it trains on: `mnist` (built in), or the id of a dataset imported into this browser. */
  dataset: string;
}

export const MNIST_DATASET = 'mnist';
/** Ids the lab gives imported datasets (storage/datasetRepository.ts). */
const DATASET_ID = /^dataset-[a-z0-9-]{1,64}$/;

export function isDatasetId(value: string): boolean {
  return value === MNIST_DATASET || DATASET_ID.test(value);
}

export const DEFAULT_CONFIG: RunConfig = {
  preset: 'seed',
  backend: 'auto',
  ...PRESETS.seed.schedule,
  seed: 42,
  logEvery: 8,
  c2stEpochs: 10,
  recipe: PRESETS.seed.recipe,
  dataset: MNIST_DATASET,
};

export type ConfigKey = keyof RunConfig;
export const CONFIG_KEYS = Object.keys(DEFAULT_CONFIG) as ConfigKey[];

/**
 * Settings that change one recipe field, for links and the form: `batchSize` is the recipe's,
 * `lr` sets both networks' learning rates (`gLr`, `dLr` one each).
 */
export const RECIPE_SHORTHANDS = ['batchSize', 'lr', 'gLr', 'dLr'] as const;
export type RecipeShorthand = (typeof RECIPE_SHORTHANDS)[number];
const SHORTHAND_RULES: Record<RecipeShorthand, NumberRule> = {
  batchSize: { kind: 'int', min: 1, max: 4096 },
  lr: { kind: 'float', min: Number.MIN_VALUE, max: 1e6 },
  gLr: { kind: 'float', min: Number.MIN_VALUE, max: 1e6 },
  dLr: { kind: 'float', min: Number.MIN_VALUE, max: 1e6 },
};

function withShorthand(recipe: Recipe, key: RecipeShorthand, value: number): Recipe {
  switch (key) {
    case 'batchSize':
      return { ...recipe, batchSize: value };
    case 'lr':
      return { ...recipe, gOptimizer: { ...recipe.gOptimizer, lr: value }, dOptimizer: { ...recipe.dOptimizer, lr: value } };
    case 'gLr':
      return { ...recipe, gOptimizer: { ...recipe.gOptimizer, lr: value } };
    case 'dLr':
      return { ...recipe, dOptimizer: { ...recipe.dOptimizer, lr: value } };
  }
}

/** A shorthand's value in a recipe (`lr`: G's, which is D's too unless they were set apart). */
export function shorthandValue(recipe: Recipe, key: RecipeShorthand): number {
  if (key === 'batchSize') return recipe.batchSize;
  return key === 'dLr' ? recipe.dOptimizer.lr : recipe.gOptimizer.lr;
}

interface NumberRule {
  kind: 'int' | 'float';
  min: number;
  max: number;
}

const NUMBER_RULES: Record<Exclude<ConfigKey, 'preset' | 'backend' | 'recipe' | 'dataset'>, NumberRule> = {
  epochs: { kind: 'int', min: 1, max: 100_000 },
  stepsPerEpoch: { kind: 'int', min: 1, max: 1_000_000 },
  checkpointEvery: { kind: 'int', min: 1, max: 100_000 },
  seed: { kind: 'int', min: 0, max: 2 ** 32 - 1 },
  logEvery: { kind: 'int', min: 1, max: 10_000 },
  c2stEpochs: { kind: 'int', min: 0, max: 100 },
};

export interface ConfigProblem {
  key: string;
  message: string;
}

export interface ParsedConfig {
  config: RunConfig;
  problems: ConfigProblem[];
}

type RawValue = string | number | object | undefined | null;

function parseNumber(key: string, raw: RawValue, rule: NumberRule): number | ConfigProblem {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : JSON.stringify(raw);
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) {
    return { key, message: `${key} must be a number, got "${text}".` };
  }
  if (rule.kind === 'int' && !Number.isInteger(value)) {
    return { key, message: `${key} must be a whole number, got ${text}.` };
  }
  if (value < rule.min || value > rule.max) {
    const min = rule.min === Number.MIN_VALUE ? 'above 0' : `at least ${rule.min}`;
    return { key, message: `${key} must be ${min} and at most ${rule.max}, got ${text}.` };
  }
  return value;
}

/**
 * Validates a partial config given as strings or numbers (URL parameters, form fields, messages).
 * The preset's schedule and recipe apply first, then a given `recipe` (an object, JSON text or
 * base64url of the JSON) in place of the preset's, then the shorthands (`lr`, `batchSize`…), then
 * the other values. Unknown keys and invalid values are reported in `problems` (a recipe's as
 * `recipe.<field>`); the returned config then holds the defaults for those keys.
 *
 * Configs saved before recipes existed hold `lr` and `batchSize` and no recipe: they read as
 * their preset's recipe with those two applied, which is what they trained.
 */
export function parseConfig(input: Record<string, RawValue>): ParsedConfig {
  const problems: ConfigProblem[] = [];
  let preset: PresetName = DEFAULT_CONFIG.preset;
  const rawPreset = input.preset;
  if (rawPreset !== undefined && rawPreset !== null) {
    const name = String(rawPreset).trim();
    if (isPresetName(name)) preset = name;
    else {
      const known = Object.keys(PRESETS).join(', ');
      problems.push({ key: 'preset', message: `Unknown preset "${name}"; choose one of ${known}.` });
    }
  }
  const config: RunConfig = { ...DEFAULT_CONFIG, ...PRESETS[preset].schedule, preset, recipe: PRESETS[preset].recipe };
  const given = input.recipe;
  if (given !== undefined && given !== null) {
    const recipe = parseRecipe(given, problems);
    if (recipe) config.recipe = recipe;
  }
  for (const key of RECIPE_SHORTHANDS) {
    const raw = input[key];
    if (raw === undefined || raw === null) continue;
    const parsed = parseNumber(key, raw, SHORTHAND_RULES[key]);
    if (typeof parsed === 'number') config.recipe = withShorthand(config.recipe, key, parsed);
    else problems.push(parsed);
  }

  for (const [key, raw] of Object.entries(input)) {
    if (key === 'preset' || key === 'recipe' || raw === undefined || raw === null) continue;
    if ((RECIPE_SHORTHANDS as readonly string[]).includes(key)) continue;
    if (key === 'backend') {
      const name = String(raw).trim();
      if (name === 'auto' || (BACKENDS as readonly string[]).includes(name)) {
        config.backend = name as BackendChoice;
      } else {
        problems.push({
          key,
          message: `Unknown backend "${name}"; choose auto, ${BACKENDS.join(', ')}.`,
        });
      }
      continue;
    }
    if (key === 'dataset') {
      const id = String(raw).trim();
      if (isDatasetId(id)) config.dataset = id;
      else problems.push({ key, message: `Unknown dataset "${id}"; use ${MNIST_DATASET} or the id of a dataset imported into this browser.` });
      continue;
    }
    if (!(key in NUMBER_RULES)) {
      problems.push({
        key,
        message: `Unknown setting "${key}"; known settings are ${[...CONFIG_KEYS, ...RECIPE_SHORTHANDS].join(', ')}.`,
      });
      continue;
    }
    const numberKey = key as keyof typeof NUMBER_RULES;
    const parsed = parseNumber(key, raw, NUMBER_RULES[numberKey]);
    if (typeof parsed === 'number') config[numberKey] = parsed;
    else problems.push(parsed);
  }
  return { config, problems };
}

/** The checkpoint C2ST's critic epochs before runs could choose them: configs saved then measured with these. */
export const SAVED_C2ST_EPOCHS = 2;

/**
 * A config saved by an earlier version of the lab (a run record, a checkpoint) as today's:
 * parseConfig, after its recipe gets the fields added since, switched off (upgradeSavedRecipe),
 * and with the C2ST critic's epochs it measured with (SAVED_C2ST_EPOCHS) if it names none, so a
 * resumed run goes on measuring as it did.
 */
export function parseSavedConfig(input: Record<string, RawValue>): ParsedConfig {
  const saved: Record<string, RawValue> = { c2stEpochs: SAVED_C2ST_EPOCHS, ...input };
  const recipe = saved.recipe;
  if (recipe === undefined || recipe === null || typeof recipe !== 'object') return parseConfig(saved);
  return parseConfig({ ...saved, recipe: upgradeSavedRecipe(recipe) as RawValue });
}

function parseRecipe(raw: RawValue, problems: ConfigProblem[]): Recipe | null {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = decodeRecipeText(raw);
    } catch {
      problems.push({ key: 'recipe', message: 'The recipe is neither JSON nor base64url of JSON; check that the text or link is whole.' });
      return null;
    }
  }
  const { recipe, problems: found } = checkRecipe(value);
  for (const problem of found) problems.push({ key: `recipe.${problem.field}`, message: `Recipe: ${problem.message}` });
  return recipe;
}

/** Reads a config from a URL query string such as `?preset=seed&epochs=3`. */
export function parseConfigFromSearch(search: string): ParsedConfig {
  const input: Record<string, string> = {};
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const [key, value = ''] = pair.split('=', 2).map((part) => decodeQueryPart(part));
    input[key] = value;
  }
  return parseConfig(input);
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/**
 * The query string that reproduces a config: only values that differ from the preset's. A recipe
 * that differs from its preset's only in the learning rate or batch size says so as `lr=` /
 * `batchSize=`; any other change goes whole as `recipe=` (base64url of its JSON).
 */
export function configToSearch(config: RunConfig): string {
  const preset = PRESETS[config.preset];
  const base: RunConfig = { ...DEFAULT_CONFIG, ...preset.schedule, recipe: preset.recipe };
  const pairs = [`preset=${encodeURIComponent(config.preset)}`];
  for (const key of CONFIG_KEYS) {
    if (key !== 'preset' && key !== 'recipe' && config[key] !== base[key]) {
      pairs.push(`${key}=${encodeURIComponent(String(config[key]))}`);
    }
  }
  const changed = recipeDifferences(preset.recipe, config.recipe).map((d) => d.field);
  const { gOptimizer, dOptimizer } = config.recipe;
  const shorthands: string[] = [];
  if (changed.every((field) => ['batchSize', 'gOptimizer.lr', 'dOptimizer.lr'].includes(field))) {
    if (changed.includes('batchSize')) shorthands.push(`batchSize=${config.recipe.batchSize}`);
    if (gOptimizer.lr === dOptimizer.lr) {
      if (changed.some((f) => f.endsWith('.lr'))) shorthands.push(`lr=${encodeURIComponent(String(gOptimizer.lr))}`);
    } else {
      if (changed.includes('gOptimizer.lr')) shorthands.push(`gLr=${encodeURIComponent(String(gOptimizer.lr))}`);
      if (changed.includes('dOptimizer.lr')) shorthands.push(`dLr=${encodeURIComponent(String(dOptimizer.lr))}`);
    }
    pairs.push(...shorthands);
  } else {
    pairs.push(`recipe=${encodeRecipe(config.recipe)}`);
  }
  return `?${pairs.join('&')}`;
}

export function totalSteps(config: RunConfig): number {
  return config.epochs * config.stepsPerEpoch;
}
