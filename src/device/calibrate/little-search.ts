// Parallelism by Little's law on the model itself: with the arrivals fixed (the recorded D
// times), the mean number of requests in the device is throughput × mean D2C, so the model
// holds as many requests as the device did exactly when its mean D2C equals the recorded
// one. More units practically never lengthen the mean D2C (not strictly: the mapping of
// pages to units changes with their number), so the unit count whose replayed mean D2C
// brackets the recorded mean is found by bisection. This replaces reading N off
// the balls-in-bins curve (parallelism.ts) when that curve does not describe the device: on
// the loop device the busy-unit estimate U(n) exceeds 1 at depth 1, which no N explains.
import type { DeviceProfile } from '../profile.js';
import { recordedD2c, replayParts } from './dispatch-replay.js';
import type { DeviceRequests } from './requests.js';
import { mean } from './stats.js';

/** Largest unit count tried. */
export const MAX_UNITS = 1024;

export interface LittleSearch {
  /** The chosen value. */
  value: number;
  recordedMeanNs: number;
  /** Replayed mean D2C with `value`. */
  simulatedMeanNs: number;
  /** True when even the last candidate left the replay slower than the recording. */
  capped: boolean;
  /** Replays run, and requests in each. */
  replays: number;
  requests: number;
}

/**
 * Of `candidates` (ascending; a later one never slower), the one whose replay of every part
 * (one trace each, replayed on its own) comes closest to the recorded mean D2C: the pair
 * around the first that is fast enough is found by bisection, and the closer of the two kept.
 */
export function searchLittle(
  candidates: readonly number[],
  withValue: (value: number) => DeviceProfile,
  parts: readonly DeviceRequests[],
): LittleSearch {
  const recordedMeanNs = mean(recordedD2c(parts));
  let replays = 0;
  const simMean = (i: number): number => {
    replays++;
    return mean(replayParts(withValue(candidates[i]), parts));
  };
  const last = candidates.length - 1;
  const atLast = simMean(last);
  const result = (i: number, m: number, capped = false): LittleSearch => ({
    value: candidates[i],
    recordedMeanNs,
    simulatedMeanNs: m,
    capped,
    replays,
    requests: parts.reduce((s, p) => s + p.length, 0),
  });
  if (atLast > recordedMeanNs || last === 0) return result(last, atLast, atLast > recordedMeanNs);
  const atFirst = simMean(0);
  if (atFirst <= recordedMeanNs) return result(0, atFirst);
  // Invariant: candidate lo is too slow, candidate hi is fast enough.
  let lo = 0;
  let hi = last;
  let loMean = atFirst;
  let hiMean = atLast;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const m = simMean(mid);
    if (m <= recordedMeanNs) {
      hi = mid;
      hiMean = m;
    } else {
      lo = mid;
      loMean = m;
    }
  }
  // The two neighbours bracket the recorded mean; keep the closer one (by ratio), as a step
  // of one unit can jump from an overloaded model to a much faster one.
  const off = (m: number) => Math.abs(Math.log(Math.max(1, m) / Math.max(1, recordedMeanNs)));
  return off(loMean) < off(hiMean) ? result(lo, loMean) : result(hi, hiMean);
}

/** Unit counts 1..MAX_UNITS, for searchLittle. */
export const UNIT_CANDIDATES: readonly number[] = Array.from({ length: MAX_UNITS }, (_, i) => i + 1);
