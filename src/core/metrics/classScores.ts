/**
 * What the evaluation classifier's class probabilities say about a set of digits: the MNIST
 * score (the Inception score's analogue, exp E[KL(p(y|x) ‖ p(y))]: 10 for confident predictions
 * spread evenly over the ten digits, 1 for unreadable or single-class output) and the class
 * histogram (which digits the generator writes, and how evenly).
 */

export const CLASSES = 10;

/**
 * exp(mean over rows of KL(p(y|x) ‖ p(y))), p(y) the mean of the rows. Rows of `classes`
 * probabilities (10 for MNIST; an imported dataset's classifier has its own count, and the score
 * then runs from 1 to that count).
 */
export function mnistScore(probabilities: Float32Array | Float64Array, classes = CLASSES): number {
  const count = probabilities.length / classes;
  const marginal = new Float64Array(classes);
  for (let r = 0; r < count; r++) for (let c = 0; c < classes; c++) marginal[c] += probabilities[r * classes + c];
  for (let c = 0; c < classes; c++) marginal[c] /= count;
  let kl = 0;
  for (let r = 0; r < count; r++) {
    for (let c = 0; c < classes; c++) {
      const p = probabilities[r * classes + c];
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
  /** The rarest class's share of the digits (0.1 when perfectly even over ten classes). */
  smallestShare: number;
}

/** A class counts as covered when it holds at least 1% of the digits (a tenth of an even share). */
export const MODE_SHARE = 0.01;

/** The argmax counts of rows of `classes` probabilities. */
export function classHistogram(probabilities: Float32Array | Float64Array, classes = CLASSES): ClassHistogram {
  const count = probabilities.length / classes;
  const counts = new Array<number>(classes).fill(0);
  for (let r = 0; r < count; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (probabilities[r * classes + c] > probabilities[r * classes + best]) best = c;
    }
    counts[best]++;
  }
  return {
    counts,
    modes: counts.filter((n) => n >= MODE_SHARE * count).length,
    smallestShare: Math.min(...counts) / count,
  };
}
