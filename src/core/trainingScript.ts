/**
 * A run's recipe as one self-contained PyTorch training script, for a GPU machine or a cluster:
 * the same data scaling, networks, losses, regularisers, optimisers and schedule as the lab, on
 * one device (`python train.py`) or many (`torchrun --nproc_per_node=N train.py`), saving G as
 * Keras 2 `.h5` files (docs: the README's "Outgrowing the browser") that the lab imports.
 * tfjs-free: the page writes the script itself.
 */
import { type Recipe, checkRecipe, upgradeSavedRecipe } from './recipe';
import { TRAINING_SCRIPT_BODY } from './trainingScriptBody';

export interface TrainingScriptOptions {
  /** What the run is called ("seed", a preset's or a run's name), for the script's title. */
  name: string;
  epochs: number;
  stepsPerEpoch: number;
  /** G is saved every this many epochs, after the first and after the last. */
  saveEvery: number;
  seed: number;
}

/** Why a recipe or its settings cannot become a script, in a sentence the user can act on. */
export class TrainingScriptError extends Error {
  override name = 'TrainingScriptError';
}

/** The file name the lab gives the script: "<name>-train.py", the name made safe for a file. */
export function trainingScriptFileName(name: string): string {
  const safe = name.trim().replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return `${safe || 'mnist-gan'}-train.py`;
}

function wholeNumber(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new TrainingScriptError(`The script's ${field} must be a whole number of at least 1, got ${value}.`);
  }
  return value;
}

/**
 * The script's text. Throws TrainingScriptError for a recipe checkRecipe refuses (naming the
 * field) or settings that are not whole positive numbers.
 */
export function trainingScript(recipe: Recipe, options: TrainingScriptOptions): string {
  // A run saved before some recipe fields existed trains as it did: with them off.
  const { recipe: checked, problems } = checkRecipe(upgradeSavedRecipe(recipe));
  if (!checked) {
    throw new TrainingScriptError(`This recipe cannot be written as a training script: ${problems.map((p) => p.message).join(' ')}`);
  }
  const run = {
    name: options.name,
    epochs: wholeNumber('epochs', options.epochs),
    stepsPerEpoch: wholeNumber('steps per epoch', options.stepsPerEpoch),
    saveEvery: wholeNumber('save interval', options.saveEvery),
    seed: Number.isInteger(options.seed) && options.seed >= 0 ? options.seed : 0,
  };
  // The recipe is embedded as JSON in a raw triple-quoted string: checkRecipe lets through only
  // numbers, booleans and known words, none of which can close it.
  const recipeJson = JSON.stringify(checked, null, 2);
  const title = `MNIST GAN Lab: the recipe of "${run.name.replace(/["\\\n]/g, ' ')}" as a PyTorch training script.`;
  const header = `#!/usr/bin/env python3
"""${title}

It trains the recipe below as the lab does: digits scaled (x - 127.5) / 127.5, the same networks
layer by layer, the same losses, regularisers, Adam (Keras' epsilon), schedule and weight average.
Every --save-every epochs (and after the first and the last) it writes the generator (the
averaged one where the recipe keeps an average) as a Keras 2 .h5 file,
OUT/gan_generator_epoch_<N>.h5, which the lab's import-generator takes back.

One device:      python train.py --data DIR --out DIR
Several GPUs:    torchrun --nproc_per_node=N train.py --data DIR --out DIR
                 (DistributedDataParallel; the recipe's batch is split over the N processes,
                 each drawing from its own share of the digits; only the first one saves)

DIR holds the MNIST IDX files (train-images-idx3-ubyte, and train-labels-idx1-ubyte for a
class-conditional recipe), raw or .gz. Needs torch and numpy, and h5py to save.
"""
import argparse
import copy
import gzip
import json
import math
import os
import sys
import time

# The whole recipe, as the lab holds it: the record of what this script trains.
RECIPE = json.loads(r'''
${recipeJson}
''')

# The run's length, checkpoints and seed as the lab had them; the command line overrides them.
RUN = ${JSON.stringify(run)}

`;
  return header + TRAINING_SCRIPT_BODY;
}
