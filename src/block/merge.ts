// Merge legality and the merges themselves (block/blk-merge.c, kernel-blk-mq §4, ufq-model
// §1.6): can a bio join a request (blk_rq_merge_ok), where (blk_try_merge), do the size and
// segment limits allow it (ll_back/front_merge_fn), and request-into-request merging
// (attempt_merge). Not here: who tries which merge when (plug.ts, ufq/elevator.ts).
// SIMPLIFIED (docs/simplifications.md "merge"): no cgroups, integrity, inline encryption,
// virt-boundary gaps, chunk_sectors or zone write plugging; write hints are always equal.

import {
  type BioImpl,
  bio_mergeable,
  bio_sectors,
  REQ_ATOMIC,
  REQ_NOMERGE,
  REQ_NOMERGE_FLAGS,
  REQ_OP_DISCARD,
  REQ_OP_DRV_IN,
  REQ_OP_DRV_OUT,
  REQ_OP_FLUSH,
  REQ_OP_MASK,
  REQ_OP_SECURE_ERASE,
  REQ_OP_WRITE_ZEROES,
  REQ_OP_ZONE_APPEND,
} from './bio.js';
import type { QueueLimits } from './limits.js';
import { blk_rq_sectors, type Request, RQF_NOMERGE_FLAGS } from './request.js';

// enum elv_merge (include/linux/elevator.h); the same values as ufq/ops.ts exports.
const ELEVATOR_NO_MERGE = 0;
const ELEVATOR_FRONT_MERGE = 1;
const ELEVATOR_BACK_MERGE = 2;
const ELEVATOR_DISCARD_MERGE = 3;

/** enum bio_merge_status (block/blk.h). */
export const BIO_MERGE_OK = 0;
export const BIO_MERGE_NONE = 1;
export const BIO_MERGE_FAILED = 2;

/** What the merge code needs from the queue: its limits, the one-hit cache and event sinks. */
export interface MergeHost {
  readonly limits: QueueLimits;
  /** q->last_merge. */
  last_merge: Request | null;
  /** block_bio_backmerge / block_bio_frontmerge: `bio` joined `rq`. */
  bioMerged(bio: BioImpl, rq: Request): void;
  /** block_rq_merge: `next` is being absorbed into `rq` (its bios still hang off next.bio). */
  requestMerged(next: Request, rq: Request): void;
}

function req_op(rq: Request): number {
  return rq.cmd_flags & REQ_OP_MASK;
}

/** block/blk.h blk_rq_is_passthrough. */
export function blk_rq_is_passthrough(rq: Request): boolean {
  const op = req_op(rq);
  return op === REQ_OP_DRV_IN || op === REQ_OP_DRV_OUT;
}

/** include/linux/blk-mq.h rq_mergeable. */
export function rq_mergeable(rq: Request): boolean {
  if (blk_rq_is_passthrough(rq)) return false;
  const op = req_op(rq);
  if (op === REQ_OP_FLUSH || op === REQ_OP_WRITE_ZEROES || op === REQ_OP_ZONE_APPEND) return false;
  if (rq.cmd_flags & REQ_NOMERGE_FLAGS) return false;
  if (rq.rq_flags & RQF_NOMERGE_FLAGS) return false;
  return true;
}

/** block/blk.h blk_discard_mergable: multi-range discards need no adjacency. */
export function blk_discard_mergable(q: MergeHost, rq: Request): boolean {
  return req_op(rq) === REQ_OP_DISCARD && q.limits.max_discard_segments > 1;
}

/** block/blk.h req_set_nomerge: a request that hit a limit never merges again. */
export function req_set_nomerge(q: MergeHost, rq: Request): void {
  rq.cmd_flags |= REQ_NOMERGE;
  if (rq === q.last_merge) q.last_merge = null;
}

/** block/blk-merge.c blk_rq_get_max_sectors without chunk_sectors (blk_queue_get_max_sectors). */
function blk_rq_get_max_sectors(q: MergeHost, rq: Request): number {
  const op = req_op(rq);
  if (op === REQ_OP_DISCARD || op === REQ_OP_SECURE_ERASE) return q.limits.max_discard_sectors;
  return q.limits.max_sectors;
}

/** block/blk.h blk_rq_get_max_segments. */
function blk_rq_get_max_segments(q: MergeHost, rq: Request): number {
  if (req_op(rq) === REQ_OP_DISCARD) return q.limits.max_discard_segments;
  return q.limits.max_segments;
}

/** block/blk-mq.h blk_rq_nr_discard_segments. */
function blk_rq_nr_discard_segments(rq: Request): number {
  return Math.max(rq.nr_phys_segments, 1);
}

