// BFQ budget feedback at expiry (kernel-blk-mq §8.3 "Budgets"), for sync queues without weight
// raising (low_latency off): max budget 16384 sectors until 194 budgets were assigned, min
// budget = max / 32 = 512, a new queue starts at 2/3 of the max = 10922. Budget exhausted: x4
// (cap the max); budget timeout (timeout_sync 125 ms): x2; too idle with nothing in flight:
// - 4 x min budget; no more requests: the service received, at least the min budget.
import { describe, expect, it } from 'vitest';
import { BE, bfqState, completeInTurn, MS, queueOf, rig, runAll, strided, submit } from './bfq-rig.js';

describe('bfq budget feedback (kernel-blk-mq §8.3)', () => {
  it('exhausting the budget quadruples it up to the max; idling out then shrinks it by 4 x min budget', () => {
    // 1500 x 8 sectors: the first slot's 10922-sector budget runs out after 1365 requests.
    const r = rig({ low_latency: false }, { queueDepth: 32, latencyNs: 10_000 });
    submit(r, { pid: 1, offsets: strided(1500, 16) });
    runAll(r);
    const s = bfqState(r);
    expect(s.stats.expired.budget_exhausted).toBe(1);
    expect(s.stats.expired.too_idle).toBe(1);
    // 10922 x 4 capped at 16384, then 16384 - 4 x 512 when it idled out empty.
    expect(queueOf(r, 1).max_budget).toBe(16384 - 4 * 512);
  });

  it('a budget timeout doubles the budget (capped at the max)', () => {
    // 5 ms per request at depth 1: 125 ms pass long before 10922 sectors are served.
    const r = rig({ low_latency: false }, { queueDepth: 1, latencyNs: 5 * MS });
    submit(r, { pid: 1, offsets: strided(100, 16) });
    r.engine.run(130 * MS);
    expect(bfqState(r).stats.expired.budget_timeout).toBe(1);
    expect(queueOf(r, 1).max_budget).toBe(Math.min(10922 * 2, 16384));
    runAll(r);
  });

  it('a timeout_sync of 50 ms expires the slot after 50 ms', () => {
    const r = rig({ low_latency: false, timeout_sync: 50 }, { queueDepth: 1, latencyNs: 5 * MS });
    submit(r, { pid: 1, offsets: strided(100, 16) });
    r.engine.run(49 * MS);
    expect(bfqState(r).stats.expired.budget_timeout).toBe(0);
    r.engine.run(52 * MS);
    expect(bfqState(r).stats.expired.budget_timeout).toBe(1);
    runAll(r);
  });

  it('running out of requests without idling sets the budget to the service received, at least min budget', () => {
    // Two processes of equal weight on a non-rotational device: no idling, so the one with 3
    // requests expires once they are dispatched. Two blockers hold the device meanwhile so both
    // are queued before BFQ picks.
    const r = rig({ low_latency: false }, { queueDepth: 1, latencyNs: null });
    submit(r, { pid: 99, offsets: [0] }, { pid: 98, offsets: [0] });
    submit(
      r,
      { pid: 1, ioprio: BE(4), offsets: strided(3, 16) },
      { pid: 2, ioprio: BE(4), offsets: strided(40, 16) },
    );
    completeInTurn(r);
    expect(bfqState(r).stats.expired.no_more_requests).toBeGreaterThanOrEqual(1);
    // max(3 x 8 sectors, 512).
    expect(queueOf(r, 1).max_budget).toBe(512);
  });
});
