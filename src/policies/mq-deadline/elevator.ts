// The generic elevator code mq-deadline leans on (block/elevator.c: the sector hash, elv_rb_*,
// elv_attempt_insert_merge; block/blk-mq-sched.c blk_mq_sched_try_merge), redone inside the
// policy because the UFQ elevator offers only its one-hit cache and hands the rest to the
// hooks. Each function says which hook it serves and what it cannot reproduce through them.
// The scheduler itself is mq-deadline.ts.

import {
  type Bio,
  type BlkRequest,
  type Box,
  blk_rq_pos,
  blk_rq_sectors,
  bpf_request_bio_try_merge,
  bpf_request_try_merge,
  ELEVATOR_BACK_MERGE,
  ELEVATOR_FRONT_MERGE,
  elv_rb_find,
  elv_rb_find_end,
  IOPRIO_PRIO_CLASS,
  op_is_write,
  REQ_OP_DISCARD,
  rb_next,
  rb_prev,
  req_op,
  rq_mergeable,
} from '../lib/index.js';
import {
  DD_DIR_COUNT,
  DD_READ,
  DD_WRITE,
  dd_merged_requests,
  type dd_per_prio,
  dd_prio_of,
  dd_request_merge,
  dd_request_merged,
  type dd_rq,
  dd_rq_handed_back,
  dd_rq_hold,
  type deadline_data,
  deadline_remove_request,
} from './mq-deadline.js';

// rq_mergeable and elv_rb_find are generic: they live in the helper library.
export { elv_rb_find, rq_mergeable } from '../lib/index.js';

/**
 * elv_rqhash_find: the request ending exactly at `sector`. UFQ keeps no hash, so the level's
 * tree is searched: merges need the same op and ioprio, so the newcomer's own level and
 * direction hold every candidate. SIMPLIFIED: only the nearest request starting below `sector`
 * is looked at, which is the one ending there unless queued requests overlap.
 */
export function elv_rqhash_find(per_prio: dd_per_prio, data_dir: number, sector: number): dd_rq | null {
  // The hash drops requests that became unmergeable; elv_rb_find_end does the same.
  return elv_rb_find_end(per_prio.sort_list[data_dir], sector);
}

/**
 * merge_req, called from the UFQ insert path after its one-hit cache: the hash part of
 * elv_attempt_insert_merge, a queued request ending where rq starts, offered as a BACK merge.
 * The target stays in the tree and FIFO, where the kernel leaves it; the survivor comes back
 * through insert_req (after the merge, or as the rev-2+ rollback) and elv_insert_merge_survivor
 * recognises it. Gap: the kernel then tries the grown request against the one ending at its
 * start, a second merge the hooks cannot express.
 */
export function elv_attempt_insert_merge(
  dd: deadline_data,
  rq: BlkRequest,
  type: Box<number>,
): BlkRequest | null {
  const prio = dd_prio_of(IOPRIO_PRIO_CLASS(rq.ioprio));
  const target = elv_rqhash_find(
    dd.per_prio[prio],
    op_is_write(rq.cmd_flags) ? DD_WRITE : DD_READ,
    blk_rq_pos(rq),
  );
  if (target === null) return null;
  dd.merge_target = target;
  dd.merge_target_sectors = blk_rq_sectors(target.rq);
  dd.merge_victim_prio = prio;
  dd_rq_handed_back(dd, target);
  type.value = ELEVATOR_BACK_MERGE;
  return target.rq;
}

/**
 * Called first thing in insert_req: true if rq is the target merge_req just offered. It stays
 * in place; if it grew, the newcomer it absorbed never reaches insert_req or finish_req, so it
 * is counted as the kernel counts it (inserted, merged, and completed when freed).
 */
export function elv_insert_merge_survivor(dd: deadline_data, rq: BlkRequest): boolean {
  const target = dd.merge_target;
  if (target === null) return false;
  dd.merge_target = null;
  // rev-1 after a refused merge: the target never left its place here; rq is the newcomer.
  if (target.rq !== rq) return false;
  if (blk_rq_sectors(rq) > dd.merge_target_sectors) {
    const s = dd.per_prio[dd.merge_victim_prio].stats;
    s.inserted++;
    s.merged++;
    s.completed++;
  }
  dd_rq_hold(target);
  return true;
}

/**
 * merge_bio (rev-2+), called after the UFQ one-hit cache found nothing: elv_merge's hash and
 * front lookups plus blk_mq_sched_try_merge. On success the grown request is coalesced with its
 * sector-order neighbour (attempt_back_merge / attempt_front_merge) and the absorbed request is
 * returned for the elevator to free. Gap: bpf_request_try_merge only joins requests of the same
 * ctx and hctx, which the kernel does not require.
 */
