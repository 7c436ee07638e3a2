/**
 * `npm run profile -- [--backend wasm] [--preset seed] [--by-shape] [--browser] [--save] [--allow-dirty]`:
 * where one training step's time goes, per tfjs kernel (summed over the step; nested scopes
 * such as `forward` are listed too and overlap the kernels inside them), and the matrix
 * products' speed in GFLOP/s (stepProfile.ts).
 *
 * In Node it runs on one thread. `--browser` runs it in a worker of headless Chromium on the
 * wasm backend as the lab starts it, cross-origin isolated (served by Vite's dev server), and
 * takes every figure twice, with the kernels split over every core and on one thread,
 * alternating, so that the two can be compared on a shared machine. `--save` also writes what it prints to
 * bench/results/<date>-<commit>-profile-<preset>-<backend>[-browser].txt (a clean tree is
 * required unless --allow-dirty).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { isPresetName } from '../src/core/presets';
import { profileInChromium } from './profileInBrowser';
import { type Provenance, provenance, resultStem } from './provenance';
import { profileSteps } from './stepProfile';

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? args[index + 1] : fallback;
}

export async function main(args: string[]): Promise<void> {
  const root = resolve('.');
  const origin: Provenance | null = args.includes('--save') ? provenance(root, args.includes('--allow-dirty')) : null;
  const preset = option(args, 'preset', 'seed');
  if (!isPresetName(preset)) throw new Error(`Unknown preset "${preset}".`);
  const byShape = args.includes('--by-shape');
  const browser = args.includes('--browser');
  let backend = option(args, 'backend', 'wasm');
  let lines: string[];
  if (browser) {
    if (backend !== 'wasm') throw new Error('--browser profiles the wasm backend only.');
    lines = await profileInChromium(root, { preset, byShape });
  } else {
    await tf.setBackend(backend);
    backend = tf.getBackend();
    lines = await profileSteps({ preset, byShape, where: 'Node' });
  }
  if (origin) {
    lines.unshift(`commit ${origin.commit}${origin.dirty ? ' (uncommitted changes)' : ''} · ${origin.machine.cpu} · ${origin.machine.cores} cores · Node ${origin.machine.node}`);
  }
  for (const line of lines) console.log(line);
  if (origin) {
    const dir = resolve('bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${resultStem(origin)}-profile-${preset}-${backend}${browser ? '-browser' : ''}.txt`);
    writeFileSync(file, `npm run profile -- ${args.join(' ')}\n${lines.join('\n')}\n`);
    console.log(`Wrote ${file}`);
  }
}
