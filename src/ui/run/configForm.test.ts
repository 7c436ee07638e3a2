import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config';
import { PRESETS } from '../../core/presets';
import {
  applyRecipe,
  applyRecipeText,
  chooseBackend,
  choosePreset,
  editField,
  editRecipeText,
  formFromConfig,
  isFormValid,
  recipeJson,
} from './configForm';

describe('config form', () => {
  it('accepts valid input and keeps the typed text', () => {
    const form = editField(formFromConfig(DEFAULT_CONFIG), 'epochs', '3');
    expect(isFormValid(form)).toBe(true);
    expect(form.config.epochs).toBe(3);
    expect(form.fields.epochs).toBe('3');
  });

  it('names the problem and keeps the last valid value', () => {
    const start = editField(formFromConfig(DEFAULT_CONFIG), 'batchSize', '64');
    const form = editField(start, 'batchSize', '6.5');
    expect(isFormValid(form)).toBe(false);
    expect(form.problems.batchSize).toMatch(/batchSize must be a whole number/);
    expect(form.config.recipe.batchSize).toBe(64);
    expect(form.fields.batchSize).toBe('6.5');

    const fixed = editField(form, 'batchSize', '32');
    expect(isFormValid(fixed)).toBe(true);
    expect(fixed.config.recipe.batchSize).toBe(32);
  });

  it('reports every bad field at once', () => {
    let form = editField(formFromConfig(DEFAULT_CONFIG), 'lr', 'fast');
    form = editField(form, 'seed', '-1');
    expect(Object.keys(form.problems).sort()).toEqual(['lr', 'seed']);
  });

  it('applies the preset overrides and keeps the seed', () => {
    let form = editField(formFromConfig(DEFAULT_CONFIG), 'epochs', '5');
    form = editField(form, 'seed', '7');
    form = choosePreset(form, 'seed');
    expect(form.config.epochs).toBe(200);
    expect(form.config.stepsPerEpoch).toBe(128);
    expect(form.fields.epochs).toBe('200');
    expect(form.config.seed).toBe(7);
  });

  it('keeps the backend choice apart from the fields', () => {
    const form = chooseBackend(formFromConfig(DEFAULT_CONFIG), 'wasm');
    expect(form.config.backend).toBe('wasm');
    expect(editField(form, 'epochs', '2').config.backend).toBe('wasm');
  });

  it('shows the recipe as JSON, one layer per line, that reads back as the same recipe', () => {
    for (const preset of Object.values(PRESETS)) {
      const text = recipeJson(preset.recipe);
      expect(JSON.parse(text)).toEqual(preset.recipe);
      expect(text).toContain('{"kind": "dense", "units": 256}'.replace('256', String((preset.recipe.generator.layers[0] as { units: number }).units)));
    }
  });

  it('applies an edited recipe, and the fields follow it', () => {
    const start = formFromConfig(DEFAULT_CONFIG);
    const text = start.recipeText.replace('"units": 256', '"units": 128').replace('"batchSize": 128', '"batchSize": 32');
    const form = applyRecipeText(editRecipeText(start, text));
    expect(isFormValid(form)).toBe(true);
    expect(form.config.recipe.generator.layers[0]).toEqual({ kind: 'dense', units: 128 });
    expect(form.fields.batchSize).toBe('32');
    expect(form.recipeText).toBe(recipeJson(form.config.recipe));
  });

  it('refuses text that is not JSON or a recipe that cannot work, and keeps the last good one', () => {
    const start = formFromConfig(DEFAULT_CONFIG);
    const broken = applyRecipeText(editRecipeText(start, start.recipeText.slice(0, -5)));
    expect(broken.problems.recipe).toMatch(/not valid JSON/);
    expect(broken.config).toEqual(start.config);
    expect(broken.recipeText).toBe(start.recipeText.slice(0, -5));
    expect(isFormValid(broken)).toBe(false);

    const impossible = applyRecipeText(editRecipeText(start, start.recipeText.replace('"units": 784', '"units": 780')));
    expect(impossible.problems.recipe).toMatch(/generator must end in 784 values/);
    expect(impossible.config).toEqual(start.config);

    // Choosing a preset again starts over from its recipe.
    expect(isFormValid(choosePreset(impossible, 'seed'))).toBe(true);
  });

  it("keeps G's and D's learning rates apart when another field changes", () => {
    const { recipe } = DEFAULT_CONFIG;
    const apart = applyRecipe(formFromConfig(DEFAULT_CONFIG), { ...recipe, dOptimizer: { ...recipe.dOptimizer, lr: 4e-4 } });
    const form = editField(apart, 'epochs', '7');
    expect([form.config.recipe.gOptimizer.lr, form.config.recipe.dOptimizer.lr]).toEqual([2e-4, 4e-4]);
    const both = editField(form, 'lr', '0.001');
    expect([both.config.recipe.gOptimizer.lr, both.config.recipe.dOptimizer.lr]).toEqual([0.001, 0.001]);
  });
});
