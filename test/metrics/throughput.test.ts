import { describe, expect, it } from 'vitest';
import { throughputOver } from '../../src/metrics/throughput.js';

describe('throughput (devices-metrics-peers §3.2)', () => {
  it('completed I/Os and 10^6-byte MB per second of span', () => {
    // 2500 I/Os of 4 KiB in 0.5 s: 5000 IOPS, 20.48 MB/s
    const t = throughputOver(2500, 2500 * 4096, 1e9, 1.5e9);
    expect(t.iops).toBeCloseTo(5000, 9);
    expect(t.mbps).toBeCloseTo(20.48, 9);
  });

  it('is zero over an empty or reversed span', () => {
    expect(throughputOver(5, 100, 10, 10)).toEqual({ iops: 0, mbps: 0 });
    expect(throughputOver(5, 100, 10, -1)).toEqual({ iops: 0, mbps: 0 });
  });
});
