/**
 * Every layer kind, loss and regulariser on the GPU backends (unit tests cover cpu and wasm):
 * one small recipe holding them all — batch norm and transposed convolutions in G; spectral
 * norm, minibatch standard deviation and convolutions in D; hinge loss, R1 on every D update,
 * instance noise, class conditioning, a warmed-up average — trains on WebGL and on WebGPU (both
 * software devices here) with finite losses and a drawn grid. (This found transposed
 * convolutions broken on both: their spread was a rank-6 pad, which WebGL cannot compile and
 * WebGPU filled with zeros.)
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PRESETS } from '../src/core/presets';
import { type Recipe, encodeRecipe } from '../src/core/recipe';
import { byTestId, describeLab, drawnDigest, expectFiniteLossLines, launchChromium, openLab, waitForNumber } from './lab';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium(['--enable-unsafe-webgpu']);
});
afterAll(async () => {
  await browser?.close();
});

const dcgan = PRESETS.dcgan.recipe;
const everything: Recipe = {
  ...dcgan,
  generator: {
    ...dcgan.generator,
    inputSize: 16,
    layers: [
      { kind: 'dense', units: 7 * 7 * 8 },
      { kind: 'batchNorm' },
      { kind: 'relu' },
      { kind: 'reshape', shape: [7, 7, 8] },
      { kind: 'conv2dTranspose', filters: 4, kernel: 4, stride: 2 },
      { kind: 'batchNorm', momentum: 0.9 },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'conv2dTranspose', filters: 1, kernel: 4, stride: 2 },
      { kind: 'tanh' },
      { kind: 'reshape', shape: [784] },
    ],
  },
  discriminator: {
    ...dcgan.discriminator,
    layers: [
      { kind: 'reshape', shape: [28, 28, 1] },
      { kind: 'conv2d', filters: 4, kernel: 4, stride: 2, spectralNorm: true },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'conv2d', filters: 8, kernel: 4, stride: 2 },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'reshape', shape: [7 * 7 * 8] },
      { kind: 'minibatchStd' },
      { kind: 'dense', units: 16, spectralNorm: true },
      { kind: 'relu' },
      { kind: 'dropout', rate: 0.2 },
      { kind: 'dense', units: 1 },
    ],
  },
  loss: 'hinge',
  batchSize: 4,
  dStepsPerGStep: 2,
  lrSchedule: 'linear',
  average: { decay: 0.99, warmup: true },
  r1: { gamma: 1, every: 1 },
  instanceNoise: { std: 0.1, anneal: true },
  conditioning: 'class',
};

it.each(['webgl', 'webgpu'])('trains a recipe of every layer kind, loss and regulariser on %s', async (backend) => {
  // Two steps of an epoch of three: the losses and the grid are checked before the epoch's
  // quality measurement, which is slow on a software device and is not what is tested here.
  const lab = await openLab(
    browser,
    `/?backend=${backend}&epochs=1&stepsPerEpoch=3&checkpointEvery=1&logEvery=1&seed=4&recipe=${encodeRecipe(everything)}`,
  );
  const { page } = lab;
  try {
    await byTestId(page, 'train-button').click();
    await waitForNumber(lab, 'status-step', 2, 240_000);
    expect(await byTestId(page, 'status-backend').textContent()).toContain(backend);
    await expectFiniteLossLines(page);
    await drawnDigest(page, 'live-grid');
    await byTestId(page, 'stop-button').click();
    expect(await byTestId(page, 'error-message').count(), await describeLab(lab)).toBe(0);
    expect(lab.problems).toEqual([]);
  } finally {
    await lab.close();
  }
});
