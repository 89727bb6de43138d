// The policy helper library (policies/lib/kfuncs.ts): constants agree with the block layer's,
// BPF maps fail as the kernel's do, kfuncs reach the queue and respect the revision.
import { describe, expect, it } from 'vitest';
import * as blk from '../../src/block/bio.js';
import * as rqmod from '../../src/block/request.js';
import * as lib from '../../src/policies/lib/index.js';
import type { BlkRequest, UfqOps } from '../../src/ufq/ops.js';
import { bio, harness } from '../block/harness.js';

describe('constants (include/linux/blk_types.h, blk-mq.h)', () => {
  it('the library’s REQ_* and RQF_* values are the block layer’s', () => {
    const pairs: [number, number][] = [
      [lib.REQ_OP_MASK, blk.REQ_OP_MASK],
      [lib.REQ_OP_READ, blk.REQ_OP_READ],
      [lib.REQ_OP_WRITE, blk.REQ_OP_WRITE],
      [lib.REQ_OP_FLUSH, blk.REQ_OP_FLUSH],
      [lib.REQ_OP_DISCARD, blk.REQ_OP_DISCARD],
      [lib.REQ_OP_WRITE_ZEROES, blk.REQ_OP_WRITE_ZEROES],
      [lib.REQ_SYNC, blk.REQ_SYNC],
      [lib.REQ_META, blk.REQ_META],
      [lib.REQ_NOMERGE, blk.REQ_NOMERGE],
      [lib.REQ_FUA, blk.REQ_FUA],
      [lib.REQ_PREFLUSH, blk.REQ_PREFLUSH],
      [lib.REQ_RAHEAD, blk.REQ_RAHEAD],
      [lib.REQ_ATOMIC, blk.REQ_ATOMIC],
    ];
    for (const [a, b] of pairs) expect(a).toBe(b);
    expect(lib.RQF_STARTED).toBe(rqmod.RQF_STARTED);
    expect(lib.RQF_FLUSH_SEQ).toBe(rqmod.RQF_FLUSH_SEQ);
    // __REQ_SYNC is bit 11, __REQ_FUA bit 17 (REQ_OP_BITS = 8).
    expect([lib.REQ_SYNC, lib.REQ_FUA]).toEqual([2048, 131072]);
  });
});

describe('BPF hash map (kernel/bpf/hashtab.c semantics)', () => {
  it('refuses an existing key with BPF_NOEXIST, a missing one with BPF_EXIST, and a 21st entry of 20', () => {
    const m = new lib.BpfHashMap<number, string>(20);
    expect(lib.bpf_map_update_elem(m, 1, 'a', lib.BPF_NOEXIST)).toBe(0);
    expect(lib.bpf_map_update_elem(m, 1, 'b', lib.BPF_NOEXIST)).toBe(-lib.EEXIST);
    expect(lib.bpf_map_update_elem(m, 2, 'b', lib.BPF_EXIST)).toBe(-lib.ENOENT);
    for (let i = 2; i <= 20; i++) lib.bpf_map_update_elem(m, i, 'x', lib.BPF_ANY);
    expect(lib.bpf_map_update_elem(m, 21, 'x', lib.BPF_ANY)).toBe(-lib.E2BIG);
    expect(lib.bpf_map_delete_elem(m, 99)).toBe(-lib.ENOENT);
    expect(lib.bpf_map_lookup_elem(m, 1)).toBe('a');
  });
});

describe('kfuncs', () => {
  it('argument-less helpers see the queue running the hook: time, comm, log', () => {
    const seen: string[] = [];
    const spyOps: UfqOps = {
      name: 'probe',
      insert_req(_q, rq) {
        lib.bpf_printk('probe/insert_req: %s at %llu', lib.bpf_get_current_comm(), lib.bpf_ktime_get_ns());
        seen.push(`${lib.blk_rq_pos(rq)} ${lib.blk_rq_sectors(rq)} ${lib.rq_data_dir(rq)}`);
        return -lib.ENOMEM;
      },
    };
    const h = harness({ ops: spyOps });
    h.engine.at(1234, () => h.q.submitBio(bio(0, 40, { comm: 'dd', bytes: 8192 })));
    h.engine.run();
    expect(h.q.elevator.log[0]).toBe('probe/insert_req: dd at 1234');
    expect(seen).toEqual(['40 16 0']);
  });

  it('outside a hook they throw', () => {
    lib.KFUNC_HOST.kernel = null;
    expect(() => lib.bpf_ktime_get_ns()).toThrow(/outside a UFQ hook/);
  });

  it('a kfunc the revision lacks ejects the policy (the verifier would refuse the program)', () => {
    const fifo: BlkRequest[] = [];
    const rev3only: UfqOps = {
      name: 'rev3only',
      insert_req(_q, rq) {
        lib.bpf_request_set_elv_priv1(rq, 7);
        fifo.push(rq);
        return 0;
      },
    };
    const h = harness({ ops: rev3only, ufqRevision: 1 });
    h.q.submitBio(bio(0, 0));
    h.engine.run();
    expect(h.q.elevator.ejected?.hook).toBe('insert_req');
    expect(h.q.elevator.ejected?.reason).toMatch(/bpf_request_set_elv_priv1 is not available in UFQ rev-1/);
    expect(h.q.conservation().lost).toBe(0);
  });

  it('bpf_request_acquire refuses a request whose count reached zero', () => {
    const h = harness({ latencyNs: null });
    h.q.submitBio(bio(0, 0));
    const rq = h.q.hctxs[0].sched_tags.used === 1 ? [...h.dev.inflight][0] : null;
    const r = rq as unknown as rqmod.Request;
    expect(lib.bpf_request_acquire(r)).toBe(r);
    r.ref = 0;
    expect(lib.bpf_request_acquire(r)).toBeNull();
  });
});
