// Queue-depth scaling from busy periods (devices-metrics §2.5 step 5). Time is cut at every
// D and C into stretches of constant depth n (requests in the device). Per depth: time spent
// there, completions, the completion rate X(n), the mean D2C W(n) of requests that made the
// depth n on arrival, and the busy service units U(n) = (idle-device service time of the
// requests completed at depth n) / (time at depth n): how many requests the device was
// serving at once. Little's law (mean depth = throughput × mean D2C) checks the pairing.
// Parallelism N is fitted to U(n) with the balls-in-bins curve N(1 − (1 − 1/N)^n), the
// expected number of busy units when n requests fall on N units at random (§2.3).
import type { DeviceRequests } from './requests.js';

export interface DepthRow {
  /** Requests in the device. */
  depth: number;
  timeNs: number;
  completions: number;
  /** Completions per second at this depth. */
  xPerS: number;
  /** Mean D2C (ns) of requests dispatched when depth − 1 others were in flight. */
  w: number;
  /** Busy service units: idle service time completed here per time here. */
  units: number;
}

export interface ParallelismFit {
  rows: DepthRow[];
  /** Time-averaged depth over busy time, and throughput × mean D2C over the same time. */
  little: { meanDepth: number; xw: number; ratio: number };
  /** Fitted units (1 = one request at a time). */
  units: number;
  /** False when U(n) kept growing with n up to the deepest queue seen: N is then a lower bound. */
  saturated: boolean;
  /** Deepest queue seen. */
  maxDepth: number;
}

/** Depth rows with less than this share of busy time do not weigh in the fit. */
const MIN_TIME_SHARE = 0.001;
/** Largest parallelism tried (device units). */
const MAX_UNITS = 1024;
const NS_PER_S = 1e9;

/** Balls-in-bins: expected busy units when `n` requests land on `units` units at random. */
export function busyUnits(units: number, n: number): number {
  return units * (1 - (1 - 1 / units) ** n);
}

/**
 * Depth figures of `parts` (one trace each, D order) and the fitted parallelism.
 * `serviceNs` holds each request's expected service time on an idle device (from the per-op
 * fit), for the parts' rows one after another.
 */
export function fitParallelism(parts: readonly DeviceRequests[], serviceNs: Float64Array): ParallelismFit {
  const timeAt: number[] = [];
  const compAt: number[] = [];
  const workAt: number[] = [];
  const wSum: number[] = [];
  const wN: number[] = [];
  const grow = (d: number) => {
    while (timeAt.length <= d) {
      timeAt.push(0);
      compAt.push(0);
      workAt.push(0);
      wSum.push(0);
      wN.push(0);
    }
  };
  let busyNs = 0;
  let areaNs = 0;
  let busyComp = 0;
  let d2cSum = 0;
  let offset = 0;
  for (const reqs of parts) {
    const n = reqs.length;
    const cOrder = Array.from({ length: n }, (_, k) => k).sort((a, b) => reqs.tC[a] - reqs.tC[b] || a - b);
    let i = 0;
    let j = 0;
    let depth = 0;
    let last = n > 0 ? reqs.tD[0] : 0;
    while (i < n || j < n) {
      // Completions first at a tie: the tag is free before the next request takes one.
      const takeC = j < n && (i >= n || reqs.tC[cOrder[j]] <= reqs.tD[i]);
      const t = takeC ? reqs.tC[cOrder[j]] : reqs.tD[i];
      grow(depth);
      timeAt[depth] += t - last;
      if (depth > 0) {
        busyNs += t - last;
        areaNs += depth * (t - last);
      }
      last = t;
      if (takeC) {
        const k = cOrder[j++];
        if (depth > 0) {
          compAt[depth]++;
          workAt[depth] += serviceNs[offset + k];
          busyComp++;
          d2cSum += reqs.tC[k] - reqs.tD[k];
          depth--;
        }
      } else {
        depth++;
        grow(depth);
        wSum[depth] += reqs.tC[i] - reqs.tD[i];
        wN[depth]++;
        i++;
      }
    }
    offset += n;
  }
  const rows: DepthRow[] = [];
  for (let d = 1; d < timeAt.length; d++) {
    if (timeAt[d] <= 0) continue;
    rows.push({
      depth: d,
      timeNs: timeAt[d],
      completions: compAt[d],
      xPerS: (compAt[d] / timeAt[d]) * NS_PER_S,
      w: wN[d] > 0 ? wSum[d] / wN[d] : 0,
      units: workAt[d] / timeAt[d],
    });
  }
  const meanDepth = busyNs > 0 ? areaNs / busyNs : 0;
  const xw = busyNs > 0 && busyComp > 0 ? (busyComp / busyNs) * (d2cSum / busyComp) : 0;
  const fit = fitUnits(rows, busyNs);
  return {
    rows,
    little: { meanDepth, xw, ratio: meanDepth > 0 ? xw / meanDepth : 0 },
    units: fit.units,
    saturated: fit.saturated,
    maxDepth: rows.length > 0 ? rows[rows.length - 1].depth : 0,
  };
}

/** Share of the weighted sum of squares of U(n) within which a smaller N counts as fitting as well. */
const TIE_SHARE = 0.001;
/** Contention is visible when the fitted curve at the deepest queue is below this share of it. */
const SATURATION = 0.8;

/**
 * Least squares of U(n) against busyUnits(N, n), weighted by time at depth n. With no
 * contention in sight (U(n) ≈ n at every depth seen) every large N fits about as well; the
 * smallest N within TIE_SHARE of the best is taken, and flagged as not saturated.
 */
function fitUnits(rows: DepthRow[], busyNs: number): { units: number; saturated: boolean } {
  const used = rows.filter((r) => r.depth > 1 && r.timeNs >= MIN_TIME_SHARE * busyNs);
  if (used.length === 0) return { units: 1, saturated: false };
  const errs = new Float64Array(MAX_UNITS + 1);
  let bestErr = Number.POSITIVE_INFINITY;
  let scale = 0;
  for (const r of used) scale += r.timeNs * r.units * r.units;
  for (let units = 1; units <= MAX_UNITS; units++) {
    let err = 0;
    for (const r of used) err += r.timeNs * (r.units - busyUnits(units, r.depth)) ** 2;
    errs[units] = err;
    if (err < bestErr) bestErr = err;
  }
  let units = 1;
  while (units < MAX_UNITS && errs[units] > bestErr + TIE_SHARE * scale) units++;
  const deepest = used[used.length - 1].depth;
  return { units, saturated: busyUnits(units, deepest) < SATURATION * deepest };
}