/** block/blk-merge.c ll_new_hw_segment. */
function ll_new_hw_segment(q: MergeHost, req: Request, nr_phys_segs: number): boolean {
  // A discard request merge adds no segment.
  if (req_op(req) === REQ_OP_DISCARD) return true;
  if (req.nr_phys_segments + nr_phys_segs > blk_rq_get_max_segments(q, req)) {
    req_set_nomerge(q, req);
    return false;
  }
  req.nr_phys_segments += nr_phys_segs;
  return true;
}

/** block/blk-merge.c ll_back_merge_fn. */
export function ll_back_merge_fn(q: MergeHost, req: Request, bio: BioImpl, nr_segs: number): boolean {
  if (blk_rq_sectors(req) + bio_sectors(bio) > blk_rq_get_max_sectors(q, req)) {
    req_set_nomerge(q, req);
    return false;
  }
  return ll_new_hw_segment(q, req, nr_segs);
}

/** block/blk-merge.c ll_front_merge_fn. */
export function ll_front_merge_fn(q: MergeHost, req: Request, bio: BioImpl, nr_segs: number): boolean {
  if (blk_rq_sectors(req) + bio_sectors(bio) > blk_rq_get_max_sectors(q, req)) {
    req_set_nomerge(q, req);
    return false;
  }
  return ll_new_hw_segment(q, req, nr_segs);
}

/** block/blk-merge.c req_attempt_discard_merge. */
function req_attempt_discard_merge(q: MergeHost, req: Request, next: Request): boolean {
  const segments = blk_rq_nr_discard_segments(req);
  if (
    segments >= q.limits.max_discard_segments ||
    blk_rq_sectors(req) + (next.bio === null ? 0 : bio_sectors(next.bio)) > blk_rq_get_max_sectors(q, req)
  ) {
    req_set_nomerge(q, req);
    return false;
  }
  req.nr_phys_segments = segments + blk_rq_nr_discard_segments(next);
  return true;
}

/** block/blk-merge.c ll_merge_requests_fn: size and segment limits (no NOMERGE marking). */
function ll_merge_requests_fn(q: MergeHost, req: Request, next: Request): boolean {
  if (blk_rq_sectors(req) + blk_rq_sectors(next) > blk_rq_get_max_sectors(q, req)) return false;
  const total = req.nr_phys_segments + next.nr_phys_segments;
  if (total > blk_rq_get_max_segments(q, req)) return false;
  req.nr_phys_segments = total;
  return true;
}

/** block/blk-merge.c blk_try_req_merge. */
function blk_try_req_merge(q: MergeHost, req: Request, next: Request): number {
  if (blk_discard_mergable(q, req)) return ELEVATOR_DISCARD_MERGE;
  if (req.__sector + blk_rq_sectors(req) === next.__sector) return ELEVATOR_BACK_MERGE;
  return ELEVATOR_NO_MERGE;
}

/**
 * block/blk-merge.c attempt_merge: merges `next` into `req` (req first on disk) and returns
 * `next` for the caller to free, or null. `next` keeps its __data_len (ufq-model §1.6). With
 * `nohash` false (the elevator's own merges) the survivor becomes q->last_merge
 * (block/elevator.c elv_merge_requests); bpf_attempt_merge passes true.
 */
export function attempt_merge(q: MergeHost, req: Request, next: Request, nohash: boolean): Request | null {
  if (!rq_mergeable(req) || !rq_mergeable(next)) return null;
  if (req_op(req) !== req_op(next)) return null;
  if (req.bio === null || next.bio === null) return null;
  // Same write hint (always 0 here), same ioprio of the first bios, same atomic flag.
  if (req.bio.bi_write_hint !== next.bio.bi_write_hint) return null;
  if (req.bio.bi_ioprio !== next.bio.bi_ioprio) return null;
  if ((req.cmd_flags & REQ_ATOMIC) !== (next.cmd_flags & REQ_ATOMIC)) return null;
  const type = blk_try_req_merge(q, req, next);
  if (type === ELEVATOR_DISCARD_MERGE) {
    if (!req_attempt_discard_merge(q, req, next)) return null;
  } else if (type === ELEVATOR_BACK_MERGE) {
    if (!ll_merge_requests_fn(q, req, next)) return null;
  } else {
    return null;
  }
  // The survivor keeps the earlier start time for accounting.
  if (next.start_time_ns < req.start_time_ns) req.start_time_ns = next.start_time_ns;
  q.requestMerged(next, req);
  (req.biotail as BioImpl).bi_next = next.bio;
  req.biotail = next.biotail;
  req.__data_len += next.__data_len;
  if (!nohash && !blk_discard_mergable(q, req)) q.last_merge = req;
  next.bio = null;
  next.biotail = null;
  return next;
}

