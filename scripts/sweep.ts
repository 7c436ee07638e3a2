/**
 * `npm run sweep -- [--minutes 5] [--only a,b] [--n 5000] [--seeds 3] [--epochs 3] [--seed 42]
 * [--out docs/runs/sweep] [--allow-dirty] [--list] [--table]`: trains each recipe of sweepRecipes.ts in
 * Node on wasm (one thread, the lab's own training step) for the same budget of CPU minutes,
 * then judges its generator as `npm run eval` does (judge.ts: FD, score and classes in the
 * evaluation classifier's features; C2ST by every critic design over `seeds` seeds, the
 * strongest reported), and writes under `out`:
 * - sweep.json: every row with its recipe, steps, CPU and wall minutes, figures and commit;
 *   the C2ST floor (real vs real), measured once for the sweep's settings;
 * - README.md: the table, best C2ST first;
 * - <name>.png: the first 100 of the judged digits.
 *
 * The budget is CPU time of this process, not wall time, so rows measured while the machine is
 * shared still compare: a recipe gets as many steps as its cost per step allows. The number of
 * steps is fixed before training from a short timed trial (10 CPU seconds), so that schedules
 * that end with the run (a linear learning-rate decay, annealed instance noise) know when it
 * ends; the table shows the CPU minutes each row used beside its budget.
 * `--table` only writes README.md again from the folder's sweep.json.
 * Rows are kept across invocations (`--only` reruns some); rows judged with other settings
 * (n, seeds, epochs) are dropped, as their figures would not compare.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DIGIT_PIXELS } from '../src/core/digits';
import { type Gan, allocateStepInputs, createGan, disposeGan, drawStepInputs, generate, trainStep } from '../src/core/gan';
import { C2ST_DEFAULTS, type C2stOptions, type CriticRun, asExported, criticSeeds, runCritic } from '../src/core/metrics/c2st';
import { CRITICS } from '../src/core/metrics/critics';
import type { MnistSplit } from '../src/core/mnistIdx';
import type { Recipe } from '../src/core/recipe';
import { Rng } from '../src/core/rng';
import { type ClassifierScores, type Judge, classifierScores, openJudge } from './judge';
import { loadMnist } from './mnistNode';
import { digitGridPng } from './pngGrid';
import { type Provenance, provenance } from './provenance';
import { SWEEP_RECIPES, type SweepRecipe, sweepRecipe } from './sweepRecipes';

interface Settings {
  n: number;
  seeds: number[];
  epochs: number;
}

interface C2stFigure {
  critic: string;
  mean: number;
  sd: number;
}

export interface SweepRow {
  name: string;
  base: string;
  change: string;
  recipe: Recipe;
  budgetCpuMinutes: number;
  steps: number;
  /** Steps planned from the trial; fewer when the losses stopped being finite. */
  plannedSteps: number;
  diverged: boolean;
  cpuMinutes: number;
  wallMinutes: number;
  fd: number;
  score: number;
  modes: number;
  smallestShare: number;
  counts: number[];
  /** The strongest critic's C2ST, and every critic's. */
  c2st: C2stFigure;
  critics: C2stFigure[];
  commit: string;
  dirty: boolean;
  date: string;
}

interface SweepFile {
  settings: Settings;
  /** Real vs real, per critic: the floor every row's C2ST is read against. */
  floor: C2stFigure[];
  machine: Provenance['machine'];
  rows: SweepRow[];
}

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? args[index + 1] : fallback;
}

function positive(args: string[], name: string, fallback: number, whole: boolean): number {
  const value = Number(option(args, name, String(fallback)));
  if (!(value > 0) || (whole && !Number.isInteger(value))) {
    throw new Error(`--${name} must be a positive ${whole ? 'whole ' : ''}number, got ${option(args, name, '')}.`);
  }
  return value;
}

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** Trial steps timed to plan a run (after two untimed ones): at least this many, and… */
const TRIAL_STEPS = 8;
/** …at least this many CPU seconds (8 steps read a quarter slow beside other work). */
const TRIAL_SECONDS = 10;

/** CPU seconds a training step of `recipe` takes here, from a short trial on a throwaway GAN. */
function secondsPerStep(recipe: Recipe, train: MnistSplit, seed: number): number {
  const gan = createGan(recipe, seed, 1000);
  const inputs = allocateStepInputs(recipe);
  try {
    let started = 0;
    let step = 1;
    for (; step <= TRIAL_STEPS + 2 || cpuSeconds() - started < TRIAL_SECONDS; step++) {
      if (step === 3) started = cpuSeconds();
      trainStep(gan, drawStepInputs(inputs, train, recipe, seed, step)).dispose();
    }
    return (cpuSeconds() - started) / (step - 3);
  } finally {
    disposeGan(gan);
  }
}

