/**
 * What the evaluation classifier's class probabilities say about a set of digits: the MNIST
 * score (the Inception score's analogue, exp E[KL(p(y|x) ‖ p(y))]: 10 for confident predictions
 * spread evenly over the ten digits, 1 for unreadable or single-class output) and the class
 * histogram (which digits the generator writes, and how evenly).
 */

export const CLASSES = 10;

/** exp(mean over rows of KL(p(y|x) ‖ p(y))), p(y) the mean of the rows. Rows of 10 probabilities. */
export function mnistScore(probabilities: Float32Array | Float64Array): number {
  const count = probabilities.length / CLASSES;
  const marginal = new Float64Array(CLASSES);
  for (let r = 0; r < count; r++) for (let c = 0; c < CLASSES; c++) marginal[c] += probabilities[r * CLASSES + c];
  for (let c = 0; c < CLASSES; c++) marginal[c] /= count;
  let kl = 0;
  for (let r = 0; r < count; r++) {
    for (let c = 0; c < CLASSES; c++) {
      const p = probabilities[r * CLASSES + c];
      if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[c]));
    }
  }
  return Math.exp(kl / count);
}

export interface ClassHistogram {
  /** How many digits the classifier assigns to each class (its argmax). */
  counts: number[];
  /** Classes holding at least `MODE_SHARE` of the digits. */
  modes: number;
  /** The rarest class's share of the digits (0.1 when perfectly even). */
  smallestShare: number;
}

/** A class counts as covered when it holds at least 1% of the digits (a tenth of an even share). */
export const MODE_SHARE = 0.01;

export function classHistogram(probabilities: Float32Array | Float64Array): ClassHistogram {
  const count = probabilities.length / CLASSES;
  const counts = new Array<number>(CLASSES).fill(0);
  for (let r = 0; r < count; r++) {
    let best = 0;
    for (let c = 1; c < CLASSES; c++) {
      if (probabilities[r * CLASSES + c] > probabilities[r * CLASSES + best]) best = c;
    }
    counts[best]++;
  }
  return {
    counts,
    modes: counts.filter((n) => n >= MODE_SHARE * count).length,
    smallestShare: Math.min(...counts) / count,
  };
}
