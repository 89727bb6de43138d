// The flush state machine (block/blk-flush.c, v6.17) as the device sees it. Expected command
// sequences and times are worked out by hand from the kernel's rules: a flush is issued as soon
// as one is needed and none runs (C1), requests that arrive while it runs share the next one,
// none is issued while a DATA step is in flight (C2) unless the pending list has waited
// FLUSH_PENDING_TIMEOUT = 5 s (C3); PREFLUSH is a flush before the data, FUA without device
// support a flush after it.
import { describe, expect, it } from 'vitest';
import type { BioInput } from '../../src/block/queue.js';
import type { Request } from '../../src/block/request.js';
import ufq_simple from '../../src/policies/ufq_simple.js';
import { FLAG, OP } from '../../src/trace/event.js';
import { NONE } from '../../src/trace/io-table.js';
import { bio, type Harness, harness } from './harness.js';

/** An fsync's cache flush as a trace records it: Q FWS, no data. */
function emptyFlush(io: number, o: Partial<BioInput> = {}): BioInput {
  return bio(io, 0, { op: OP.WRITE, flags: FLAG.PREFLUSH | FLAG.SYNC, bytes: 0, pid: 10 + io, ...o });
}

/** A 4 KiB write at sector 64 with trace flags `flags`. */
function write(io: number, flags: number): BioInput {
  return bio(io, 64, { op: OP.WRITE, flags, pid: 10 + io });
}

/** What the device was sent: op letter, PREFLUSH (P) and FUA (F) marks, time. */
function commands(h: Harness): string[] {
  return h.dev.submitted.map((r) => {
    const op = r.op === OP.FLUSH ? 'FLUSH' : r.op === OP.WRITE ? 'W' : String(r.op);
    const marks = `${r.flags & FLAG.PREFLUSH ? 'P' : ''}${r.flags & FLAG.FUA ? 'F' : ''}`;
    return `${op}${marks ? `+${marks}` : ''}@${r.atNs}`;
  });
}

function stages(h: Harness, io: number): number[] {
  const t = h.table;
  return [t.tQ[io], t.tG[io], t.tI[io], t.tD[io], t.tC[io]];
}

describe('flush merging (blk-flush.c C1, double buffering)', () => {
  it('a flush needed while none runs is issued at once; two arriving while it runs share the next', () => {
    const h = harness({ latencyNs: 1000 });
    h.q.submitBio(emptyFlush(0));
    h.engine.at(400, () => h.q.submitBio(emptyFlush(1)));
    h.engine.at(700, () => h.q.submitBio(emptyFlush(2)));
    h.engine.run();
    // The device's flush command (op FLUSH, the PREFLUSH mark its cmd_flags carry).
    expect(commands(h)).toEqual(['FLUSH+P@0', 'FLUSH+P@1000']);
    // Q and G at submission, no I, D when the command serving it went out, C when it ended.
    expect(stages(h, 0)).toEqual([0, 0, NONE, 0, 1000]);
    expect(stages(h, 1)).toEqual([400, 400, NONE, 1000, 2000]);
    expect(stages(h, 2)).toEqual([700, 700, NONE, 1000, 2000]);
    expect(h.q.conservation().completed).toBe(3);
  });

  it('one submitted while a flush runs waits for the next: two commands', () => {
    const h = harness({ latencyNs: 1000 });
    h.q.submitBio(emptyFlush(0));
    h.engine.at(500, () => h.q.submitBio(emptyFlush(1)));
    h.engine.run();
    expect(commands(h)).toEqual(['FLUSH+P@0', 'FLUSH+P@1000']);
    expect(h.table.tC[1]).toBe(2000);
  });

  it('two submitted back to back while none runs: the first is issued at its insert, so the second waits', () => {
    // blk_kick_flush switches the pending list as it issues, before the second one arrives.
    const h = harness({ latencyNs: 1000 });
    h.q.submitBio(emptyFlush(0));
    h.q.submitBio(emptyFlush(1));
    h.engine.run();
    expect(commands(h)).toEqual(['FLUSH+P@0', 'FLUSH+P@1000']);
    expect([h.table.tC[0], h.table.tC[1]]).toEqual([1000, 2000]);
  });

  it('each waiting empty flush holds its scheduler tag; the command holds the only driver tag taken', () => {
    const h = harness({ latencyNs: null });
    for (let io = 0; io < 3; io++) h.q.submitBio(emptyFlush(io));
    h.engine.run();
    const hctx = h.q.hctxs[0];
    expect([hctx.sched_tags.used, hctx.tags.used, h.dev.submitted.length]).toEqual([3, 1, 1]);
    h.q.checkInvariants();
    h.dev.finishOldest();
    h.engine.run();
    // The first ended; the other two share the second command.
    expect([hctx.sched_tags.used, hctx.tags.used, h.dev.submitted.length]).toEqual([2, 1, 2]);
    h.dev.finishOldest();
    h.engine.run();
    expect([hctx.sched_tags.used, hctx.tags.used]).toEqual([0, 0]);
    h.q.checkInvariants();
  });

  it('each hardware queue has its own flush queue: flushes from two hctxs run together', () => {
    // 4 CPUs on 2 hctxs: CPU 0 on hctx 0, CPU 2 on hctx 1.
    const h = harness({ latencyNs: 1000, nrHwQueues: 2 });
    h.q.submitBio(emptyFlush(0, { cpu: 0 }));
    h.q.submitBio(emptyFlush(1, { cpu: 2 }));
    h.engine.run();
    expect(commands(h)).toEqual(['FLUSH+P@0', 'FLUSH+P@0']);
    expect([h.table.tC[0], h.table.tC[1]]).toEqual([1000, 1000]);
  });
});

