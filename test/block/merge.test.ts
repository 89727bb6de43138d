// Merge legality and bookkeeping (kernel-blk-mq §4.1-4.5, ufq-model §1.6), on hand-built
// requests and bios. Expected outcomes are the spec's rules applied by hand.
import { describe, expect, it } from 'vitest';
import {
  BioImpl,
  REQ_ATOMIC,
  REQ_FUA,
  REQ_NOMERGE,
  REQ_OP_DISCARD,
  REQ_OP_FLUSH,
  REQ_OP_READ,
  REQ_OP_WRITE,
  REQ_PREFLUSH,
} from '../../src/block/bio.js';
import { Ctx } from '../../src/block/ctx.js';
import { type QueueLimitsInput, resolveLimits } from '../../src/block/limits.js';
import {
  attempt_merge,
  BIO_MERGE_FAILED,
  BIO_MERGE_NONE,
  BIO_MERGE_OK,
  blk_attempt_bio_merge,
  blk_try_merge,
  type MergeHost,
} from '../../src/block/merge.js';
import { Request, RQF_STARTED } from '../../src/block/request.js';
import type { BlkQueue } from '../../src/ufq/ops.js';

const BE4 = (2 << 13) | 4;

function host(lim: QueueLimitsInput = {}): MergeHost & { events: string[] } {
  const events: string[] = [];
  return {
    limits: resolveLimits(32, lim),
    last_merge: null,
    events,
    bioMerged: (b, rq) => events.push(`bio ${b.io} -> rq ${rq.io0}`),
    requestMerged: (n, rq) => events.push(`rq ${n.io0} -> rq ${rq.io0}`),
  };
}

let io = 0;
function mkBio(
  sector: number,
  sectors: number,
  o: { op?: number; flags?: number; ioprio?: number; segs?: number } = {},
): BioImpl {
  const b = new BioImpl();
  b.io = io++;
  b.bi_iter.bi_sector = sector;
  b.bi_iter.bi_size = sectors * 512;
  b.bi_opf = (o.op ?? REQ_OP_READ) | (o.flags ?? 0);
  b.bi_ioprio = o.ioprio ?? BE4;
  b.nr_segs = o.segs ?? 1;
  return b;
}

function mkRq(
  sector: number,
  sectors: number,
  o: { op?: number; flags?: number; ioprio?: number; segs?: number } = {},
): Request {
  const rq = new Request({} as BlkQueue, new Ctx(0));
  const b = mkBio(sector, sectors, o);
  rq.freed = false;
  rq.bio = b;
  rq.biotail = b;
  rq.io0 = b.io;
  rq.__sector = sector;
  rq.__data_len = sectors * 512;
  rq.cmd_flags = b.bi_opf;
  rq.ioprio = b.bi_ioprio;
  rq.nr_phys_segments = o.segs ?? 1;
  return rq;
}

describe('blk_try_merge: position (kernel-blk-mq §4.2)', () => {
  it('a bio starting at the request end is a back merge', () => {
    expect(blk_try_merge(host(), mkRq(100, 8), mkBio(108, 8))).toBe(2);
  });
  it('a bio ending at the request start is a front merge', () => {
    expect(blk_try_merge(host(), mkRq(100, 8), mkBio(92, 8))).toBe(1);
  });
  it('a bio with a gap is no merge', () => {
    expect(blk_try_merge(host(), mkRq(100, 8), mkBio(109, 8))).toBe(0);
  });
  it('multi-range discard merges without adjacency when max_discard_segments > 1', () => {
    const rq = mkRq(100, 8, { op: REQ_OP_DISCARD });
    expect(blk_try_merge(host({ max_discard_segments: 4 }), rq, mkBio(5000, 8, { op: REQ_OP_DISCARD }))).toBe(
      3,
    );
    expect(blk_try_merge(host(), rq, mkBio(5000, 8, { op: REQ_OP_DISCARD }))).toBe(0);
  });
});