export function blk_mq_sched_try_merge(
  dd: deadline_data,
  bio: Bio,
  nr_segs: number,
  merged: Box<boolean>,
): BlkRequest | null {
  const per_prio = dd.per_prio[dd_prio_of(IOPRIO_PRIO_CLASS(bio.bi_ioprio))];
  let type = ELEVATOR_BACK_MERGE;
  let drq = elv_rqhash_find(per_prio, op_is_write(bio.bi_opf) ? DD_WRITE : DD_READ, bio.bi_iter.bi_sector);
  if (drq !== null && !bpf_request_bio_try_merge(drq.rq, bio, nr_segs)) {
    // A size or segment limit marks the request unmergeable (req_set_nomerge) and the kernel
    // stops there; an incompatible bio goes on to the front-merge lookup.
    if (!rq_mergeable(drq.rq)) return null;
    drq = null;
  }
  if (drq === null) {
    type = ELEVATOR_FRONT_MERGE;
    drq = dd_request_merge(dd, per_prio, bio);
    if (drq === null || !bpf_request_bio_try_merge(drq.rq, bio, nr_segs)) return null;
  }
  merged.value = true;
  // SIMPLIFIED: discards are not coalesced (the kernel does when the device takes one range).
  if (req_op(drq.rq) === REQ_OP_DISCARD) return null;
  if (type === ELEVATOR_BACK_MERGE) {
    const nn = rb_next(drq.rb_node);
    if (nn !== null && bpf_request_try_merge(drq.rq, nn.value.rq) !== null) {
      dd_merged_requests(dd, drq, nn.value);
      dd_rq_handed_back(dd, nn.value);
      return nn.value.rq;
    }
  } else {
    // The grown request is the one absorbed, into its predecessor.
    const pn = rb_prev(drq.rb_node);
    if (pn !== null && bpf_request_try_merge(pn.value.rq, drq.rq) !== null) {
      dd_merged_requests(dd, pn.value, drq);
      dd_rq_handed_back(dd, drq);
      return drq.rq;
    }
  }
  dd_request_merged(dd, drq, type);
  return null;
}

/**
 * find_req_from_sector (rev-1): elv_merge's lookups for a bio [start, end). The hook does not
 * see the bio, so every level and direction is searched, back candidates first (RT, BE, IDLE;
 * read, write), then front ones; the elevator gives up if the one returned is not compatible.
 */
export function elv_merge_find(dd: deadline_data, start: number, end: number): BlkRequest | null {
  for (const per_prio of dd.per_prio)
    for (let dir = 0; dir < DD_DIR_COUNT; dir++) {
      const drq = elv_rqhash_find(per_prio, dir, start);
      if (drq !== null) return drq.rq;
    }
  if (!dd.front_merges) return null;
  for (const per_prio of dd.per_prio)
    for (let dir = 0; dir < DD_DIR_COUNT; dir++) {
      const drq = elv_rb_find(per_prio.sort_list[dir], end);
      if (drq !== null) return drq.rq;
    }
  return null;
}

/** next_req (rev-1): the next request in sector order; remembered in case the two coalesce. */
export function elv_rb_latter_request(dd: deadline_data, rq: BlkRequest): BlkRequest | null {
  const drq = dd.rqs.get(rq);
  const n = drq === undefined ? null : rb_next(drq.rb_node);
  if (drq === undefined || n === null) return null;
  dd.coalesce_survivor = drq;
  dd.coalesce_victim = n.value;
  return n.value.rq;
}

/** former_req (rev-1): the previous request in sector order; it would absorb rq. */
export function elv_rb_former_request(dd: deadline_data, rq: BlkRequest): BlkRequest | null {
  const drq = dd.rqs.get(rq);
  const p = drq === undefined ? null : rb_prev(drq.rb_node);
  if (drq === undefined || p === null) return null;
  dd.coalesce_survivor = p.value;
  dd.coalesce_victim = drq;
  return p.value.rq;
}

/**
 * Called from finish_req for a request still queued here: rev-1 frees a request coalesced
 * after a bio merge and has no requests_merged hook, so dd_merged_requests runs now, with the
 * survivor remembered by next_req / former_req.
 */
export function elv_coalesced_victim(dd: deadline_data, drq: dd_rq): void {
  const survivor = dd.coalesce_victim === drq ? dd.coalesce_survivor : null;
  if (survivor !== null) dd_merged_requests(dd, survivor, drq);
  else deadline_remove_request(drq.per_prio as dd_per_prio, drq);
  dd.coalesce_survivor = null;
  dd.coalesce_victim = null;
}
