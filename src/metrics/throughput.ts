// Throughput over a span (devices-metrics-peers §3.2): completed I/Os and bytes per second
// from the first Q to the last C. MB/s means 10^6 bytes per second (CONTRACTS.md).

export interface Throughput {
  iops: number;
  mbps: number;
}

/** Nanoseconds per second. */
const NS_PER_S = 1e9;
/** Bytes per MB (decimal, as fio's MB/s). */
const BYTES_PER_MB = 1e6;

/** Rates for `completed` I/Os of `bytes` over [startNs, endNs]; zero when the span is empty. */
export function throughputOver(completed: number, bytes: number, startNs: number, endNs: number): Throughput {
  const seconds = (endNs - startNs) / NS_PER_S;
  if (!(seconds > 0)) return { iops: 0, mbps: 0 };
  return { iops: completed / seconds, mbps: bytes / BYTES_PER_MB / seconds };
}
