// Generic elevator code the kernel's schedulers lean on, for their ports onto the UFQ hooks:
// mergeability (include/linux/blk-mq.h), lookups in a sector-sorted tree (block/elevator.c
// elv_rb_find, and a stand-in for the sector hash UFQ does not keep), the rotational flag
// (blk_queue_nonrot) and a run of the hardware queues (blk_mq_run_hw_queues), which UFQ has
// no kfunc for. The trees hold the policy's per-request records: anything with `rq`.

import type { BlkQueue, BlkRequest } from '../../ufq/ops.js';
import { EOPNOTSUPP } from './errno.js';
import {
  blk_rq_pos,
  blk_rq_sectors,
  REQ_NOMERGE_FLAGS,
  REQ_OP_DRV_IN,
  REQ_OP_DRV_OUT,
  REQ_OP_FLUSH,
  REQ_OP_WRITE_ZEROES,
  REQ_OP_ZONE_APPEND,
  RQF_FLUSH_SEQ,
  RQF_SPECIAL_PAYLOAD,
  RQF_STARTED,
  req_op,
} from './kfuncs.js';
import type { RbRoot } from './rbtree.js';

/** include/linux/blk-mq.h rq_mergeable: what the elevator hash keeps. */
export function rq_mergeable(rq: BlkRequest): boolean {
  const op = req_op(rq);
  if (op === REQ_OP_DRV_IN || op === REQ_OP_DRV_OUT) return false;
  if (op === REQ_OP_FLUSH || op === REQ_OP_WRITE_ZEROES || op === REQ_OP_ZONE_APPEND) return false;
  if (rq.cmd_flags & REQ_NOMERGE_FLAGS) return false;
  return (rq.rq_flags & (RQF_STARTED | RQF_FLUSH_SEQ | RQF_SPECIAL_PAYLOAD)) === 0;
}

/** block/elevator.c elv_rb_find: a request starting exactly at `sector` in a tree sorted by start. */
export function elv_rb_find<T extends { rq: BlkRequest }>(root: RbRoot<T>, sector: number): T | null {
  let node = root.rb_node;
  while (node !== null) {
    const pos = blk_rq_pos(node.value.rq);
    if (sector < pos) node = node.rb_left;
    else if (sector > pos) node = node.rb_right;
    else return node.value;
  }
  return null;
}

/**
 * block/elevator.c elv_rqhash_find, on a tree sorted by start instead of the hash UFQ does not
 * keep: a mergeable request ending exactly at `sector`. SIMPLIFIED: only the nearest request
 * starting below `sector` is looked at, which is the one ending there unless requests overlap.
 */
export function elv_rb_find_end<T extends { rq: BlkRequest }>(root: RbRoot<T>, sector: number): T | null {
  let node = root.rb_node;
  let res: T | null = null;
  while (node !== null) {
    if (blk_rq_pos(node.value.rq) < sector) {
      res = node.value;
      node = node.rb_right;
    } else {
      node = node.rb_left;
    }
  }
  if (res === null || blk_rq_pos(res.rq) + blk_rq_sectors(res.rq) !== sector) return null;
  return rq_mergeable(res.rq) ? res : null;
}

/**
 * include/linux/blkdev.h blk_queue_nonrot: true for a non-rotational device. The simulated
 * queue takes it from the device profile's `rotational`; a device that does not say counts as
 * non-rotational, the 6.11+ default (rotational is a feature a driver opts into).
 */
export function blk_queue_nonrot(q: BlkQueue): boolean {
  return q.__ufq.nonrot ?? true;
}

/**
 * Proposed kfunc, not in UFQ: hctx->queue_num of the hardware queue whose has_work or dispatch
 * called has_req or dispatch_req, so a port of a per-hctx scheduler (Kyber) serves that hctx's
 * state; UFQ's hooks only pass the queue. -1 if the elevator does not say. Stale in other hooks.
 */
export function bpf_ufq_current_hctx(q: BlkQueue): number {
  const cur = q.__ufq.current_hctx;
  return cur === undefined ? -1 : cur.call(q.__ufq);
}

/**
 * Proposed kfunc, not in UFQ: block/blk-mq.c blk_mq_run_hw_queues(q, true), a run of the
 * hardware queues from kblockd (under UFQ's SQ_SCHED: the current CPU's hctx and any hctx with
 * leftovers on its dispatch list). A scheduler that held requests back (BFQ idling) calls it when
 * it is ready to dispatch again. 0, or -EOPNOTSUPP if the elevator cannot run queues.
 */
export function bpf_ufq_run_hw_queues(q: BlkQueue): number {
  const run = q.__ufq.run_hw_queues;
  if (run === undefined) return -EOPNOTSUPP;
  run.call(q.__ufq);
  return 0;
}
