// Small statistics the fits share: mean, nearest-rank quantiles of unsorted samples, weighted
// least squares on a line, and a two-component Gaussian mixture fitted by EM (for telling a
// cache-hit cluster from the rest). Plain numbers in, plain numbers out; no fitting policy.
import { quantileOfSorted } from './quality.js';

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length > 0 ? s / xs.length : 0;
}

/** Nearest-rank quantile u (0..1) of a sample in any order (sorts a copy). */
export function quantile(xs: ArrayLike<number>, u: number): number {
  return quantileOfSorted(Float64Array.from(xs).sort(), u);
}

/** y = a + b·x by least squares with weights w; b = 0 when x does not vary. */
export function weightedLine(
  x: readonly number[],
  y: readonly number[],
  w: readonly number[],
): { a: number; b: number } {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    sw += w[i];
    sx += w[i] * x[i];
    sy += w[i] * y[i];
  }
  if (sw === 0) return { a: 0, b: 0 };
  const mx = sx / sw;
  const my = sy / sw;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    sxx += w[i] * (x[i] - mx) ** 2;
    sxy += w[i] * (x[i] - mx) * (y[i] - my);
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  return { a: my - b * mx, b };
}

/** Two normal components: weight, mean and standard deviation of each, low mean first. */
export interface Mixture2 {
  weight: [number, number];
  mu: [number, number];
  sigma: [number, number];
  /** Ashman's D = √2·|μ1 − μ2| / √(σ1² + σ2²); above 2 the components are clearly separated. */
  ashmanD: number;
  /** Point between the means where both components are equally likely (the split). */
  split: number;
}

/** EM iterations; the log-likelihood of these samples settles well within this many. */
const EM_ITERATIONS = 200;
/** Floor on a component's standard deviation, in the sample's units (avoids collapse on a tie). */
const SIGMA_FLOOR = 1e-3;

function normalPdf(x: number, mu: number, sigma: number): number {
  const z = (x - mu) / sigma;
  return Math.exp(-0.5 * z * z) / sigma;
}

/**
 * Fits two normal components to `xs` by expectation-maximisation, started from the split at
 * the sample's midrange of the two halves (lower and upper half around the median). Returns
 * undefined for fewer than 10 samples or no spread.
 */
export function fitMixture2(xs: ArrayLike<number>): Mixture2 | undefined {
  const n = xs.length;
  if (n < 10) return undefined;
  const sorted = Float64Array.from(xs).sort();
  if (sorted[n - 1] === sorted[0]) return undefined;
  const w: [number, number] = [0.5, 0.5];
  const half = n >> 1;
  const mu: [number, number] = [mean(sorted.subarray(0, half)), mean(sorted.subarray(half))];
  const spread = (sorted[n - 1] - sorted[0]) / 4;
  const sigma: [number, number] = [spread, spread];
  const resp = new Float64Array(n);
  for (let it = 0; it < EM_ITERATIONS; it++) {
    for (let i = 0; i < n; i++) {
      const p0 = w[0] * normalPdf(sorted[i], mu[0], sigma[0]);
      const p1 = w[1] * normalPdf(sorted[i], mu[1], sigma[1]);
      resp[i] = p0 + p1 > 0 ? p0 / (p0 + p1) : sorted[i] < (mu[0] + mu[1]) / 2 ? 1 : 0;
    }
    let r0 = 0;
    let s0 = 0;
    let s1 = 0;
    for (let i = 0; i < n; i++) {
      r0 += resp[i];
      s0 += resp[i] * sorted[i];
      s1 += (1 - resp[i]) * sorted[i];
    }
    const r1 = n - r0;
    if (r0 < 1 || r1 < 1) return undefined;
    mu[0] = s0 / r0;
    mu[1] = s1 / r1;
    let v0 = 0;
    let v1 = 0;
    for (let i = 0; i < n; i++) {
      v0 += resp[i] * (sorted[i] - mu[0]) ** 2;
      v1 += (1 - resp[i]) * (sorted[i] - mu[1]) ** 2;
    }
    sigma[0] = Math.max(SIGMA_FLOOR, Math.sqrt(v0 / r0));
    sigma[1] = Math.max(SIGMA_FLOOR, Math.sqrt(v1 / r1));
    w[0] = r0 / n;
    w[1] = r1 / n;
  }
  const lo = mu[0] <= mu[1] ? 0 : 1;
  const hi = 1 - lo;
  const m: Mixture2 = {
    weight: [w[lo], w[hi]],
    mu: [mu[lo], mu[hi]],
    sigma: [sigma[lo], sigma[hi]],
    ashmanD: (Math.SQRT2 * Math.abs(mu[hi] - mu[lo])) / Math.sqrt(sigma[lo] ** 2 + sigma[hi] ** 2),
    split: (mu[lo] + mu[hi]) / 2,
  };
  // Bisection for the equal-likelihood point between the means.
  let a = m.mu[0];
  let b = m.mu[1];
  for (let k = 0; k < 60; k++) {
    const x = (a + b) / 2;
    const p0 = m.weight[0] * normalPdf(x, m.mu[0], m.sigma[0]);
    const p1 = m.weight[1] * normalPdf(x, m.mu[1], m.sigma[1]);
    if (p0 > p1) a = x;
    else b = x;
  }
  m.split = (a + b) / 2;
  return m;
}