/** block/blk-merge.c bpf_attempt_merge (UFQ patch): attempt_merge without the elevator hash. */
export function bpf_attempt_merge(q: MergeHost, rq: Request, next: Request): Request | null {
  return attempt_merge(q, rq, next, true);
}

/** block/blk-merge.c blk_rq_merge_ok: can `bio` join `rq` at all (ignoring position). */
export function blk_rq_merge_ok(rq: Request, bio: BioImpl): boolean {
  if (!rq_mergeable(rq) || !bio_mergeable(bio)) return false;
  if (req_op(rq) !== (bio.bi_opf & REQ_OP_MASK)) return false;
  if (rq.bio === null) return false;
  if (rq.bio.bi_write_hint !== bio.bi_write_hint) return false;
  if (rq.bio.bi_ioprio !== bio.bi_ioprio) return false;
  if ((rq.cmd_flags & REQ_ATOMIC) !== (bio.bi_opf & REQ_ATOMIC)) return false;
  return true;
}

/** block/blk-merge.c blk_try_merge: the merge type by position. */
export function blk_try_merge(q: MergeHost, rq: Request, bio: BioImpl): number {
  if (blk_discard_mergable(q, rq)) return ELEVATOR_DISCARD_MERGE;
  if (rq.__sector + blk_rq_sectors(rq) === bio.bi_iter.bi_sector) return ELEVATOR_BACK_MERGE;
  if (rq.__sector - bio_sectors(bio) === bio.bi_iter.bi_sector) return ELEVATOR_FRONT_MERGE;
  return ELEVATOR_NO_MERGE;
}

/** block/blk-merge.c bio_attempt_back_merge. */
export function bio_attempt_back_merge(q: MergeHost, req: Request, bio: BioImpl, nr_segs: number): number {
  if (!ll_back_merge_fn(q, req, bio, nr_segs)) return BIO_MERGE_FAILED;
  q.bioMerged(bio, req);
  (req.biotail as BioImpl).bi_next = bio;
  req.biotail = bio;
  bio.bi_next = null;
  req.__data_len += bio.bi_iter.bi_size;
  return BIO_MERGE_OK;
}

/** block/blk-merge.c bio_attempt_front_merge: the request's start moves to the bio's. */
export function bio_attempt_front_merge(q: MergeHost, req: Request, bio: BioImpl, nr_segs: number): number {
  if (!ll_front_merge_fn(q, req, bio, nr_segs)) return BIO_MERGE_FAILED;
  q.bioMerged(bio, req);
  bio.bi_next = req.bio;
  req.bio = bio;
  req.__sector = bio.bi_iter.bi_sector;
  req.__data_len += bio.bi_iter.bi_size;
  return BIO_MERGE_OK;
}

/**
 * block/blk-merge.c bio_attempt_discard_merge: appended as one more range. It emits no
 * block_bio_*merge event (kernel-blk-mq §4.3), so no M is recorded for the bio; its data
 * still rides on `req` and shows as merged at D.
 */
export function bio_attempt_discard_merge(q: MergeHost, req: Request, bio: BioImpl): number {
  const segments = blk_rq_nr_discard_segments(req);
  if (
    segments >= q.limits.max_discard_segments ||
    blk_rq_sectors(req) + bio_sectors(bio) > blk_rq_get_max_sectors(q, req)
  ) {
    req_set_nomerge(q, req);
    return BIO_MERGE_FAILED;
  }
  (req.biotail as BioImpl).bi_next = bio;
  req.biotail = bio;
  bio.bi_next = null;
  req.__data_len += bio.bi_iter.bi_size;
  req.nr_phys_segments = segments + 1;
  return BIO_MERGE_OK;
}

/**
 * block/blk-merge.c blk_attempt_bio_merge: OK, NONE (not compatible or not adjacent) or
 * FAILED (adjacent, but a limit refused). No elevator defines allow_merge here, so
 * `sched_allow_merge` changes nothing.
 */
export function blk_attempt_bio_merge(q: MergeHost, rq: Request, bio: BioImpl, nr_segs: number): number {
  if (!blk_rq_merge_ok(rq, bio)) return BIO_MERGE_NONE;
  switch (blk_try_merge(q, rq, bio)) {
    case ELEVATOR_BACK_MERGE:
      return bio_attempt_back_merge(q, rq, bio, nr_segs);
    case ELEVATOR_FRONT_MERGE:
      return bio_attempt_front_merge(q, rq, bio, nr_segs);
    case ELEVATOR_DISCARD_MERGE:
      return bio_attempt_discard_merge(q, rq, bio);
    default:
      return BIO_MERGE_NONE;
  }
}
