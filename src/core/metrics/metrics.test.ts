import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { classHistogram, mnistScore } from './classScores';
import { fitGaussian, frechetDistance, sqrtPsd, symmetricEigen } from './frechet';

function gaussianRows(count: number, dims: number, shift: number[], seed: number): Float64Array {
  const rng = new Rng(seed);
  const rows = new Float64Array(count * dims);
  for (let r = 0; r < count; r++) for (let d = 0; d < dims; d++) rows[r * dims + d] = rng.nextNormal() + (shift[d] ?? 0);
  return rows;
}

describe('symmetric eigensolver', () => {
  it('finds the eigenvalues of known matrices', () => {
    const { values } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect(Array.from(values).sort()).toEqual([1, 3].map((v) => expect.closeTo(v, 12)));
    const diag = symmetricEigen(Float64Array.from([5, 0, 0, 0, -1, 0, 0, 0, 2]), 3);
    expect(Array.from(diag.values)).toEqual([5, -1, 2]);
  });

  it('reconstructs a random 64×64 symmetric matrix from its eigenvectors', () => {
    const n = 64;
    const rng = new Rng(3);
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) m[i * n + j] = m[j * n + i] = rng.nextNormal();
    const { values, vectors } = symmetricEigen(m, n);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += vectors[i * n + k] * values[k] * vectors[j * n + k];
        worst = Math.max(worst, Math.abs(sum - m[i * n + j]));
      }
    }
    expect(worst).toBeLessThan(1e-10);
  });

  it('takes square roots of positive semi-definite matrices', () => {
    const root = sqrtPsd(Float64Array.from([5, 4, 4, 5]), 2);
    // [[2, 1], [1, 2]]² = [[5, 4], [4, 5]].
    expect(Array.from(root).map((v) => Number(v.toFixed(10)))).toEqual([2, 1, 1, 2]);
  });
});

describe('Fréchet distance', () => {
  it('is 0 for identical sets', () => {
    const rows = gaussianRows(500, 16, [], 1);
    const g = fitGaussian(rows, 16);
    expect(frechetDistance(g, g)).toBeLessThan(1e-8);
  });

  it('is ‖Δμ‖² between Gaussians that differ only by a shift', () => {
    const dims = 8;
    const rows = gaussianRows(400, dims, [], 2);
    const shift = [3, -1, 0, 0, 2, 0, 0, 0.5];
    const shifted = rows.map((v, i) => v + shift[i % dims]);
    const fd = frechetDistance(fitGaussian(rows, dims), fitGaussian(shifted, dims));
    expect(fd).toBeCloseTo(9 + 1 + 4 + 0.25, 6);
  });

  it('matches the closed form for diagonal covariances', () => {
    // FD = Σ (σ₁ − σ₂)² for zero means and diagonal covariances σ².
    const x = { dims: 3, mean: new Float64Array(3), covariance: Float64Array.from([4, 0, 0, 0, 1, 0, 0, 0, 9]) };
    const y = { dims: 3, mean: new Float64Array(3), covariance: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]) };
    expect(frechetDistance(x, y)).toBeCloseTo(1 + 0 + 4, 10);
  });

  it('fits the covariance of samples', () => {
    const g = fitGaussian(Float64Array.from([0, 0, 2, 2]), 2);
    expect(Array.from(g.mean)).toEqual([1, 1]);
    expect(Array.from(g.covariance)).toEqual([2, 2, 2, 2]);
  });
});

describe('MNIST score and class histogram', () => {
  const oneHot = (classes: number[]) => {
    const p = new Float32Array(classes.length * 10);
    classes.forEach((c, r) => (p[r * 10 + c] = 1));
    return p;
  };

  it('is 10 for confident predictions spread evenly, 1 for uniform or single-class ones', () => {
    expect(mnistScore(oneHot(Array.from({ length: 100 }, (_, i) => i % 10)))).toBeCloseTo(10, 10);
    expect(mnistScore(new Float32Array(1000).fill(0.1))).toBeCloseTo(1, 6);
    expect(mnistScore(oneHot(new Array(50).fill(3)))).toBeCloseTo(1, 10);
    expect(mnistScore(oneHot(Array.from({ length: 100 }, (_, i) => i % 2)))).toBeCloseTo(2, 10);
  });

  it('counts modes and the rarest class', () => {
    const classes = [...new Array(90).fill(1), ...Array.from({ length: 10 }, (_, i) => i)];
    const histogram = classHistogram(oneHot(classes));
    expect(histogram.counts).toEqual([1, 91, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(histogram.modes).toBe(10);
    expect(histogram.smallestShare).toBeCloseTo(0.01, 10);
    const two = classHistogram(oneHot(Array.from({ length: 200 }, (_, i) => 3 + (i % 2) * 4)));
    expect(two.modes).toBe(2);
    expect(two.smallestShare).toBe(0);
  });
});
