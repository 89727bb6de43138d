// Small statistics the fits share: mean, nearest-rank quantiles of unsorted samples, means per
// request size and weighted least squares on a line. Plain numbers in, plain numbers out; no
// fitting policy.
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

/**
 * The mean of `value` over `rows` for each request size (`bytes[row]`) with at least `minN`
 * rows, smallest size first; `n` is the number of rows of that size.
 */
export function sizeMeans(
  rows: readonly number[],
  bytes: ArrayLike<number>,
  value: (row: number) => number,
  minN: number,
): { bytes: number; meanNs: number; n: number }[] {
  const bySize = new Map<number, number[]>();
  for (const k of rows) {
    const list = bySize.get(bytes[k]);
    if (list === undefined) bySize.set(bytes[k], [value(k)]);
    else list.push(value(k));
  }
  return [...bySize.entries()]
    .filter(([, v]) => v.length >= minN)
    .map(([b, v]) => ({ bytes: b, meanNs: mean(v), n: v.length }))
    .sort((a, b) => a.bytes - b.bytes);
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
