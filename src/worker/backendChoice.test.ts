/**
 * `auto`'s choice by measurement: the fastest backend wins whatever its name, the summary says
 * why, choices are keyed by the device's backends and the recipe's size, and the host measures
 * once, remembers, and measures again when told to forget.
 */
import { describe, expect, it } from 'vitest';
import type { BackendName } from '../core/config';
import { DEFAULT_CONFIG } from '../core/config';
import { recipeCost } from '../core/recipeCost';
import type { MnistSplit } from '../core/mnistIdx';
import { chooseByRate, choiceKey, describeRates, memoryChoices, trialCandidates } from './backendChoice';
import { BackendHost } from './backendHost';
import type { BackendTrialEvent } from './protocol';

describe('chooseByRate', () => {
  it('takes the fastest, whatever the preference order or the renderer', () => {
    const verdict = chooseByRate([
      { backend: 'webgl', stepsPerSecond: 0.8 },
      { backend: 'wasm', stepsPerSecond: 3.1 },
    ]);
    expect(verdict).toEqual({ backend: 'wasm', summary: 'wasm 3.10 steps/s, webgl 0.80: wasm' });
    expect(chooseByRate([{ backend: 'webgl', stepsPerSecond: 14.2 }, { backend: 'wasm', stepsPerSecond: 11.8 }])).toEqual({
      backend: 'webgl',
      summary: 'webgl 14.2 steps/s, wasm 11.8: webgl',
    });
  });

  it('keeps the preferred one on a tie, skips failures and gives up when nothing ran', () => {
    expect(chooseByRate([{ backend: 'webgl', stepsPerSecond: 2 }, { backend: 'wasm', stepsPerSecond: 2 }])?.backend).toBe('webgl');
    const verdict = chooseByRate([{ backend: 'webgl', failed: 'webgl did not start' }, { backend: 'wasm', stepsPerSecond: 1 }]);
    expect(verdict).toEqual({ backend: 'wasm', summary: 'wasm 1.00 steps/s, webgl failed: wasm' });
    expect(chooseByRate([{ backend: 'webgl', failed: 'lost' }])).toBeNull();
    expect(describeRates([])).toBe('');
  });

  it('times webgl and wasm; webgpu stays opt-in and cpu is timed only without wasm', () => {
    expect(trialCandidates(['webgl', 'wasm', 'cpu', 'webgpu'])).toEqual(['webgl', 'wasm']);
    expect(trialCandidates(['webgl', 'cpu'])).toEqual(['webgl', 'cpu']);
    expect(trialCandidates(['wasm', 'cpu'])).toEqual(['wasm']);
  });

  it('keys a choice by the backends and the step’s work to a factor of two', () => {
    expect(choiceKey(['webgl', 'wasm'], 2 ** 31)).toBe('wasm,webgl|2^31');
    expect(choiceKey(['wasm', 'webgl'], 2 ** 31 * 1.1)).toBe(choiceKey(['webgl', 'wasm'], 2 ** 31));
    expect(choiceKey(['webgl', 'wasm'], 2 ** 32)).not.toBe(choiceKey(['webgl', 'wasm'], 2 ** 31));
    expect(choiceKey(['wasm'], 2 ** 31)).not.toBe(choiceKey(['webgl', 'wasm'], 2 ** 31));
  });
});

describe('BackendHost with auto', () => {
  const data = { count: 0 } as unknown as MnistSplit;

  function host(rates: Partial<Record<BackendName, number>>, available: BackendName[] = ['webgl', 'wasm', 'cpu']) {
    let current: BackendName = 'cpu';
    const timed: BackendName[] = [];
    const memory = memoryChoices();
    const backends = new BackendHost({
      probeBackends: () => ({ available }),
      selectBackend: async (choice) => {
        current = choice === 'auto' ? available[0] : choice;
        return { backend: current, detail: current };
      },
      timeSteps: async () => {
        timed.push(current);
        return rates[current] ?? 0;
      },
      backendChoices: memory,
    });
    const events: BackendTrialEvent[] = [];
    const trial = { runId: 'r', loadData: async () => data, post: (event: BackendTrialEvent) => events.push(event) };
    return { backends, timed, events, trial, memory };
  }

  it('measures each candidate at the first Train, takes the fastest and remembers it', async () => {
    const h = host({ webgl: 0.8, wasm: 3.1 });
    const selection = await h.backends.selectForRun(DEFAULT_CONFIG, h.trial);
    expect(selection.backend).toBe('wasm');
    expect(h.timed).toEqual(['webgl', 'wasm']);
    expect(h.events.map((e) => [e.phase, e.current ?? e.chosen])).toEqual([
      ['measuring', 'webgl'],
      ['measuring', 'wasm'],
      ['done', 'wasm'],
    ]);
    expect(h.events[2].summary).toBe('wasm 3.10 steps/s, webgl 0.80: wasm');
    const key = choiceKey(['webgl', 'wasm'], recipeCost(DEFAULT_CONFIG.recipe).flopsPerStep);
    expect(await h.memory.get(key)).toEqual(expect.objectContaining({ backend: 'wasm' }));

    const again = await h.backends.selectForRun(DEFAULT_CONFIG, h.trial);
    expect(again.backend).toBe('wasm');
    expect(h.timed).toHaveLength(2);
    expect(h.events.at(-1)).toEqual(expect.objectContaining({ phase: 'remembered', chosen: 'wasm' }));

    await h.backends.forgetChoices();
    await h.backends.selectForRun(DEFAULT_CONFIG, h.trial);
    expect(h.timed).toHaveLength(4);
  });

  it('measures again for a recipe of another size', async () => {
    const h = host({ webgl: 5, wasm: 3 });
    expect((await h.backends.selectForRun(DEFAULT_CONFIG, h.trial)).backend).toBe('webgl');
    const bigger = { ...DEFAULT_CONFIG, recipe: { ...DEFAULT_CONFIG.recipe, batchSize: DEFAULT_CONFIG.recipe.batchSize * 4 } };
    await h.backends.selectForRun(bigger, h.trial);
    expect(h.timed).toHaveLength(4);
  });

  it('leaves a chosen backend alone and measures nothing', async () => {
    const h = host({ webgl: 5, wasm: 3 });
    const selection = await h.backends.selectForRun({ ...DEFAULT_CONFIG, backend: 'cpu' }, h.trial);
    expect(selection.backend).toBe('cpu');
    expect(h.timed).toEqual([]);
    expect(h.events).toEqual([]);
  });
});