describe('blk_attempt_bio_merge: legality (kernel-blk-mq §4.1)', () => {
  it('back merge grows the request and links the bio at the tail', () => {
    const h = host();
    const rq = mkRq(100, 8);
    const b = mkBio(108, 8);
    expect(blk_attempt_bio_merge(h, rq, b, 1)).toBe(BIO_MERGE_OK);
    expect(rq.__sector).toBe(100);
    expect(rq.__data_len).toBe(16 * 512);
    expect(rq.biotail).toBe(b);
    expect(rq.nr_phys_segments).toBe(2);
  });
  it('front merge moves the request start to the bio', () => {
    const rq = mkRq(100, 8);
    const b = mkBio(92, 8);
    expect(blk_attempt_bio_merge(host(), rq, b, 1)).toBe(BIO_MERGE_OK);
    expect(rq.__sector).toBe(92);
    expect(rq.bio).toBe(b);
    expect(rq.__data_len).toBe(16 * 512);
  });
  it('a different op is not compatible (NONE)', () => {
    expect(blk_attempt_bio_merge(host(), mkRq(100, 8), mkBio(108, 8, { op: REQ_OP_WRITE }), 1)).toBe(
      BIO_MERGE_NONE,
    );
  });
  it.each([
    ['NOMERGE', REQ_NOMERGE],
    ['FUA', REQ_FUA],
    ['PREFLUSH', REQ_PREFLUSH],
  ])('a bio with %s is not mergeable', (_n, flag) => {
    expect(
      blk_attempt_bio_merge(
        host(),
        mkRq(100, 8, { op: REQ_OP_WRITE }),
        mkBio(108, 8, { op: REQ_OP_WRITE, flags: flag }),
        1,
      ),
    ).toBe(BIO_MERGE_NONE);
  });
  it('a different ioprio is not compatible', () => {
    expect(blk_attempt_bio_merge(host(), mkRq(100, 8), mkBio(108, 8, { ioprio: (1 << 13) | 4 }), 1)).toBe(
      BIO_MERGE_NONE,
    );
  });
  it('a different atomic flag is not compatible', () => {
    const rq = mkRq(100, 8, { op: REQ_OP_WRITE });
    expect(blk_attempt_bio_merge(host(), rq, mkBio(108, 8, { op: REQ_OP_WRITE, flags: REQ_ATOMIC }), 1)).toBe(
      BIO_MERGE_NONE,
    );
  });
  it('a started (dispatched) request is not mergeable (ufq-model §1.6)', () => {
    const rq = mkRq(100, 8);
    rq.rq_flags |= RQF_STARTED;
    expect(blk_attempt_bio_merge(host(), rq, mkBio(108, 8), 1)).toBe(BIO_MERGE_NONE);
  });
  it('a flush request is not mergeable', () => {
    expect(
      blk_attempt_bio_merge(
        host(),
        mkRq(100, 0, { op: REQ_OP_FLUSH }),
        mkBio(100, 8, { op: REQ_OP_FLUSH }),
        1,
      ),
    ).toBe(BIO_MERGE_NONE);
  });
});

