// How well a simulated latency distribution matches a recorded one (devices-metrics §2.6):
// relative error at p50/p90/p99, the demerit figure (Ruemmler and Wilkes: root-mean-square
// horizontal distance between the two CDFs, relative to the recorded mean), the two-sample
// Kolmogorov-Smirnov statistic and the mean |log ratio| of quantiles. Also the hold-out test
// of a fitted profile: the held-out requests' D times replayed through it.
import { OP_NAME } from '../../trace/event.js';
import type { DeviceProfile } from '../profile.js';
import { CALIBRATION_SEED, recordedD2c, replayDispatches } from './dispatch-replay.js';
import type { DeviceRequests } from './requests.js';

/** Quantile points of the demerit figure: u = 0.005, 0.015, ..., 0.995 (devices-metrics §2.6). */
const DEMERIT_POINTS = 100;

/** Mean and nearest-rank percentiles of a sample, ns. */
export interface LatencyPoints {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

/** A simulated distribution against a recorded one. Errors and figures are fractions (0.2 = 20%). */
export interface DistributionFit {
  recorded: LatencyPoints;
  simulated: LatencyPoints;
  /** (simulated − recorded) / recorded at each percentile. */
  error: { p50: number; p90: number; p99: number };
  /** RMS horizontal distance between the CDFs over u = 0.005..0.995, over the recorded mean. */
  demerit: number;
  /** Largest vertical distance between the two empirical CDFs. */
  ks: number;
  /** Mean |ln(Q_sim(u) / Q_rec(u))| over the demerit's quantile points. */
  meanAbsLogRatio: number;
}

/** Nearest-rank quantile of an ascending sample: the value at rank max(1, ceil(u·N)) (§3.3). */
export function quantileOfSorted(sorted: Float64Array, u: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  // A relative guard keeps u·N that should be an integer (0.9 × 1000) from rounding up a rank.
  const exact = u * n;
  const near = Math.round(exact);
  const rank = Math.abs(exact - near) <= 1e-9 * Math.max(1, exact) ? near : Math.ceil(exact);
  return sorted[Math.min(n, Math.max(1, rank)) - 1];
}

function points(sorted: Float64Array): LatencyPoints {
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  return {
    n: sorted.length,
    mean: sorted.length > 0 ? sum / sorted.length : 0,
    p50: quantileOfSorted(sorted, 0.5),
    p90: quantileOfSorted(sorted, 0.9),
    p99: quantileOfSorted(sorted, 0.99),
  };
}

/** The demerit figure of two ascending samples (0 when the recorded one is empty). */
export function demeritFigure(recordedSorted: Float64Array, simulatedSorted: Float64Array): number {
  if (recordedSorted.length === 0 || simulatedSorted.length === 0) return 0;
  let sq = 0;
  for (let j = 0; j < DEMERIT_POINTS; j++) {
    const u = (j + 0.5) / DEMERIT_POINTS;
    const d = quantileOfSorted(simulatedSorted, u) - quantileOfSorted(recordedSorted, u);
    sq += d * d;
  }
  const mean = points(recordedSorted).mean;
  return mean > 0 ? Math.sqrt(sq / DEMERIT_POINTS) / mean : 0;
}

/** Two-sample Kolmogorov-Smirnov statistic sup |F_a − F_b| of two ascending samples. */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : 1;
  let i = 0;
  let j = 0;
  let sup = 0;
  while (i < a.length && j < b.length) {
    // Step past every copy of the smaller value in both samples, then compare the CDFs there.
    const x = a[i] <= b[j] ? a[i] : b[j];
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    const d = Math.abs(i / a.length - j / b.length);
    if (d > sup) sup = d;
  }
  return sup;
}

function meanAbsLogRatio(recordedSorted: Float64Array, simulatedSorted: Float64Array): number {
  let sum = 0;
  let k = 0;
  for (let j = 0; j < DEMERIT_POINTS; j++) {
    const u = (j + 0.5) / DEMERIT_POINTS;
    const r = quantileOfSorted(recordedSorted, u);
    const s = quantileOfSorted(simulatedSorted, u);
    if (r > 0 && s > 0) {
      sum += Math.abs(Math.log(s / r));
      k++;
    }
  }
  return k > 0 ? sum / k : 0;
}

function relative(sim: number, rec: number): number {
  return rec > 0 ? (sim - rec) / rec : 0;
}

/** Compares two latency samples (any order; they are copied and sorted). */
export function compareDistributions(recorded: Float64Array, simulated: Float64Array): DistributionFit {
  const rec = Float64Array.from(recorded).sort();
  const sim = Float64Array.from(simulated).sort();
  const r = points(rec);
  const s = points(sim);
  return {
    recorded: r,
    simulated: s,
    error: { p50: relative(s.p50, r.p50), p90: relative(s.p90, r.p90), p99: relative(s.p99, r.p99) },
    demerit: demeritFigure(rec, sim),
    ks: ksStatistic(rec, sim),
    meanAbsLogRatio: meanAbsLogRatio(rec, sim),
  };
}

/** A profile's D2C prediction for a set of recorded requests, overall and per operation. */
export interface DeviceFitQuality extends DistributionFit {
  /** Per operation name (read, write, ...) with at least MIN_OP_SAMPLES requests. */
  byOp: Record<string, DistributionFit>;
  /** Requests the model refused at their recorded D (all tags busy). */
  waited: number;
}

/** Fewest requests of one operation for it to get its own figures. */
const MIN_OP_SAMPLES = 20;

/**
 * Replays the recorded D times of each part (one trace each) through `profile` and compares
 * the simulated D2C distribution with the recorded one.
 */
export function predictD2c(
  profile: DeviceProfile,
  parts: DeviceRequests | readonly DeviceRequests[],
  seed = CALIBRATION_SEED,
): DeviceFitQuality {
  const list = Array.isArray(parts) ? (parts as readonly DeviceRequests[]) : [parts as DeviceRequests];
  let waited = 0;
  const d2cNs = new Float64Array(list.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of list) {
    const r = replayDispatches(profile, p, seed);
    d2cNs.set(r.d2cNs, at);
    at += p.length;
    waited += r.waited;
  }
  const recorded = recordedD2c(list);
  const op = new Uint8Array(recorded.length);
  at = 0;
  for (const p of list) {
    op.set(p.op.subarray(0, p.length), at);
    at += p.length;
  }
  const byOp: Record<string, DistributionFit> = {};
  const ops = [...new Set(op)].sort((a, b) => a - b);
  for (const code of ops) {
    const rows: number[] = [];
    for (let k = 0; k < op.length; k++) if (op[k] === code) rows.push(k);
    if (rows.length < MIN_OP_SAMPLES) continue;
    byOp[OP_NAME[code] ?? String(code)] = compareDistributions(
      Float64Array.from(rows, (k) => recorded[k]),
      Float64Array.from(rows, (k) => d2cNs[k]),
    );
  }
  return { ...compareDistributions(recorded, d2cNs), byOp, waited };
}