/** Trains `steps` steps; stops early, saying so, when a loss is no longer finite. */
async function train(gan: Gan, recipe: Recipe, data: MnistSplit, seed: number, steps: number, name: string) {
  const inputs = allocateStepInputs(recipe);
  for (let step = 1; step <= steps; step++) {
    const losses = trainStep(gan, drawStepInputs(inputs, data, recipe, seed, step));
    if (step % 200 === 0 || step === steps) {
      const [dLoss, gLoss, dReal, dFake] = await losses.data();
      losses.dispose();
      if (![dLoss, gLoss].every(Number.isFinite)) {
        console.log(`  ${name}: losses not finite at step ${step}; judged as it stands.`);
        return { steps: step, diverged: true };
      }
      if (step % 1000 === 0 || step === steps) {
        console.log(`  ${name} step ${step}/${steps}: D ${dLoss.toFixed(3)} G ${gLoss.toFixed(3)} D(x) ${dReal.toFixed(2)} D(G(z)) ${dFake.toFixed(2)}`);
      }
    } else {
      losses.dispose();
    }
  }
  return { steps, diverged: false };
}

/** n digits of G as the lab samples them (noise seed 12345; a conditional G draws 0–9 in turn). */
async function sample(gan: Gan, n: number): Promise<Float32Array> {
  const latent = gan.recipe.generator.inputSize;
  const rng = new Rng(12345);
  const out = new Float32Array(n * DIGIT_PIXELS);
  for (let start = 0; start < n; start += 500) {
    const rows = Math.min(500, n - start);
    const images = generate(gan, rng.fillNormal(new Float32Array(rows * latent)));
    out.set((await images.data()) as Float32Array, start * DIGIT_PIXELS);
    images.dispose();
  }
  return out;
}

const figure = (run: CriticRun): C2stFigure => ({ critic: run.critic, mean: run.mean, sd: run.sd });

/** Every critic's C2ST of `a` against the judge's real set A, the strongest first. */
async function criticFigures(a: Float32Array, realA: Float32Array, settings: Settings, options: C2stOptions): Promise<C2stFigure[]> {
  const figures: C2stFigure[] = [];
  for (const design of CRITICS) figures.push(figure(await runCritic(design, a, realA, settings.seeds, options)));
  return figures.sort((x, y) => y.mean - x.mean);
}

async function runRecipe(
  entry: SweepRecipe,
  context: { judge: Judge; train: MnistSplit; settings: Settings; options: C2stOptions; minutes: number; seed: number; origin: Provenance; out: string },
): Promise<SweepRow> {
  const { judge, settings, options, minutes, seed, origin, out } = context;
  const perStep = secondsPerStep(entry.recipe, context.train, seed);
  const plannedSteps = Math.max(10, Math.floor((minutes * 60) / perStep));
  console.log(`${entry.name}: ${entry.change}; ${(1 / perStep).toFixed(2)} steps per CPU second → ${plannedSteps} steps.`);
  const gan = createGan(entry.recipe, seed, plannedSteps);
  const cpuStart = cpuSeconds();
  const wallStart = Date.now();
  const { steps, diverged } = await train(gan, entry.recipe, context.train, seed, plannedSteps, entry.name);
  const cpuMinutes = (cpuSeconds() - cpuStart) / 60;
  const wallMinutes = (Date.now() - wallStart) / 60000;
  const generated = await sample(gan, settings.n);
  disposeGan(gan);
  writeFileSync(join(out, `${entry.name}.png`), digitGridPng(generated, Math.min(100, settings.n), 10));
  const scores: ClassifierScores = await classifierScores(judge, generated);
  // The digits as users get them (8-bit grey), as `npm run eval` judges them.
  const critics = await criticFigures(asExported(generated), judge.realA, settings, options);
  const row: SweepRow = {
    name: entry.name,
    base: entry.base,
    change: entry.change,
    recipe: entry.recipe,
    budgetCpuMinutes: minutes,
    steps,
    plannedSteps,
    diverged,
    cpuMinutes,
    wallMinutes,
    fd: scores.fd,
    score: scores.score,
    modes: scores.histogram.modes,
    smallestShare: scores.histogram.smallestShare,
    counts: [...scores.histogram.counts],
    c2st: critics[0],
    critics,
    commit: origin.commit,
    dirty: origin.dirty,
    date: origin.date,
  };
  console.log(`  ${entry.name}: FD ${row.fd.toFixed(2)}, C2ST ${c2stCell(row.c2st)}, ${row.modes} modes (smallest ${(100 * row.smallestShare).toFixed(1)}%)`);
  return row;
}

const c2stCell = (f: C2stFigure) => `${f.mean.toFixed(3)} ± ${f.sd.toFixed(3)} (${f.critic})`;

