// Empirical service-time distributions for the flash model: per request-size class, a table
// of quantiles at evenly spaced probabilities 0, 1/(m−1), ..., 1 (first point the fastest,
// last the slowest), read as a piecewise-linear CDF and sampled by inverse transform. This
// module checks such tables (with field paths) and turns them into integer-ns typed arrays
// once, so a draw allocates nothing. Fitting tables from a trace is calibrate/'s job.
import { KIB, NS_PER_US } from './units.js';

/** One size class: requests up to `upToKiB` (the last class also takes larger ones). */
export interface ServiceClass {
  upToKiB: number;
  /** Service time (µs) at probabilities i/(m−1), i = 0..m−1: non-decreasing, each > 0. */
  quantilesUs: number[];
}

/** Fewest points of a table: the minimum and the maximum. */
export const QUANTILE_POINTS_MIN = 2;
/**
 * Most points: one per 0.1% of probability. The demerit figure reads quantiles 0.005..0.995
 * (devices-metrics §2.6), so the top 0.5% must span more than one interval of the table.
 */
export const QUANTILE_POINTS_MAX = 1001;
/** Most size classes: powers of two from 512 B to 1 GiB are 22 classes. */
export const SERVICE_CLASSES_MAX = 32;

export interface TableProblem {
  readonly path: string;
  readonly message: string;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

const isPositive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** Every problem with `value` as a list of service classes, paths under `path` ('readServiceQuantiles[1].quantilesUs[7]'). */
export function serviceTableProblems(path: string, value: unknown): TableProblem[] {
  const out: TableProblem[] = [];
  if (!Array.isArray(value) || value.length < 1 || value.length > SERVICE_CLASSES_MAX) {
    out.push({
      path,
      message: `expected an array of 1 to ${SERVICE_CLASSES_MAX} size classes {upToKiB, quantilesUs}, found ${show(value)}`,
    });
    return out;
  }
  let prevUpTo = 0;
  value.forEach((c, i) => {
    const at = `${path}[${i}]`;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      out.push({ path: at, message: `expected an object {upToKiB, quantilesUs}, found ${show(c)}` });
      return;
    }
    const cls = c as Record<string, unknown>;
    for (const k of Object.keys(cls))
      if (k !== 'upToKiB' && k !== 'quantilesUs')
        out.push({ path: `${at}.${k}`, message: 'unknown key; expected upToKiB or quantilesUs' });
    if (!isPositive(cls.upToKiB)) {
      out.push({ path: `${at}.upToKiB`, message: `expected a number > 0, found ${show(cls.upToKiB)}` });
    } else {
      if (cls.upToKiB <= prevUpTo)
        out.push({
          path: `${at}.upToKiB`,
          message: `expected > ${prevUpTo} (the previous class's upToKiB): classes go by increasing size`,
        });
      prevUpTo = cls.upToKiB;
    }
    const q = cls.quantilesUs;
    if (!Array.isArray(q) || q.length < QUANTILE_POINTS_MIN || q.length > QUANTILE_POINTS_MAX) {
      out.push({
        path: `${at}.quantilesUs`,
        message: `expected an array of ${QUANTILE_POINTS_MIN} to ${QUANTILE_POINTS_MAX} numbers, found ${show(q)}`,
      });
      return;
    }
    for (let j = 0; j < q.length; j++) {
      const v = q[j];
      if (!isPositive(v)) {
        out.push({ path: `${at}.quantilesUs[${j}]`, message: `expected a number > 0, found ${show(v)}` });
      } else if (j > 0 && isPositive(q[j - 1]) && v < q[j - 1]) {
        // Quantiles of a distribution never decrease.
        out.push({
          path: `${at}.quantilesUs[${j}]`,
          message: `expected >= quantilesUs[${j - 1}] (${q[j - 1]}): quantiles must not decrease, found ${v}`,
        });
      }
    }
  });
  return out;
}

/** A validated list of service classes in engine units, for per-request draws. */
export class ServiceSampler {
  /** Upper size bound of each class, bytes. */
  private readonly upToBytes: Float64Array;
  /** Each class's quantiles, ns. */
  private readonly tablesNs: Float64Array[];

  constructor(classes: readonly ServiceClass[]) {
    this.upToBytes = Float64Array.from(classes, (c) => c.upToKiB * KIB);
    this.tablesNs = classes.map((c) => Float64Array.from(c.quantilesUs, (us) => us * NS_PER_US));
  }

  /** A service time (whole ns) for a request of `bytes`, from `u` uniform in [0, 1). */
  draw(bytes: number, u: number): number {
    const last = this.upToBytes.length - 1;
    let c = 0;
    while (c < last && bytes > this.upToBytes[c]) c++;
    return sampleQuantileNs(this.tablesNs[c], u);
  }
}

/**
 * The inverse CDF of `tableNs` at `u` in [0, 1), rounded to whole ns: linear between the
 * points at probabilities i/(m−1) and (i+1)/(m−1) around u.
 */
export function sampleQuantileNs(tableNs: Float64Array, u: number): number {
  const x = u * (tableNs.length - 1);
  const i = Math.floor(x);
  if (i >= tableNs.length - 1) return Math.round(tableNs[tableNs.length - 1]);
  const lo = tableNs[i];
  return Math.round(lo + (x - i) * (tableNs[i + 1] - lo));
}
