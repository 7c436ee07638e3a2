import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type RunConfig, totalSteps } from './config';
import { PRESETS } from './presets';
import {
  CheckpointError,
  decodeSnapshot,
  encodeSnapshot,
  type FullSnapshot,
  restoreGan,
  snapshotGan,
  snapshotGenerator,
} from './checkpointCodec';
import { type Gan, createGan, disposeGan } from './gan';
import { type LoopHooks, runTraining } from './trainingLoop';
import { syntheticSplit } from '../testing/syntheticMnist';

const hooks: LoopHooks = {
  now: () => performance.now(),
  yieldToEvents: async () => {},
  continueWhenUnpaused: async () => true,
  onLosses: () => {},
  onProgress: () => {},
  onEpochEnd: async () => {},
};

function config(epochs: number, preset = 'seed'): RunConfig {
  return parseConfig({ preset, backend: 'cpu', epochs, stepsPerEpoch: 2, batchSize: 2, logEvery: 1, seed: 11 })
    .config;
}

/** Every number training depends on, as raw bits. */
async function state(gan: Gan): Promise<Uint32Array[]> {
  const full = await snapshotGan(gan, config(1), 0);
  const arrays = [
    ...full.generator,
    ...full.discriminator,
    ...full.gOptimizer.m,
    ...full.gOptimizer.v,
    ...full.dOptimizer.m,
    ...full.dOptimizer.v,
    ...(full.generatorAverage ?? []),
  ];
  return arrays.map((a) => new Uint32Array(a.buffer, a.byteOffset, a.length));
}

function sameBits(a: Uint32Array[], b: Uint32Array[]): { tensor: number; index: number } | null {
  for (let t = 0; t < a.length; t++) {
    if (a[t].length !== b[t].length) return { tensor: t, index: -1 };
    for (let i = 0; i < a[t].length; i++) if (a[t][i] !== b[t][i]) return { tensor: t, index: i };
  }
  return null;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('checkpoint codec', () => {
  const data = syntheticSplit(16, 4);

  for (const preset of ['seed', 'seed-ema'] as const) {
    it(`resumes ${preset} exactly: N steps, save as bytes, restore, N more == 2N uninterrupted (bitwise)`, async () => {
      const straight = createGan(config(2, preset).recipe, 11, totalSteps(config(2, preset)));
      await runTraining(straight, data, config(2, preset), 0, hooks);

      const first = createGan(config(1, preset).recipe, 11, totalSteps(config(1, preset)));
      await runTraining(first, data, config(1, preset), 0, hooks);
      const bytes = encodeSnapshot(await snapshotGan(first, config(1, preset), 2));
      disposeGan(first);
      // A copy, as IndexedDB or a file would hand it back.
      const restored = restoreGan(decodeSnapshot(bytes.slice(0)) as FullSnapshot);
      expect(restored.gOptimizer.iterations).toBe(2);
      expect(Boolean(restored.gAverage)).toBe(preset === 'seed-ema');
      await runTraining(restored, data, config(2, preset), 2, hooks);

      expect(restored.gOptimizer.iterations).toBe(straight.gOptimizer.iterations);
      expect(restored.dOptimizer.iterations).toBe(straight.dOptimizer.iterations);
      const [a, b] = [await state(restored), await state(straight)];
      expect(a.length).toBe(preset === 'seed-ema' ? 56 : 48);
      expect(sameBits(a, b)).toBeNull();
      disposeGan(restored);
      disposeGan(straight);
    });
  }

  it('round-trips a generator snapshot and rejects damaged or foreign bytes', async () => {
    const gan = createGan(PRESETS.seed.recipe, 5);
    const snapshot = await snapshotGenerator(gan, 7, 'seed');
    const bytes = encodeSnapshot(snapshot);
    // 1,486,352 float32 weights plus a small header.
    expect(bytes.byteLength).toBeGreaterThan(1_486_352 * 4);
    expect(bytes.byteLength).toBeLessThan(1_486_352 * 4 + 4096);
    const back = decodeSnapshot(bytes);
    expect(back.kind).toBe('generator');
    expect(back.step).toBe(7);
    expect(back.generator.map((a) => a.length)).toEqual(snapshot.generator.map((a) => a.length));
    expect(Array.from(back.generator[6].subarray(0, 5))).toEqual(
      Array.from(snapshot.generator[6].subarray(0, 5)),
    );

    expect(() => decodeSnapshot(bytes.slice(0, bytes.byteLength - 4))).toThrow(/cut short/);
    expect(() => decodeSnapshot(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]).buffer)).toThrow(
      CheckpointError,
    );
    disposeGan(gan);
  });

  it('says which weight does not fit the architecture', async () => {
    const gan = createGan(PRESETS.seed.recipe, 5);
    const snapshot = await snapshotGenerator(gan, 1, 'seed');
    snapshot.generator[2] = new Float32Array(10);
    expect(() => encodeSnapshot(snapshot)).toThrow(
      /Weight 3 of the checkpoint's generator holds 10 values; its architecture needs shape \[256, 512\]/,
    );
    snapshot.generator.pop();
    expect(() => encodeSnapshot(snapshot)).toThrow(/7 weight tensors; its architecture needs 8/);
    disposeGan(gan);
  });
});
