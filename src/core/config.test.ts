import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, SAVED_C2ST_EPOCHS, configToSearch, parseConfig, parseConfigFromSearch, parseSavedConfig, totalSteps } from './config';
import { PRESETS } from './presets';

describe('config', () => {
  it('defaults to the seed preset: 200 epochs of 128 steps, checkpoints every 20', () => {
    expect(DEFAULT_CONFIG).toMatchObject({
      preset: 'seed',
      epochs: 200,
      stepsPerEpoch: 128,
      checkpointEvery: 20,
    });
    expect(DEFAULT_CONFIG.recipe).toEqual(PRESETS.seed.recipe);
    expect(DEFAULT_CONFIG.recipe).toMatchObject({ batchSize: 128, gOptimizer: { lr: 2e-4 }, dOptimizer: { lr: 2e-4 } });
    expect(totalSteps(DEFAULT_CONFIG)).toBe(25_600);
  });

  it('reads the documented URL parameters', () => {
    const { config, problems } = parseConfigFromSearch(
      '?preset=seed&backend=wasm&epochs=3&stepsPerEpoch=2&checkpointEvery=1&batchSize=16&lr=0.001&seed=7',
    );
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ backend: 'wasm', epochs: 3, stepsPerEpoch: 2, checkpointEvery: 1, seed: 7 });
    expect(config.recipe).toMatchObject({ batchSize: 16, gOptimizer: { lr: 0.001 }, dOptimizer: { lr: 0.001 } });
  });

  it('names every unknown key and invalid value', () => {
    const { config, problems } = parseConfigFromSearch('?epochs=abc&bogus=1&batchSize=0&lr=-2&backend=cuda&preset=big&seed=1.5');
    expect(problems.map((p) => p.key).sort()).toEqual(['backend', 'batchSize', 'bogus', 'epochs', 'lr', 'preset', 'seed']);
    expect(problems.find((p) => p.key === 'epochs')?.message).toBe('epochs must be a number, got "abc".');
    expect(problems.find((p) => p.key === 'bogus')?.message).toMatch(/Unknown setting "bogus"/);
    expect(problems.find((p) => p.key === 'seed')?.message).toMatch(/whole number/);
    expect(config.epochs).toBe(200);
  });

  it("reads the checkpoint C2ST's critic epochs: 10 unless given, 0 turns it off, a negative or fractional count is refused", () => {
    expect(DEFAULT_CONFIG.c2stEpochs).toBe(10);
    expect(parseConfigFromSearch('?preset=class-ema').config.c2stEpochs).toBe(10);
    const off = parseConfigFromSearch('?c2stEpochs=0');
    expect(off.problems).toEqual([]);
    expect(off.config.c2stEpochs).toBe(0);
    expect(configToSearch(off.config)).toBe('?preset=seed&c2stEpochs=0');
    const bad = parseConfigFromSearch('?c2stEpochs=-1&epochs=2');
    expect(bad.problems).toEqual([{ key: 'c2stEpochs', message: 'c2stEpochs must be at least 0 and at most 100, got -1.' }]);
    expect(bad.config).toMatchObject({ c2stEpochs: 10, epochs: 2 });
    expect(parseConfigFromSearch('?c2stEpochs=2.5').problems[0].message).toBe('c2stEpochs must be a whole number, got 2.5.');
  });

  it('reads a config saved before runs chose the critic\'s epochs as the 2 it measured with, and a saved choice as saved', () => {
    const saved = { preset: 'seed', backend: 'cpu', epochs: 2, stepsPerEpoch: 2, checkpointEvery: 1, seed: 1, logEvery: 1 };
    expect(parseSavedConfig(saved)).toEqual({ config: { ...parseConfig(saved).config, c2stEpochs: SAVED_C2ST_EPOCHS }, problems: [] });
    expect(SAVED_C2ST_EPOCHS).toBe(2);
    expect(parseSavedConfig({ ...saved, c2stEpochs: 10 }).config.c2stEpochs).toBe(10);
    expect(parseSavedConfig({ ...saved, c2stEpochs: 0 }).config.c2stEpochs).toBe(0);
  });

  it('round-trips through the URL', () => {
    const { config } = parseConfig({ epochs: 5, lr: 0.0003, seed: 9, backend: 'cpu' });
    const search = configToSearch(config);
    expect(search).toBe('?preset=seed&backend=cpu&epochs=5&seed=9&lr=0.0003');
    expect(parseConfigFromSearch(search)).toEqual({ config, problems: [] });
  });

  it('carries an edited recipe in the link as recipe=, and reads it back', () => {
    const seed = PRESETS.seed.recipe;
    const hinge = { ...seed, loss: 'hinge' as const, dStepsPerGStep: 2 };
    const { config } = parseConfig({ preset: 'seed', recipe: hinge });
    const search = configToSearch(config);
    expect(search).toMatch(/^\?preset=seed&recipe=[A-Za-z0-9_-]+$/);
    expect(parseConfigFromSearch(search)).toEqual({ config, problems: [] });
    // Learning rates alone stay readable.
    const rates = parseConfig({ preset: 'dcgan', recipe: { ...PRESETS.dcgan.recipe, dOptimizer: { ...PRESETS.dcgan.recipe.dOptimizer, lr: 1e-3 } } });
    expect(configToSearch(rates.config)).toBe('?preset=dcgan&dLr=0.001');
  });

  it('names the recipe field a link gets wrong, and keeps the preset', () => {
    const bad = { ...PRESETS.seed.recipe, batchSize: 0 };
    const { config, problems } = parseConfigFromSearch(`?preset=seed&recipe=${encodeURIComponent(JSON.stringify(bad))}`);
    expect(problems.map((p) => p.key)).toEqual(['recipe.batchSize']);
    expect(config.recipe).toEqual(PRESETS.seed.recipe);
    expect(parseConfigFromSearch('?recipe=@@@').problems.map((p) => p.key)).toEqual(['recipe']);
  });
});
