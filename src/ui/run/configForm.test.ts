import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config';
import { chooseBackend, choosePreset, editField, formFromConfig, isFormValid } from './configForm';

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
});
