// The file `policies new` writes: it loads, has every UFQ hook, and runs a shipped trace as a
// first-in, first-out policy on both revisions without being ejected or losing a request.
// FIFO order is checked against a reference queue kept beside the policy: every request
// dispatch_req returns is the oldest one inserted and not yet returned (head inserts first).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { POLICY_NAME_PATTERN, policyScaffold } from '../../src/policies/scaffold.js';
import { simulate } from '../../src/replay/replay.js';
import { loadPolicyFile, UFQ_HOOK_NAMES } from '../../src/replay/user-policy.js';
import { BLK_MQ_INSERT_AT_HEAD, type BlkRequest, type UfqOps } from '../../src/ufq/ops.js';

const TRACE = new URL('../../traces/seq-vs-rand.none', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'scaffold-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(ts: boolean): string {
  const f = join(tmp, `my-fifo.${ts ? 'ts' : 'mjs'}`);
  writeFileSync(f, policyScaffold({ name: 'my-fifo', ts }));
  return f;
}

/** `ops` with a reference FIFO beside it; `outOfOrder` counts dispatches that break FIFO order. */
function withReference(ops: UfqOps): { ops: UfqOps; outOfOrder: () => number } {
  const ref: BlkRequest[] = [];
  let bad = 0;
  const spied: UfqOps = {
    ...ops,
    insert_req(q, rq, flags) {
      const ret = ops.insert_req?.(q, rq, flags) ?? 0;
      if (ret === 0) {
        if (flags & BLK_MQ_INSERT_AT_HEAD) ref.unshift(rq);
        else ref.push(rq);
      }
      return ret;
    },
    dispatch_req(q) {
      const rq = ops.dispatch_req?.(q) ?? null;
      if (rq !== null && rq !== ref.shift()) bad++;
      return rq;
    },
  };
  return { ops: spied, outOfOrder: () => bad };
}

describe('policies new: the generated FIFO', () => {
  it.each([false, true])('ts=%s: a table with every UFQ hook, named as asked', async (ts) => {
    const ops = await loadPolicyFile(write(ts));
    expect(ops.name).toBe('my-fifo');
    // limit_depth is a proposed extension, not a UFQ hook (ufq/ops.ts): left out on purpose.
    for (const hook of UFQ_HOOK_NAMES.filter((h) => h !== 'limit_depth'))
      expect(typeof ops[hook]).toBe('function');
    expect(typeof ops.dump).toBe('function');
  });

  it.each([
    [false, 1],
    [false, 3],
    [true, 1],
    [true, 3],
  ] as const)('ts=%s, rev-%i: replays a trace in FIFO order, nothing lost, not ejected', async (ts, rev) => {
    const { ops, outOfOrder } = withReference(await loadPolicyFile(write(ts)));
    // One driver tag, so requests wait in the policy and the order is the policy's.
    const out = await simulate({
      trace: TRACE,
      policy: 'my-fifo',
      ops,
      device: 'nvme',
      ufqRevision: rev,
      limits: { queue_depth: 1 },
    });
    const r = out.result;
    expect(r.ejected).toBeNull();
    expect(r.conservation.lost).toBe(0);
    expect(r.conservation.completed).toBe(r.conservation.queued);
    expect(outOfOrder()).toBe(0);
    // Every request the elevator queued went through the policy and came back out.
    expect(r.opsStats.dispatch_ok_count).toBe(r.opsStats.insert_ok_count);
    expect(r.opsStats.finish_ok_count).toBe(r.opsStats.insert_ok_count);
  });

  it('the reference check has teeth: ufq_simple (sector order) fails it', async () => {
    const { getPolicy } = await import('../../src/policies/registry.js');
    const { ops, outOfOrder } = withReference(getPolicy('ufq_simple') as UfqOps);
    await simulate({
      trace: TRACE,
      policy: 'ufq_simple',
      ops,
      device: 'nvme',
      ufqRevision: 3,
      limits: { queue_depth: 1 },
    });
    expect(outOfOrder()).toBeGreaterThan(0);
  });

  it('names: 1 to 15 characters (name[16]), usable as a function prefix', () => {
    for (const ok of ['a', 'my_fifo', 'my-fifo', 'abcdefghijklmno'])
      expect(POLICY_NAME_PATTERN.test(ok)).toBe(true);
    for (const bad of ['', 'abcdefghijklmnop', '1fifo', 'my fifo', 'fifo.mjs'])
      expect(POLICY_NAME_PATTERN.test(bad)).toBe(false);
  });
});
