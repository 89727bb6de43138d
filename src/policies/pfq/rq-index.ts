// PFQ's request indexes (pfq.bpf.c; ufq-model §5.4, §5.6 step 5, §5.10): one request tree
// by (qid, cached sector) and one FIFO tree by (qid, deadline, sector) per I/O type, searched
// by bounded descents from the root (24 levels for FIFO-first / next / prev, 128 steps for the
// adjacency search), so results depend on the tree's shape as in the kernel.
// Ported from linux-blktests/linux-block tools/ufq_iosched/pfq.bpf.c @ 533f33b6 (rev-3).

import {
  type BlkRequest,
  type Box,
  bpf_rbtree_add,
  bpf_rbtree_left,
  bpf_rbtree_remove,
  bpf_rbtree_right,
  bpf_rbtree_root,
  EINVAL,
  ELEVATOR_BACK_MERGE,
  ELEVATOR_FRONT_MERGE,
  ELEVATOR_NO_MERGE,
  type RbNode,
  type RbRoot,
} from '../lib/index.js';
import { PFQ_LOOP_MAX, PFQ_RB_HEIGHT_MAX, SECTOR_SHIFT } from './defs.js';
import { pfq_activate_queue, pfq_stop_idle_hold } from './service.js';
import {
  pfq_account_dec,
  pfq_account_inc,
  pfq_core_drop,
  type pfq_disk_data,
  pfq_fifo_tree,
  type pfq_prog,
  type pfq_queue_data,
  type pfq_rq_core,
  pfq_rq_tree,
} from './state.js';

export function pfq_distance(pos: number, last_sector: number): number {
  return pos >= last_sector ? pos - last_sector : last_sector - pos;
}

/** Request tree: (qid, cached sector). */
export function rq_less(a: RbNode<pfq_rq_core>, b: RbNode<pfq_rq_core>): boolean {
  const na = a.value;
  const nb = b.value;
  if (na.qid !== nb.qid) return na.qid < nb.qid;
  return na.sector < nb.sector;
}

/** FIFO tree: (qid, deadline, cached sector). */
export function fifo_less(a: RbNode<pfq_rq_core>, b: RbNode<pfq_rq_core>): boolean {
  const na = a.value;
  const nb = b.value;
  if (na.qid !== nb.qid) return na.qid < nb.qid;
  if (na.fifo_deadline_ns !== nb.fifo_deadline_ns) return na.fifo_deadline_ns < nb.fifo_deadline_ns;
  return na.sector < nb.sector;
}

// Neighbour lookups descend from the root (there is no parent kfunc), at most 24 levels.

/** The earliest FIFO deadline of `qid`. */
export function pfq_fifo_first_qid(root: RbRoot<pfq_rq_core> | null, qid: number): pfq_rq_core | null {
  if (!root) return null;
  let best: pfq_rq_core | null = null;
  let node = bpf_rbtree_root(root);
  for (let i = 0; node && i < PFQ_RB_HEIGHT_MAX; i++) {
    const c = node.value;
    if (c.qid < qid) node = bpf_rbtree_right(root, node);
    else {
      best = c;
      node = bpf_rbtree_left(root, node);
    }
  }
  return best && best.qid === qid ? best : null;
}

/** The lowest cached sector >= `sector` in the queue. */
export function pfq_rq_tree_next(
  dd: pfq_disk_data,
  queue: pfq_queue_data,
  sector: number,
): pfq_rq_core | null {
  const root = pfq_rq_tree(dd, queue.qid);
  if (!root) return null;
  let best: pfq_rq_core | null = null;
  let node = bpf_rbtree_root(root);
  for (let i = 0; node && i < PFQ_RB_HEIGHT_MAX; i++) {
    const core = node.value;
    if (core.qid < queue.qid || (core.qid === queue.qid && core.sector < sector))
      node = bpf_rbtree_right(root, node);
    else {
      if (core.qid === queue.qid) best = core;
      node = bpf_rbtree_left(root, node);
    }
  }
  return best;
}

/** The highest cached sector < `sector` in the queue. */
export function pfq_rq_tree_prev(
  dd: pfq_disk_data,
  queue: pfq_queue_data,
  sector: number,
): pfq_rq_core | null {
  const root = pfq_rq_tree(dd, queue.qid);
  if (!root) return null;
  let best: pfq_rq_core | null = null;
  let node = bpf_rbtree_root(root);
  for (let i = 0; node && i < PFQ_RB_HEIGHT_MAX; i++) {
    const core = node.value;
    if (core.qid > queue.qid || (core.qid === queue.qid && core.sector >= sector))
      node = bpf_rbtree_left(root, node);
    else {
      if (core.qid === queue.qid) best = core;
      node = bpf_rbtree_right(root, node);
    }
  }
  return best;
}

/** Metadata first, then the smaller seek distance, then the lower sector. */
export function pfq_choose_core(
  c1: pfq_rq_core | null,
  c2: pfq_rq_core | null,
  last_sector: number,
): pfq_rq_core | null {
  if (!c1 || c1 === c2) return c2;
  if (!c2) return c1;
  if (c1.is_meta && !c2.is_meta) return c1;
  if (!c1.is_meta && c2.is_meta) return c2;
  const s1 = c1.sector;
  const s2 = c2.sector;
  const d1 = pfq_distance(s1, last_sector);
  const d2 = pfq_distance(s2, last_sector);
  if (d1 < d2) return c1;
  if (d2 < d1) return c2;
  return s1 <= s2 ? c1 : c2;
}

