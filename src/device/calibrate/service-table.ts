// Empirical service-time tables from pure service samples (devices-metrics §2.5 step 3):
// samples are grouped into size classes with enough of them each, and every class gets the
// quantiles of its samples at evenly spaced probabilities (the format service-quantiles.ts
// samples from). Which samples, and what is subtracted from them first, is fit-ssd.ts's call.
import { QUANTILE_POINTS_MAX, SERVICE_CLASSES_MAX, type ServiceClass } from '../service-quantiles.js';

/** Fewest samples a size class needs; rarer sizes join a neighbouring class. */
export const MIN_CLASS_SAMPLES = 50;
/** Table values are rounded to the engine's resolution, 1 ns = 0.001 µs, and kept at least that. */
const RESOLUTION_US = 0.001;

export interface FittedTable {
  classes: ServiceClass[];
  /** Samples behind each class. */
  counts: number[];
}

/**
 * Quantiles of `sorted` (ascending) at probabilities i/(m−1), i = 0..m−1, interpolated
 * linearly between order statistics (h = p·(n−1)); with m = n they are the samples themselves.
 */
export function evenQuantiles(sorted: Float64Array, m: number): number[] {
  const n = sorted.length;
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    const h = m > 1 ? (i / (m - 1)) * (n - 1) : 0;
    const lo = Math.floor(h);
    const v = lo + 1 < n ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[n - 1];
    out.push(Math.max(RESOLUTION_US, Math.round(v * 1000) / 1000));
  }
  return out;
}

/** Size groups in ascending size: each gathers whole sizes until it has `min` samples. */
function groupSizes(sizes: [number, number][], min: number): [number, number][][] {
  const groups: [number, number][][] = [];
  let open: [number, number][] = [];
  let count = 0;
  for (const s of sizes) {
    open.push(s);
    count += s[1];
    if (count >= min) {
      groups.push(open);
      open = [];
      count = 0;
    }
  }
  // Leftover sizes (too few to stand alone) join the last class.
  if (open.length > 0 && groups.length > 0) groups[groups.length - 1].push(...open);
  return groups;
}

/**
 * A table of `valuesUs` (one per sample, µs) by the sample's size `bytes`, or undefined when
 * no class reaches MIN_CLASS_SAMPLES.
 */
export function fitServiceTable(
  bytes: ArrayLike<number>,
  valuesUs: ArrayLike<number>,
): FittedTable | undefined {
  const bySize = new Map<number, number[]>();
  for (let i = 0; i < bytes.length; i++) {
    const list = bySize.get(bytes[i]) ?? [];
    list.push(valuesUs[i]);
    bySize.set(bytes[i], list);
  }
  const sizes = [...bySize].map(([b, v]) => [b, v.length] as [number, number]).sort((a, b) => a[0] - b[0]);
  let min = MIN_CLASS_SAMPLES;
  let groups = groupSizes(sizes, min);
  // Many sizes: raise the floor so the classes fit the profile's limit.
  while (groups.length > SERVICE_CLASSES_MAX) {
    min *= 2;
    groups = groupSizes(sizes, min);
  }
  if (groups.length === 0) return undefined;
  const classes: ServiceClass[] = [];
  const counts: number[] = [];
  for (const g of groups) {
    const values = Float64Array.from(g.flatMap(([b]) => bySize.get(b) ?? [])).sort();
    classes.push({
      upToKiB: g[g.length - 1][0] / 1024,
      quantilesUs: evenQuantiles(values, Math.min(QUANTILE_POINTS_MAX, values.length)),
    });
    counts.push(values.length);
  }
  return { classes, counts };
}
