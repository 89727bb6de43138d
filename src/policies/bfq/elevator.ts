// What BFQ takes from the generic elevator (block/elevator.c elv_merge, elv_attempt_insert_merge;
// block/blk-mq-sched.c blk_mq_sched_try_merge; bfq_bio_merge, bfq_allow_bio_merge,
// bfq_request_merge), redone behind the UFQ merge hooks, plus the policy's request references
// (ufq-model §3.3). BFQ only lets a bio merge into a request of the bio's own queue (same
// process, same sync-ness), so both lookups search that queue's sorted list.

import {
  type Bio,
  type BlkRequest,
  type Box,
  bio_end_sector,
  blk_rq_pos,
  bpf_request_acquire,
  bpf_request_bio_try_merge,
  bpf_request_try_merge,
  ELEVATOR_BACK_MERGE,
  ELEVATOR_FRONT_MERGE,
  elv_rb_find,
  elv_rb_find_end,
  op_is_sync,
  REQ_OP_DISCARD,
  rb_next,
  rb_prev,
  req_op,
  rq_is_sync,
  rq_mergeable,
  ufq_revision,
} from '../lib/index.js';
import { bfq_request_merged, bfq_requests_merged } from './iosched-busy.js';
import type { bfq_data, bfq_queue, bfq_rq } from './iosched-h.js';

/** The policy stores the request: it takes a reference unless it holds one. */
export function bfq_rq_hold(brq: bfq_rq): void {
  if (!brq.ref) brq.ref = bpf_request_acquire(brq.rq) !== null;
}

/** A hook hands the request to the kernel: rev-2+ kernels drop the reference that came with it. */
export function bfq_rq_handed_back(bfqd: bfq_data, brq: bfq_rq): void {
  if (ufq_revision(bfqd.q) >= 2) brq.ref = false;
}

/** bfqd->bio_bfqq: the queue the bio would go to, if its process has one. */
function bfq_bio_bfqq(bfqd: bfq_data, bio: Bio): bfq_queue | null {
  const bic = bfqd.bics.get(bio.pid);
  return bic === undefined ? null : bic.bfqq[op_is_sync(bio.bi_opf) ? 1 : 0];
}

/**
 * merge_bio (rev-2+), called after the UFQ one-hit cache found nothing: the back lookup (the
 * elevator hash, here the bio's queue's list) then bfq_request_merge's front lookup, then
 * blk_mq_sched_try_merge. A grown request is coalesced with its neighbour in the sorted list
 * (elv_rb_latter/former_request) and the absorbed one is returned for the elevator to free.
 * Gap: bpf_request_try_merge joins only requests of one software context.
 */
export function bfq_bio_merge(
  bfqd: bfq_data,
  bio: Bio,
  nr_segs: number,
  merged: Box<boolean>,
): BlkRequest | null {
  const bfqq = bfq_bio_bfqq(bfqd, bio);
  if (bfqq === null) return null;
  let type = ELEVATOR_BACK_MERGE;
  let brq = elv_rb_find_end(bfqq.sort_list, bio.bi_iter.bi_sector);
  if (brq !== null && !bpf_request_bio_try_merge(brq.rq, bio, nr_segs)) {
    // A size or segment limit marks the request unmergeable and the kernel stops there; an
    // incompatible bio goes on to the front lookup.
    if (!rq_mergeable(brq.rq)) return null;
    brq = null;
  }
  if (brq === null) {
    type = ELEVATOR_FRONT_MERGE;
    brq = elv_rb_find(bfqq.sort_list, bio_end_sector(bio));
    if (brq === null || !bpf_request_bio_try_merge(brq.rq, bio, nr_segs)) return null;
  }
  merged.value = true;
  // SIMPLIFIED: discards are not coalesced (the kernel does when the device takes one range).
  if (req_op(brq.rq) === REQ_OP_DISCARD) return null;
  if (type === ELEVATOR_BACK_MERGE) {
    const nn = rb_next(brq.rb_node);
    if (nn !== null && bpf_request_try_merge(brq.rq, nn.value.rq) !== null) {
      bfq_requests_merged(brq, nn.value);
      bfq_rq_handed_back(bfqd, nn.value);
      return nn.value.rq;
    }
  } else {
    // The grown request is the one absorbed, into its predecessor.
    const pn = rb_prev(brq.rb_node);
    if (pn !== null && bpf_request_try_merge(pn.value.rq, brq.rq) !== null) {
      bfq_requests_merged(pn.value, brq);
      bfq_rq_handed_back(bfqd, brq);
      return brq.rq;
    }
  }
  bfq_request_merged(bfqd, brq, type);
  return null;
}

/**
 * merge_req, called from the UFQ insert path after its one-hit cache: the hash part of
 * elv_attempt_insert_merge, a queued request ending where rq starts, offered as a BACK merge.
 * The target stays in its queue; its re-insert (as the survivor, or the rev-2+ rollback) is
 * recognised by bfq_insert_merge_survivor. SIMPLIFIED: only rq's own process queue is searched
 * (the kernel's hash holds every queue's requests), and only one merge per insert.
 */
export function bfq_attempt_insert_merge(
  bfqd: bfq_data,
  rq: BlkRequest,
  type: Box<number>,
): BlkRequest | null {
  const bic = bfqd.bics.get(rq.pid);
  const bfqq = bic === undefined ? null : bic.bfqq[rq_is_sync(rq) ? 1 : 0];
  if (bfqq === null) return null;
  const target = elv_rb_find_end(bfqq.sort_list, blk_rq_pos(rq));
  if (target === null) return null;
  bfqd.merge_target = target;
  bfq_rq_handed_back(bfqd, target);
  type.value = ELEVATOR_BACK_MERGE;
  return target.rq;
}

/** Called first thing in insert_req: true if rq is the target merge_req just offered (it stays put). */
export function bfq_insert_merge_survivor(bfqd: bfq_data, rq: BlkRequest): boolean {
  const target = bfqd.merge_target;
  if (target === null) return false;
  bfqd.merge_target = null;
  // rev-1 after a refused merge: the target never left its place here; rq is the newcomer.
  if (target.rq !== rq) return false;
  bfq_rq_hold(target);
  return true;
}

/** req_merged (rev-1): a bio merged into a queued request and nothing coalesced. */
export function bfq_req_merged(bfqd: bfq_data, rq: BlkRequest, type: number): void {
  const brq = bfqd.rqs.get(rq);
  if (brq !== undefined && brq.bfqq !== null) bfq_request_merged(bfqd, brq, type);
}
