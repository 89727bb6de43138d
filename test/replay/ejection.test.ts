// Ejecting a misbehaving policy file (DESIGN.md: as the kernel ejects a failing BPF
// scheduler; ufq-model §2.9: after detach the round-robin ctx dispatcher drains every
// request still queued). Each broken policy in test/fixtures/policies breaks one rule; the
// run must finish with the ejection recorded (reason and hook) and every bio of the trace
// completed exactly once. The count of bios comes from btt's analysis of the same capture.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ReplayOptions, type ReplayOutput, simulate } from '../../src/replay/replay.js';
import { NONE } from '../../src/trace/io-table.js';
import type { BlkQueue, BlkRequest, UfqOps } from '../../src/ufq/ops.js';
import { bio, blocked, harness } from '../block/harness.js';
import { parseBttAvg } from '../helpers/btt-avg.js';

const TRACES = new URL('../../traces/', import.meta.url).pathname;
const TRACE = `${TRACES}seq-vs-rand.none`;
const FIXTURES = new URL('../fixtures/policies/', import.meta.url).pathname;
/** Bios of the capture: btt's Q2C count (traces/seq-vs-rand.none.btt.avg). */
const BIOS = parseBttAvg(readFileSync(`${TRACE}.btt.avg`, 'utf8')).all.Q2C.n;

function run(fixture: string, o: Partial<ReplayOptions> = {}): Promise<ReplayOutput> {
  return simulate({ trace: TRACE, policy: `${FIXTURES}${fixture}`, device: 'nvme', ...o });
}

/** Every bio queued once and completed once, after its arrival. */
function expectConserved(out: ReplayOutput): void {
  const c = out.result.conservation;
  expect(c.queued).toBe(BIOS);
  expect(c.completed).toBe(BIOS);
  expect(c.lost).toBe(0);
  let missing = 0;
  let early = 0;
  for (let i = 0; i < out.ios.length; i++) {
    if (out.ios.tC[i] === NONE) missing++;
    else if (out.ios.tC[i] < out.ios.tQ[i]) early++;
  }
  expect([missing, early]).toEqual([0, 0]);
}

// rev-1 (the default): each misbehaviour ejects the policy.
const CASES: [string, string, RegExp, Partial<ReplayOptions>?][] = [
  ['throw-insert.mjs', 'insert_req', /^insert_req threw: insert_req broke on purpose$/],
  ['throw-dispatch.mjs', 'dispatch_req', /^dispatch_req threw: /],
  ['throw-merge.mjs', 'merge_req', /^merge_req threw: /],
  ['throw-finish.ts', 'finish_req', /^finish_req threw: /],
  ['foreign-request.mjs', 'dispatch_req', /not a request/],
  ['dispatch-twice.mjs', 'dispatch_req', /already dispatched/],
  // One driver tag, so requests wait in the elevator for merge_req to name one.
  ['bad-merge-type.mjs', 'merge_req', /type 7/, { limits: { queue_depth: 1 } }],
  ['bad-merge-self.mjs', 'merge_req', /the request it was asked to merge/],
  ['bad-merge-target.mjs', 'merge_req', /already dispatched/],
  ['has-req-false.mjs', 'has_req', /^has_req said no work for 10000 ms/],
  ['loses-request.mjs', 'has_req', /^has_req said no work/],
];

describe('ejection of a misbehaving policy file (rev-1)', () => {
  it.each(CASES)('%s: ejected from %s, nothing lost', async (fixture, hook, reason, o) => {
    const out = await run(fixture, o);
    expect(out.result.ejected?.hook).toBe(hook);
    expect(out.result.ejected?.reason).toMatch(reason);
    expectConserved(out);
  });

  it('the watchdog waits --watchdog-ms of simulated time (has_req always false)', async () => {
    const out = await run('has-req-false.mjs', { watchdogMs: 50 });
    expect(out.result.ejected?.hook).toBe('has_req');
    // The first request is queued at the trace's first arrival and nothing ever progresses.
    const first = Math.min(...out.ios.tQ.subarray(0, out.ios.length));
    expect(out.result.ejected?.atNs).toBe(first + 50_000_000);
    expectConserved(out);
  });

  it('a request the policy forgot waits until the others are done, then the watchdog drains it', async () => {
    const out = await run('loses-request.mjs');
    const lastOther = Math.max(
      ...out.ios.tC.subarray(0, out.ios.length).filter((t) => t < out.result.ejected!.atNs),
    );
    // block/queue.ts watchdog: 10 s (DEFAULT_WATCHDOG_MS) after the last progress.
    expect(out.result.ejected!.atNs - lastOther).toBeGreaterThanOrEqual(10_000_000_000);
    expectConserved(out);
  });
});

describe('the same policies on rev-3, which rejects bad dispatches instead (ufq-model §2.5)', () => {
  it('a foreign or already dispatched request is refused and counted, not ejected', async () => {
    for (const fixture of ['foreign-request.mjs', 'dispatch-twice.mjs']) {
      const out = await run(fixture, { ufqRevision: 3 });
      expect(out.result.ejected).toBeNull();
      expect(out.result.opsStats.dispatch_bad_state_count).toBe(1);
      expectConserved(out);
    }
  });

  it.each(
    CASES.filter(([f]) => !['foreign-request.mjs', 'dispatch-twice.mjs'].includes(f)),
  )('%s: nothing lost', async (fixture, _hook, _reason, o) => {
    expectConserved(await run(fixture, { ...o, ufqRevision: 3 }));
  });
});

describe('ejection in the elevator', () => {
  it('rev-1: a request of another queue returned by dispatch_req ejects the policy', () => {
    // Parked in the other queue's elevator behind a busy device.
    const other = blocked();
    other.q.submitBio(bio(0, 0));
    const alien = other.q.last_merge as BlkRequest;
    expect(alien).not.toBeNull();
    const held: BlkRequest[] = [];
    let calls = 0;
    const ops: UfqOps = {
      name: 'alien',
      insert_req: (_q: BlkQueue, rq: BlkRequest) => {
        held.push(rq);
        return 0;
      },
      has_req: () => held.length > 0,
      dispatch_req: () => (++calls === 2 ? alien : (held.shift() ?? null)),
    };
    const h = harness({ ops, queueDepth: 1 });
    for (let i = 0; i < 4; i++) h.q.submitBio(bio(i, i * 1000, { pid: 100 + i }));
    h.engine.run();
    expect(h.q.elevator.ejected).toMatchObject({
      hook: 'dispatch_req',
      reason: 'dispatch_req returned a request of another queue',
    });
    expect(h.q.conservation().lost).toBe(0);
    h.q.checkInvariants();
  });
});
