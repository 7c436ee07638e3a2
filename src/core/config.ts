/**
 * The run configuration: types, defaults and the one validator used for URL parameters,
 * UI input, worker start messages and imports alike. tfjs-free, so the UI can import it.
 */
import { PRESETS, type PresetName, isPresetName } from './presets';

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
  batchSize: number;
  lr: number;
  seed: number;
  /** Losses are read back from the device every this many steps. */
  logEvery: number;
}

export const DEFAULT_CONFIG: RunConfig = {
  preset: 'seed',
  backend: 'auto',
  ...PRESETS.seed.overrides,
  seed: 42,
  logEvery: 8,
} as RunConfig;

export type ConfigKey = keyof RunConfig;
export const CONFIG_KEYS = Object.keys(DEFAULT_CONFIG) as ConfigKey[];

interface NumberRule {
  kind: 'int' | 'float';
  min: number;
  max: number;
}

const NUMBER_RULES: Record<Exclude<ConfigKey, 'preset' | 'backend'>, NumberRule> = {
  epochs: { kind: 'int', min: 1, max: 100_000 },
  stepsPerEpoch: { kind: 'int', min: 1, max: 1_000_000 },
  checkpointEvery: { kind: 'int', min: 1, max: 100_000 },
  batchSize: { kind: 'int', min: 1, max: 4096 },
  lr: { kind: 'float', min: Number.MIN_VALUE, max: 1e6 },
  seed: { kind: 'int', min: 0, max: 2 ** 32 - 1 },
  logEvery: { kind: 'int', min: 1, max: 10_000 },
};

export interface ConfigProblem {
  key: string;
  message: string;
}

export interface ParsedConfig {
  config: RunConfig;
  problems: ConfigProblem[];
}

type RawValue = string | number | undefined | null;

function parseNumber(key: string, raw: RawValue, rule: NumberRule): number | ConfigProblem {
  const text = typeof raw === 'number' ? String(raw) : (raw ?? '').trim();
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
 * The preset's overrides apply first, then the explicit values. Unknown keys and invalid values
 * are reported in `problems`; the returned config then holds the defaults for those keys.
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
  const config: RunConfig = { ...DEFAULT_CONFIG, ...PRESETS[preset].overrides, preset };

  for (const [key, raw] of Object.entries(input)) {
    if (key === 'preset' || raw === undefined || raw === null) continue;
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
    if (!(key in NUMBER_RULES)) {
      problems.push({
        key,
        message: `Unknown setting "${key}"; known settings are ${CONFIG_KEYS.join(', ')}.`,
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

/** The query string that reproduces a config: only values that differ from the preset's. */
export function configToSearch(config: RunConfig): string {
  const base: RunConfig = { ...DEFAULT_CONFIG, ...PRESETS[config.preset].overrides };
  const pairs = [`preset=${encodeURIComponent(config.preset)}`];
  for (const key of CONFIG_KEYS) {
    if (key !== 'preset' && config[key] !== base[key]) {
      pairs.push(`${key}=${encodeURIComponent(String(config[key]))}`);
    }
  }
  return `?${pairs.join('&')}`;
}

export function totalSteps(config: RunConfig): number {
  return config.epochs * config.stepsPerEpoch;
}
