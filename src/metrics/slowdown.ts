// Slowdown fairness (devices-metrics-peers §3.4, after MQSim/FLIN): each process's mean Q2C
// when it shares the device, divided by its mean Q2C when the same process is replayed alone
// (same trace filtered to its pid, same policy, same device); F = min S / max S, in (0, 1],
// 1 = every process slowed equally. This module only does the arithmetic; who replays the
// "alone" runs is the caller's business.

export interface ProcessSlowdown {
  pid: number;
  comm: string;
  /** Mean Q2C in the shared run, ns. */
  sharedMeanNs: number;
  /** Mean Q2C replayed alone, ns. */
  aloneMeanNs: number;
  /** sharedMeanNs / aloneMeanNs. */
  slowdown: number;
}

export interface SlowdownFairness {
  /** What the shared run is divided by: each process replayed alone, same policy and device. */
  baseline: 'alone';
  /** Processes with completions in both runs, in the shared run's process order. */
  processes: ProcessSlowdown[];
  /** Smallest and largest slowdown. */
  min: number;
  max: number;
  /** min / max (1 when fewer than two processes could be compared). */
  fairness: number;
}

/** A process of the shared run: its pid, name and mean Q2C (0 when nothing completed). */
export interface SharedProcess {
  pid: number;
  comm: string;
  meanQ2cNs: number;
}

/**
 * Slowdown of each shared process against `aloneMeanNs` (pid → mean Q2C alone). Processes
 * without completions in either run have no defined slowdown and are left out.
 */
export function slowdownFairness(
  shared: readonly SharedProcess[],
  aloneMeanNs: ReadonlyMap<number, number>,
): SlowdownFairness {
  const processes: ProcessSlowdown[] = [];
  for (const p of shared) {
    const alone = aloneMeanNs.get(p.pid) ?? 0;
    if (!(alone > 0) || !(p.meanQ2cNs > 0)) continue;
    processes.push({
      pid: p.pid,
      comm: p.comm,
      sharedMeanNs: p.meanQ2cNs,
      aloneMeanNs: alone,
      slowdown: p.meanQ2cNs / alone,
    });
  }
  if (processes.length === 0) return { baseline: 'alone', processes, min: 0, max: 0, fairness: 1 };
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const p of processes) {
    if (p.slowdown < min) min = p.slowdown;
    if (p.slowdown > max) max = p.slowdown;
  }
  return { baseline: 'alone', processes, min, max, fairness: min / max };
}