describe('size and segment limits (kernel-blk-mq §4.3)', () => {
  it('max_sectors refuses an adjacent bio (FAILED), marks the request NOMERGE and clears last_merge', () => {
    // 1280 KiB = 2560 sectors: 2552 + 16 > 2560.
    const h = host({ max_sectors_kb: 1280 });
    const rq = mkRq(0, 2552);
    h.last_merge = rq;
    expect(blk_attempt_bio_merge(h, rq, mkBio(2552, 16), 1)).toBe(BIO_MERGE_FAILED);
    expect(rq.cmd_flags & REQ_NOMERGE).toBeTruthy();
    expect(h.last_merge).toBeNull();
    // Exactly at the limit is allowed: 2552 + 8 = 2560.
    expect(blk_attempt_bio_merge(host(), mkRq(0, 2552), mkBio(2552, 8), 1)).toBe(BIO_MERGE_OK);
  });
  it('max_segments refuses when the segments would exceed it', () => {
    const h = host({ max_segments: 4 });
    expect(blk_attempt_bio_merge(h, mkRq(0, 8, { segs: 3 }), mkBio(8, 8, { segs: 2 }), 2)).toBe(
      BIO_MERGE_FAILED,
    );
    expect(blk_attempt_bio_merge(h, mkRq(0, 8, { segs: 3 }), mkBio(8, 8, { segs: 1 }), 1)).toBe(BIO_MERGE_OK);
  });
  it('a discard merge is refused once max_discard_segments ranges are in', () => {
    const h = host({ max_discard_segments: 2 });
    const rq = mkRq(0, 8, { op: REQ_OP_DISCARD });
    expect(blk_attempt_bio_merge(h, rq, mkBio(900, 8, { op: REQ_OP_DISCARD }), 1)).toBe(BIO_MERGE_OK);
    expect(rq.nr_phys_segments).toBe(2);
    expect(blk_attempt_bio_merge(h, rq, mkBio(50, 8, { op: REQ_OP_DISCARD }), 1)).toBe(BIO_MERGE_FAILED);
  });
  it('a discard merge emits no bio merge event; back and front merges do (kernel-blk-mq §4.3)', () => {
    const h = host({ max_discard_segments: 4 });
    const d = mkRq(0, 8, { op: REQ_OP_DISCARD });
    const b = mkBio(900, 8, { op: REQ_OP_DISCARD });
    expect(blk_attempt_bio_merge(h, d, b, 1)).toBe(BIO_MERGE_OK);
    expect(d.biotail).toBe(b);
    expect(h.events).toEqual([]);
    const r = mkRq(100, 8);
    expect(blk_attempt_bio_merge(h, r, mkBio(108, 8), 1)).toBe(BIO_MERGE_OK);
    expect(blk_attempt_bio_merge(h, r, mkBio(92, 8), 1)).toBe(BIO_MERGE_OK);
    expect(h.events.length).toBe(2);
  });
});

describe('attempt_merge: request into request (kernel-blk-mq §4.5)', () => {
  it('merges a back-adjacent next, returns it with its size unchanged, keeps the earlier start time', () => {
    const h = host();
    const rq = mkRq(100, 8);
    const next = mkRq(108, 16);
    rq.start_time_ns = 500;
    next.start_time_ns = 200;
    expect(attempt_merge(h, rq, next, true)).toBe(next);
    expect(rq.__data_len).toBe(24 * 512);
    expect(next.__data_len).toBe(16 * 512);
    expect(next.bio).toBeNull();
    expect(rq.start_time_ns).toBe(200);
    expect(h.events).toEqual([`rq ${next.io0} -> rq ${rq.io0}`]);
  });
  it('does not merge a next that lies before the request (back adjacency only)', () => {
    expect(attempt_merge(host(), mkRq(108, 8), mkRq(100, 8), true)).toBeNull();
  });
  it('refuses a merge over max_sectors without marking NOMERGE', () => {
    const rq = mkRq(0, 2000);
    expect(attempt_merge(host(), rq, mkRq(2000, 600), true)).toBeNull();
    expect(rq.cmd_flags & REQ_NOMERGE).toBe(0);
  });
  it('refuses different ioprio or op', () => {
    expect(attempt_merge(host(), mkRq(0, 8), mkRq(8, 8, { ioprio: 0 }), true)).toBeNull();
    expect(attempt_merge(host(), mkRq(0, 8), mkRq(8, 8, { op: REQ_OP_WRITE }), true)).toBeNull();
  });
  it('with nohash false (elevator merges) the survivor becomes last_merge; bpf_attempt_merge leaves it', () => {
    const h = host();
    const rq = mkRq(0, 8);
    attempt_merge(h, rq, mkRq(8, 8), false);
    expect(h.last_merge).toBe(rq);
    const h2 = host();
    attempt_merge(h2, mkRq(0, 8), mkRq(8, 8), true);
    expect(h2.last_merge).toBeNull();
  });
});