describe('C2 and C3: flushes wait for DATA steps in flight (blk-flush.c blk_kick_flush)', () => {
  it('a pending flush is not issued while a FUA write (no device FUA) is in its DATA step, and is after', () => {
    const h = harness({ latencyNs: null });
    h.q.submitBio(write(0, FLAG.FUA));
    h.q.submitBio(emptyFlush(1));
    h.engine.run();
    // The FUA write's data goes the normal way, without FUA; the flush is held back (C2).
    expect(commands(h)).toEqual(['W@0']);
    h.engine.at(5000, () => h.dev.finishOldest());
    h.engine.run();
    // The data's end queues its post-flush beside the waiting empty flush: one command serves both.
    expect(commands(h)).toEqual(['W@0', 'FLUSH+P@5000']);
    expect([h.table.tC[0], h.table.tC[1]]).toEqual([NONE, NONE]);
    h.engine.at(6000, () => h.dev.finishOldest());
    h.engine.run();
    expect([h.table.tC[0], h.table.tC[1]]).toEqual([6000, 6000]);
    expect(h.table.tD[1]).toBe(5000);
  });

  it('a flush waits for the DATA step of a PREFLUSH write, then goes out when the write ends', () => {
    const h = harness({ latencyNs: null });
    h.q.submitBio(write(0, FLAG.PREFLUSH));
    h.engine.at(1000, () => h.dev.finishOldest()); // the pre-flush; the data follows
    h.engine.at(1500, () => h.q.submitBio(emptyFlush(1)));
    h.engine.run();
    expect(commands(h)).toEqual(['FLUSH+P@0', 'W@1000']);
    h.engine.at(3000, () => h.dev.finishOldest()); // the data
    h.engine.run();
    expect(commands(h)).toEqual(['FLUSH+P@0', 'W@1000', 'FLUSH+P@3000']);
    expect(h.table.tC[0]).toBe(3000);
    h.engine.at(4000, () => h.dev.finishOldest());
    h.engine.run();
    expect(stages(h, 1)).toEqual([1500, 1500, NONE, 3000, 4000]);
  });

  it('a FUA write that finds the one driver tag held by a flush goes out when the flush ends', () => {
    // One driver tag: the empty flush's command takes it at 0. The FUA write (DATA, then a
    // post-flush) leaves the elevator at 500 and waits on hctx->dispatch with no tag. The
    // kernel re-runs the hctx until a tag is free (blk_mq_dispatch_rq_list, no_tag); the
    // flush's tag is freed at 1000 without any request being freed, and the write must go then.
    const h = harness({ latencyNs: 1000, queueDepth: 1 });
    h.q.submitBio(emptyFlush(0, { flags: FLAG.PREFLUSH | FLAG.FUA | FLAG.SYNC }));
    h.engine.at(500, () => h.q.submitBio(write(1, FLAG.FUA)));
    h.engine.run();
    // The empty flush's post-flush waits for the write's DATA step (C2), then serves both.
    expect(commands(h)).toEqual(['FLUSH+P@0', 'W@1000', 'FLUSH+P@2000']);
    expect([h.table.tC[0], h.table.tC[1]]).toEqual([3000, 3000]);
    expect(h.q.conservation().lost).toBe(0);
  });

  it('C3: after FLUSH_PENDING_TIMEOUT (5 s) a kick issues the flush although a DATA step is in flight', () => {
    // HZ 1000 (the default): the pending list starts waiting at jiffy 1 (1 ms); time_before
    // fails from jiffy 1 + 5000 = 5001 on. No timer re-kicks: only the next request does.
    const h = harness({ latencyNs: null });
    h.q.submitBio(write(0, FLAG.FUA));
    h.engine.at(1_000_000, () => h.q.submitBio(emptyFlush(1)));
    h.engine.at(5_000_500_000, () => h.q.submitBio(emptyFlush(2))); // jiffy 5000: still held
    h.engine.at(5_001_000_000, () => h.q.submitBio(emptyFlush(3))); // jiffy 5001: issued
    h.engine.run();
    expect(commands(h)).toEqual(['W@0', 'FLUSH+P@5001000000']);
    h.dev.finishOldest(); // the oldest in flight: the write (no flush waits for it now)
    h.engine.run();
    h.dev.finishOldest();
    h.engine.run();
    // The write's post-flush waited for the next command; the three empty flushes shared one.
    expect(commands(h)).toEqual(['W@0', 'FLUSH+P@5001000000', 'FLUSH+P@5001000000']);
    expect(h.q.conservation().completed).toBe(3);
    h.dev.finishOldest();
    h.engine.run();
    expect(h.q.conservation().completed).toBe(4);
  });
});

