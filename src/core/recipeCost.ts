/**
 * What a recipe costs and how it reads, before anything trains: parameters of G and D, the
 * arithmetic of one training step, a time per epoch from a throughput measured on this
 * device, and a one-line description ("custom: seed with loss hinge, …"). tfjs-free.
 */
import { type NetworkSpec, labelLayerIndex, layerOutputShapes, parameterCount } from './architecture';
import { PRESETS, type PresetName } from './presets';
import { type Recipe, recipeDifferences, recipeNetworks } from './recipe';

export interface RecipeCost {
  generatorParameters: number;
  discriminatorParameters: number;
  /** Floating-point operations (2 per multiply-add) of one training step, all D updates included. */
  flopsPerStep: number;
}

/** Multiply-adds of one example through the network's dense and conv layers. */
export function multiplyAdds(spec: NetworkSpec): number {
  const shapes = layerOutputShapes(spec);
  const labelled = spec.classes ? labelLayerIndex(spec) : -1;
  let input = [spec.inputSize];
  let total = 0;
  spec.layers.forEach((layer, index) => {
    const output = shapes[index];
    if (layer.kind === 'dense') total += (input[0] + (index === labelled ? spec.classes! : 0)) * layer.units;
    if (layer.kind === 'conv2d') total += layer.kernel * layer.kernel * input[2] * output[0] * output[1] * layer.filters;
    // A transposed conv spreads every input pixel over a k×k patch of every output channel.
    if (layer.kind === 'conv2dTranspose') total += layer.kernel * layer.kernel * input[2] * input[0] * input[1] * layer.filters;
    input = output;
  });
  return total;
}

/**
 * One step: each D update runs G forward on a batch and D forward and backward (input and
 * weight gradients, about twice the forward) on a real and a fake batch; the G update runs G
 * forward and backward, and D forward and backward to its input only. R1, on one D update in
 * `every`, adds D's forward and input gradient on the real batch and their differentiation for
 * the weights: about four forward passes. Elementwise work (activations, dropout, Adam) is left
 * out: it is a few percent of the step here.
 */
export function recipeCost(recipe: Recipe): RecipeCost {
  const networks = recipeNetworks(recipe);
  const g = 2 * multiplyAdds(networks.generator);
  const d = 2 * multiplyAdds(networks.discriminator);
  const batch = recipe.batchSize;
  const dUpdate = batch * (g + 3 * d * 2);
  const gUpdate = batch * (3 * g + 2 * d);
  const r1 = recipe.r1 ? (recipe.dStepsPerGStep / recipe.r1.every) * batch * 4 * d : 0;
  return {
    generatorParameters: parameterCount(networks.generator),
    discriminatorParameters: parameterCount(networks.discriminator),
    flopsPerStep: recipe.dStepsPerGStep * dUpdate + gUpdate + r1,
  };
}

/** Seconds per epoch at `flopsPerSecond`, the rate a run on this device reached. */
export function secondsPerEpoch(cost: RecipeCost, stepsPerEpoch: number, flopsPerSecond: number): number {
  return (cost.flopsPerStep * stepsPerEpoch) / flopsPerSecond;
}

/** The preset's label when the recipe is the preset's own, else "custom" and what differs. */
export function describeRecipe(preset: PresetName, recipe: Recipe): { custom: boolean; text: string } {
  const base = PRESETS[preset];
  const differences = recipeDifferences(base.recipe, recipe);
  if (differences.length === 0) return { custom: false, text: base.label };
  const shown = differences.slice(0, 4).map((d) => `${d.field} ${formatValue(d.value)}`);
  const more = differences.length > shown.length ? `, and ${differences.length - shown.length} more` : '';
  return { custom: true, text: `custom (from ${preset}: ${shown.join(', ')}${more})` };
}

function formatValue(value: unknown): string {
  if (value === undefined) return '(removed)';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}
