/**
 * The Fréchet distance between two Gaussians fitted to feature vectors:
 *   FD = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½,
 * with the matrix square roots from a cyclic Jacobi eigensolver (symmetric matrices, ≤ 128
 * dimensions here: a few tens of milliseconds). Plain TypeScript, float64 throughout.
 */

export interface Gaussian {
  dims: number;
  mean: Float64Array;
  /** Row-major dims × dims covariance (unbiased, divided by count − 1). */
  covariance: Float64Array;
}

/** Mean and covariance of `count` row vectors of `dims` values each. */
export function fitGaussian(rows: Float32Array | Float64Array, dims: number): Gaussian {
  const count = rows.length / dims;
  if (!Number.isInteger(count) || count < 2) {
    throw new Error(`A Gaussian needs at least two ${dims}-dimensional vectors; got ${rows.length} values.`);
  }
  const mean = new Float64Array(dims);
  for (let r = 0; r < count; r++) for (let d = 0; d < dims; d++) mean[d] += rows[r * dims + d];
  for (let d = 0; d < dims; d++) mean[d] /= count;
  const covariance = new Float64Array(dims * dims);
  const centred = new Float64Array(dims);
  for (let r = 0; r < count; r++) {
    for (let d = 0; d < dims; d++) centred[d] = rows[r * dims + d] - mean[d];
    for (let i = 0; i < dims; i++) {
      const ci = centred[i];
      if (ci === 0) continue;
      const row = i * dims;
      for (let j = i; j < dims; j++) covariance[row + j] += ci * centred[j];
    }
  }
  for (let i = 0; i < dims; i++) {
    for (let j = i; j < dims; j++) {
      const value = covariance[i * dims + j] / (count - 1);
      covariance[i * dims + j] = value;
      covariance[j * dims + i] = value;
    }
  }
  return { dims, mean, covariance };
}

export interface Eigen {
  /** Eigenvalues, in no particular order. */
  values: Float64Array;
  /** Row-major n × n; column k is the eigenvector of values[k]. */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of a symmetric n × n matrix (row-major; not modified) by cyclic Jacobi
 * rotations, until the off-diagonal mass is below 1e-24 of the total or 100 sweeps.
 */
export function symmetricEigen(matrix: Float64Array, n: number): Eigen {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += a[i] * a[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off <= 1e-24 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        // Rotation angle that zeroes a[p][q] (Numerical Recipes' stable form).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/** The symmetric square root of a symmetric positive semi-definite matrix (negative rounding clipped). */
export function sqrtPsd(matrix: Float64Array, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const root = Math.sqrt(Math.max(values[k], 0));
    if (root === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k] * root;
      if (vik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += vik * vectors[j * n + k];
    }
  }
  return out;
}

function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j];
    }
  }
  return out;
}

/** The Fréchet distance between two Gaussians of the same dimension. */
export function frechetDistance(x: Gaussian, y: Gaussian): number {
  const n = x.dims;
  if (y.dims !== n) throw new Error(`Fréchet distance between ${n}- and ${y.dims}-dimensional Gaussians.`);
  let meanTerm = 0;
  for (let d = 0; d < n; d++) meanTerm += (x.mean[d] - y.mean[d]) ** 2;
  let traces = 0;
  for (let d = 0; d < n; d++) traces += x.covariance[d * n + d] + y.covariance[d * n + d];
  const root = sqrtPsd(x.covariance, n);
  const product = multiply(multiply(root, y.covariance, n), root, n);
  // Symmetrise against rounding before the eigensolver.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const mean = (product[i * n + j] + product[j * n + i]) / 2;
      product[i * n + j] = mean;
      product[j * n + i] = mean;
    }
  }
  const { values } = symmetricEigen(product, n);
  let traceRoot = 0;
  for (const value of values) traceRoot += Math.sqrt(Math.max(value, 0));
  return Math.max(meanTerm + traces - 2 * traceRoot, 0);
}