describe('sequences of a data write (blk-flush.c blk_insert_flush policy)', () => {
  it('PREFLUSH|FUA on a write-back cache without FUA: flush, data (no PREFLUSH/FUA), flush', () => {
    const h = harness({ latencyNs: 1000 });
    h.q.submitBio(write(0, FLAG.PREFLUSH | FLAG.FUA | FLAG.SYNC));
    h.engine.run();
    expect(commands(h)).toEqual(['FLUSH+P@0', 'W@1000', 'FLUSH+P@2000']);
    // D of the DATA step, C at the end of the whole sequence; the data passed the elevator (I).
    expect(stages(h, 0)).toEqual([0, 0, 1000, 1000, 3000]);
  });

  it('PREFLUSH alone: flush, then the data', () => {
    const h = harness({ latencyNs: 1000 });
    h.q.submitBio(write(0, FLAG.PREFLUSH));
    h.engine.run();
    expect(commands(h)).toEqual(['FLUSH+P@0', 'W@1000']);
    expect(h.table.tC[0]).toBe(2000);
  });

  it('with FUA support: flush, then the data with FUA; an FUA write alone takes the normal path', () => {
    const h = harness({ latencyNs: 1000, fua: true });
    h.q.submitBio(write(0, FLAG.PREFLUSH | FLAG.FUA));
    h.engine.at(10_000, () => h.q.submitBio(write(1, FLAG.FUA)));
    h.engine.run();
    expect(commands(h)).toEqual(['FLUSH+P@0', 'W+F@1000', 'W+F@10000']);
    expect([h.table.tC[0], h.table.tC[1]]).toEqual([2000, 11000]);
  });

  it('without a volatile write cache: no flush commands at all', () => {
    const h = harness({ latencyNs: 1000, vwc: false });
    h.q.submitBio(write(0, FLAG.PREFLUSH | FLAG.FUA));
    h.q.submitBio(emptyFlush(1));
    h.engine.run();
    expect(commands(h)).toEqual(['W@0']);
    // The empty flush ends at submission, with no request (submit_bio_noacct).
    expect(stages(h, 1)).toEqual([0, NONE, NONE, NONE, 0]);
    expect(h.table.tC[0]).toBe(1000);
  });
});

describe('tags and the elevator (blk-mq.c __blk_mq_alloc_requests, __blk_mq_end_request)', () => {
  function traced(h: Harness) {
    const finish: [number, number][] = [];
    const inserted: number[] = [];
    const elv = h.q.elevator;
    const fin = elv.finish_request.bind(elv);
    elv.finish_request = (rq: Request) => {
      finish.push([rq.io0, h.engine.now]);
      fin(rq);
    };
    const ins = elv.insert_requests.bind(elv);
    elv.insert_requests = (hctx, list, flags) => {
      for (let r = list.first; r !== null; r = r.ql_next) inserted.push(r.io0);
      ins(hctx, list, flags);
    };
    return { finish, inserted };
  }

  it('every request frees its scheduler tag and reaches the finish hook once; a data write at its DATA step', () => {
    const h = harness({ latencyNs: 1000, ops: ufq_simple });
    const { finish, inserted } = traced(h);
    h.q.submitBio(emptyFlush(0));
    h.q.submitBio(write(1, FLAG.PREFLUSH | FLAG.FUA));
    h.q.submitBio(emptyFlush(2));
    h.q.submitBio(bio(3, 4096, { op: OP.WRITE, pid: 20 }));
    h.engine.run();
    // The plain write goes out in its submitter's context at 0, flush A from the requeue work
    // right after (0-1000, serving 0); B (1000-2000) serves 1's pre-flush and 2; 1's data
    // 2000-3000; C (3000-4000) its post-flush.
    expect(commands(h)).toEqual(['W@0', 'FLUSH+P@0', 'FLUSH+P@1000', 'W@2000', 'FLUSH+P@3000']);
    expect(Array.from(h.table.tC.subarray(0, 4))).toEqual([1000, 4000, 2000, 1000]);
    // One finish per request; the sequenced write's comes when its data ends, not at 4000.
    expect([...finish].sort((a, b) => a[0] - b[0])).toEqual([
      [0, 1000],
      [1, 3000],
      [2, 2000],
      [3, 1000],
    ]);
    // Empty flushes never enter the elevator; the data write did, once, for its DATA step.
    expect(inserted.sort()).toEqual([1, 3]);
    const c = h.q.conservation();
    expect([c.requests.allocated, c.requests.freed, c.requests.leaked, c.lost]).toEqual([4, 4, 0, 0]);
    expect(h.q.hctxs[0].sched_tags.used).toBe(0);
    h.q.checkInvariants();
  });
});