/** The table of sweep.json as markdown, best C2ST first. */
export function sweepTable(file: SweepFile): string {
  const rows = [...file.rows].sort((a, b) => a.c2st.mean - b.c2st.mean || a.fd - b.fd);
  const { n, seeds, epochs } = file.settings;
  const floor = file.floor[0];
  return [
    '# Recipe sweep',
    '',
    'Written by `npm run sweep` (scripts/sweep.ts, recipes in scripts/sweepRecipes.ts); the rows and',
    'their recipes are in `sweep.json`. Each recipe trained in Node on wasm, one thread, for its',
    'budget of CPU minutes (its steps planned from a short timed trial, so the minutes used differ a little), then was judged as `npm run eval` judges: ' +
      `${n} digits, FD in the evaluation classifier's features, C2ST by every critic over ${seeds.length} seeds ` +
      `(${epochs} epochs each; the strongest critic shown, mean ± sd).`,
    `Floor (real vs real, the same critics and seeds): ${file.floor.map(c2stCell).join(', ')}.`,
    `Machine: ${file.machine.cpu}, ${file.machine.cores} cores, Node ${file.machine.node}.`,
    '',
    '| recipe | change | CPU min (budget) | steps | steps/s | FD ↓ | score ↑ | C2ST ↓ | − floor | modes (smallest) | commit | grid |',
    '|---|---|---:|---:|---:|---:|---:|---|---:|---|---|---|',
    ...rows.map((r) =>
      `| ${r.name} | ${r.change}${r.diverged ? ' (losses not finite: stopped)' : ''} | ${r.cpuMinutes.toFixed(1)} (${r.budgetCpuMinutes}) | ${r.steps} | ` +
        `${(r.steps / (r.cpuMinutes * 60)).toFixed(2)} | ${r.fd.toFixed(2)} | ${r.score.toFixed(2)} | ${c2stCell(r.c2st)} | ` +
        `${(r.c2st.mean - (file.floor.find((f) => f.critic === r.c2st.critic) ?? floor).mean).toFixed(3)} | ` +
        `${r.modes} (${(100 * r.smallestShare).toFixed(1)}%) | ${r.commit}${r.dirty ? ' (dirty)' : ''} | ![${r.name}](${r.name}.png) |`,
    ),
    '',
  ].join('\n');
}

function readSweep(path: string, settings: Settings): SweepFile | null {
  if (!existsSync(path)) return null;
  const file = JSON.parse(readFileSync(path, 'utf8')) as SweepFile;
  const same = JSON.stringify(file.settings) === JSON.stringify(settings);
  if (!same) console.log(`${path} was judged with other settings (${JSON.stringify(file.settings)}): starting afresh.`);
  return same ? file : null;
}

export async function main(args: string[]): Promise<void> {
  if (args.includes('--list')) {
    for (const r of SWEEP_RECIPES) console.log(`${r.name.padEnd(16)} ${r.base.padEnd(9)} ${r.change}`);
    return;
  }
  if (args.includes('--table')) {
    const dir = resolve(option(args, 'out', 'docs/runs/sweep'));
    writeFileSync(join(dir, 'README.md'), sweepTable(JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepFile));
    console.log(`Wrote ${join(dir, 'README.md')} from its sweep.json.`);
    return;
  }
  const root = process.cwd();
  const origin = provenance(root, args.includes('--allow-dirty'));
  const minutes = positive(args, 'minutes', 5, false);
  const seed = positive(args, 'seed', 42, true);
  const settings: Settings = {
    n: positive(args, 'n', 5000, true),
    seeds: criticSeeds(positive(args, 'seeds', 3, true)),
    epochs: positive(args, 'epochs', C2ST_DEFAULTS.epochs, true),
  };
  const options: C2stOptions = { ...C2ST_DEFAULTS, epochs: settings.epochs };
  const only = option(args, 'only', '');
  const entries = only ? only.split(',').map(sweepRecipe) : [...SWEEP_RECIPES];
  const out = resolve(option(args, 'out', 'docs/runs/sweep'));
  mkdirSync(out, { recursive: true });
  const jsonPath = join(out, 'sweep.json');

  await tf.setBackend('wasm');
  const judge = await openJudge(root, settings.n);
  const { train } = loadMnist(root);
  try {
    let file = readSweep(jsonPath, settings);
    if (!file) {
      console.log(`Floor: the critics on two sets of ${settings.n} real digits…`);
      file = { settings, floor: await criticFigures(judge.realB, judge.realA, settings, options), machine: origin.machine, rows: [] };
      console.log(`Floor: ${file.floor.map(c2stCell).join(', ')}`);
    }
    for (const entry of entries) {
      const row = await runRecipe(entry, { judge, train, settings, options, minutes, seed, origin, out });
      // Another sweep into the same folder may have added rows meanwhile: keep them.
      file = readSweep(jsonPath, settings) ?? file;
      file.rows = [...file.rows.filter((r) => r.name !== row.name), row];
      writeFileSync(jsonPath, `${JSON.stringify(file, null, 1)}\n`);
      writeFileSync(join(out, 'README.md'), sweepTable(file));
    }
    console.log(`\n${sweepTable(file)}`);
    console.log(`Wrote ${jsonPath} and ${join(out, 'README.md')}.`);
  } finally {
    judge.dispose();
  }
}
