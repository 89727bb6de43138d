// The report's grouping and labels: one section per trace × device in order of appearance,
// runs named by policy plus only what tells them apart.
import { describe, expect, it } from 'vitest';
import { buildReport, groupRuns } from '../../src/report/markdown.js';
import type { ReportRun } from '../../src/report/run-view.js';

const LAT = { mean: 1, p50: 1, p90: 1, p99: 1, p999: 1, max: 1 };
function run(over: Partial<ReportRun>): ReportRun {
  return {
    policy: 'none',
    ufqRevision: 1,
    device: 'nvme',
    mode: 'closed',
    seed: 1,
    trace: 't',
    ios: 1,
    throughput: { iops: 1, mbps: 1 },
    latency: { q2c_ns: LAT, q2d_ns: LAT, d2c_ns: LAT },
    processes: [],
    fairness: { jain: 1 },
    opsStats: {},
    conservation: { queued: 1, completed: 1, merged: 0, lost: 0 },
    ejected: null,
    warnings: {},
    timeScale: 1,
    ...over,
  };
}

describe('report grouping and labels', () => {
  it('groups by trace and device in order of appearance', () => {
    const g = groupRuns([
      run({ trace: 'b' }),
      run({ trace: 'a' }),
      run({ trace: 'b', device: 'hdd' }),
      run({ trace: 'b', policy: 'x' }),
    ]);
    expect(g.map((x) => `${x.trace}@${x.device}:${x.runs.length}`)).toEqual([
      'b@nvme:2',
      'a@nvme:1',
      'b@hdd:1',
    ]);
  });

  it('labels add parameters, and revision or seed only where they vary', () => {
    const g = groupRuns([
      run({ policy: 'mq-deadline', policyParams: { fifo_batch: 8 } }),
      run({ policy: 'pfq', ufqRevision: 3 }),
      run({ policy: 'none' }),
      run({ policy: 'none' }),
    ]);
    expect(g[0].runs.map((x) => x.label)).toEqual([
      'mq-deadline (fifo_batch=8, rev 1)',
      'pfq (rev 3)',
      'none (rev 1)',
      'none (rev 1) #2',
    ]);
  });

  it('warnings, ejections and lost bios are listed per run', async () => {
    const r = await buildReport(
      [
        run({
          policy: 'p',
          ejected: { reason: 'dispatch returned a foreign request', hook: 'dispatch_req', atNs: 2_500_000 },
          warnings: { 'Q never completed': 3 },
        }),
      ],
      { toolVersion: '1.2.3' },
    );
    expect(r.markdown).toContain(
      '**ejected** at 2.50 ms by hook `dispatch_req`: dispatch returned a foreign request',
    );
    expect(r.markdown).toContain('3 × Q never completed');
    expect(r.markdown).toContain('ufq-replay 1.2.3');
    // Without series only the p99 chart could be drawn, and there are no processes.
    expect(r.charts).toEqual([]);
  });
});