/** The queue's earliest FIFO node if its deadline has passed and it is not `last`. */
export function pfq_check_fifo(
  dd: pfq_disk_data,
  queue: pfq_queue_data,
  last: pfq_rq_core | null,
  now: number,
): pfq_rq_core | null {
  const core = pfq_fifo_first_qid(pfq_fifo_tree(dd, queue.qid), queue.qid);
  if (!core || core === last || now < core.fifo_deadline_ns) return null;
  return core;
}

/** FIFO expiry wins; otherwise the nearer of the neighbours around last_sector. */
export function pfq_update_next_rq(
  dd: pfq_disk_data,
  queue: pfq_queue_data,
  now: number,
): pfq_rq_core | null {
  const fifo_rn = pfq_check_fifo(dd, queue, null, now);
  if (fifo_rn) return fifo_rn;
  const next_rn = pfq_rq_tree_next(dd, queue, dd.last_sector);
  const prev_rn = pfq_rq_tree_prev(dd, queue, dd.last_sector);
  return pfq_choose_core(next_rn, prev_rn, dd.last_sector);
}

/** After a front bio merge: re-sort the wrapper in the request tree (FIFO position unchanged). */
export function pfq_reposition_rq_in_tree(
  dd: pfq_disk_data,
  queue: pfq_queue_data,
  rn: pfq_rq_core,
): boolean {
  const rq_root = pfq_rq_tree(dd, queue.qid);
  if (!rq_root || !bpf_rbtree_remove(rq_root, rn.rb_node)) return false;
  return !bpf_rbtree_add(rq_root, rn.rb_node, rq_less);
}

export function pfq_finish_front_bio_merge(
  dd: pfq_disk_data,
  queue: pfq_queue_data,
  rn: pfq_rq_core,
  new_sector: number,
): void {
  rn.sector = new_sector;
  pfq_reposition_rq_in_tree(dd, queue, rn);
}

/** Unlink the wrapper from both trees; returns its request (and reference), or null. */
export function pfq_dequeue_rq_core_locked(
  P: pfq_prog,
  dd: pfq_disk_data,
  queue: pfq_queue_data,
  rn: pfq_rq_core,
): BlkRequest | null {
  const in_tree = bpf_rbtree_remove(pfq_rq_tree(dd, queue.qid) as RbRoot<pfq_rq_core>, rn.rb_node) !== null;
  const in_fifo =
    bpf_rbtree_remove(pfq_fifo_tree(dd, queue.qid) as RbRoot<pfq_rq_core>, rn.fifo_rb_node) !== null;
  if (!in_tree && !in_fifo) return null;
  const rq = rn.req;
  pfq_account_dec(dd, queue);
  pfq_core_drop(P, rn);
  return rq;
}

/** Link a filled wrapper into both trees, count it, and activate its queue (or end its hold). */
export function pfq_insert_core_locked(dd: pfq_disk_data, queue: pfq_queue_data, core: pfq_rq_core): number {
  const rq_root = pfq_rq_tree(dd, queue.qid);
  const fifo_root = pfq_fifo_tree(dd, queue.qid);
  if (!rq_root || !fifo_root) return -EINVAL;
  bpf_rbtree_add(rq_root, core.rb_node, rq_less);
  bpf_rbtree_add(fifo_root, core.fifo_rb_node, fifo_less);
  pfq_account_inc(dd, queue);
  // A queue already in the tree (active or held) keeps its slot and its batch count.
  if (queue.in_tree) pfq_stop_idle_hold(dd, queue);
  else pfq_activate_queue(dd, queue);
  return 0;
}

/**
 * A queued request of `queue` adjacent to [probe_start, probe_end): one descent from the root,
 * at most 128 steps, skipping other qids by the tree order and comparing live ranges.
 */
export function pfq_rq_tree_find_adjacent(
  dd: pfq_disk_data,
  queue: pfq_queue_data,
  probe_start: number,
  probe_end: number,
  out_rn: Box<pfq_rq_core | null>,
): number {
  out_rn.value = null;
  const rq_root = pfq_rq_tree(dd, queue.qid);
  if (!rq_root) return ELEVATOR_NO_MERGE;
  let node = bpf_rbtree_root(rq_root);
  let count = 0;
  while (node && count++ < PFQ_LOOP_MAX) {
    const rn = node.value;
    if (rn.qid < queue.qid) {
      node = bpf_rbtree_right(rq_root, node);
      continue;
    }
    if (rn.qid > queue.qid) {
      node = bpf_rbtree_left(rq_root, node);
      continue;
    }
    const req = rn.req;
    if (!req) break;
    const cand_start = req.__sector;
    const cand_end = cand_start + (req.__data_len >>> SECTOR_SHIFT);
    if (probe_end < cand_start) node = bpf_rbtree_left(rq_root, node);
    else if (probe_start > cand_end) node = bpf_rbtree_right(rq_root, node);
    else if (cand_start === probe_end) {
      out_rn.value = rn;
      return ELEVATOR_FRONT_MERGE;
    } else if (cand_end === probe_start) {
      out_rn.value = rn;
      return ELEVATOR_BACK_MERGE;
    } else break;
  }
  return ELEVATOR_NO_MERGE;
}
