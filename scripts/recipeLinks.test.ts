import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigFromSearch } from '../src/core/config';
import { sameRecipe } from '../src/core/recipe';
import { PRESETS } from '../src/core/presets';
import { exampleLinks } from './recipeLinks';

describe("the README's example recipes", () => {
  const lines = exampleLinks();

  it('are in the README as the script prints them', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(readme).toContain(line);
  });

  it('open as valid custom recipes', () => {
    for (const line of lines) {
      const search = /\(http:\/\/localhost:5173\/(\?[^)]*)\)/.exec(line)![1];
      const { config, problems } = parseConfigFromSearch(search);
      expect(problems).toEqual([]);
      expect(sameRecipe(config.recipe, PRESETS[config.preset].recipe)).toBe(false);
    }
  });
});
