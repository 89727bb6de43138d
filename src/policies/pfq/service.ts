// PFQ's service tree, virtual time and idle hold (pfq.bpf.c; ufq-model §5.2-5.3, §5.6 steps
// 4 and 7, §5.7): active queues ordered by (vtime, qid) in a Linux-exact red-black tree whose
// in-service key is mutated in place, the per-dispatch charge, the batch-driven queue choice,
// and the SPECIAL-read hold that later hooks expire (UFQ gives PFQ no timer).
// Ported from linux-blktests/linux-block tools/ufq_iosched/pfq.bpf.c @ 533f33b6 (rev-3).

import { bpf_rbtree_add, bpf_rbtree_first, bpf_rbtree_remove, type RbNode } from '../lib/index.js';
import { is_special_read } from './classify.js';
import { PFQ_QID_NONE, PFQ_VTIME_SHIFT } from './defs.js';
import { PFQ_STAT_IDLE_HOLD, type pfq_stats } from './stat.js';
import {
  pfq_clear_idle_hold,
  type pfq_disk_data,
  pfq_max_batch,
  pfq_qid_valid,
  type pfq_queue_data,
  pfq_stat_add,
} from './state.js';

/** Service tree: lowest vtime first, then lowest qid. */
export function svc_less(a: RbNode<pfq_queue_data>, b: RbNode<pfq_queue_data>): boolean {
  const qa = a.value;
  const qb = b.value;
  if (qa.vtime !== qb.vtime) return qa.vtime < qb.vtime;
  return qa.qid < qb.qid;
}

export function pfq_refresh_min_vtime(dd: pfq_disk_data): void {
  const node = bpf_rbtree_first(dd.service_tree);
  dd.min_vtime = node ? node.value.vtime : dd.vtime;
}

export function pfq_insert_queue_to_service_tree(dd: pfq_disk_data, queue: pfq_queue_data): boolean {
  if (bpf_rbtree_add(dd.service_tree, queue.svc_rb_node, svc_less)) return false;
  pfq_refresh_min_vtime(dd);
  return true;
}

export function pfq_deactivate_queue(dd: pfq_disk_data, queue: pfq_queue_data): void {
  if (!queue.in_tree) return;
  queue.in_tree = false;
  if (dd.nr_active > 0) dd.nr_active--;
}

export function pfq_remove_queue_from_service_tree_locked(dd: pfq_disk_data, queue: pfq_queue_data): void {
  if (!queue.in_tree) return;
  if (!bpf_rbtree_remove(dd.service_tree, queue.svc_rb_node)) return;
  pfq_deactivate_queue(dd, queue);
  pfq_refresh_min_vtime(dd);
}

/** Remove and re-add at the current vtime, keeping membership and the active count. */
export function pfq_requeue_in_service_tree(dd: pfq_disk_data, queue: pfq_queue_data): void {
  if (!queue.in_tree) return;
  if (
    !bpf_rbtree_remove(dd.service_tree, queue.svc_rb_node) ||
    bpf_rbtree_add(dd.service_tree, queue.svc_rb_node, svc_less)
  ) {
    pfq_deactivate_queue(dd, queue);
    return;
  }
  pfq_refresh_min_vtime(dd);
}

/** A newly active queue starts no earlier than the disk's vtime floor. */
export function pfq_activate_queue(dd: pfq_disk_data, queue: pfq_queue_data): boolean {
  if (queue.in_tree) return true;
  if (queue.vtime < dd.vtime) queue.vtime = dd.vtime;
  if (!pfq_insert_queue_to_service_tree(dd, queue)) return false;
  queue.in_tree = true;
  dd.nr_active++;
  return true;
}

/** New work for the holder cancels its hold. */
export function pfq_stop_idle_hold(dd: pfq_disk_data, queue: pfq_queue_data): void {
  if (dd.waiting_idle && dd.idle_queue_qid === queue.qid) pfq_clear_idle_hold(dd);
}

/**
 * Ends `queue`'s hold if its deadline passed: the slot is freed and an empty holder leaves the
 * service tree. Only the caller's queue is checked (the holder in has_req and insert_req, the
 * in-service queue in dispatch_req).
 */
export function pfq_expire_idle_hold(dd: pfq_disk_data, now: number, queue: pfq_queue_data | null): void {
  if (!queue || !dd.waiting_idle || dd.idle_queue_qid !== queue.qid || now < dd.idle_deadline_ns) return;
  const qid = queue.qid;
  pfq_clear_idle_hold(dd);
  if (dd.in_service_qid === qid) dd.in_service_qid = PFQ_QID_NONE;
  if (!queue.nr_queued) pfq_remove_queue_from_service_tree_locked(dd, queue);
}

/** Charge a dispatch of `sectors` to the queue, from no earlier than the disk's floor. */
export function pfq_update_queue_vtime(dd: pfq_disk_data, queue: pfq_queue_data, sectors: number): void {
  if (queue.vtime < dd.vtime) queue.vtime = dd.vtime;
  let delta = Math.floor((sectors * (1 << PFQ_VTIME_SHIFT)) / queue.weight);
  // Truncation must not make small requests free.
  if (sectors && !delta) delta = 1;
  queue.vtime += delta;
}

export function pfq_set_in_service(dd: pfq_disk_data, qid: number): void {
  dd.in_service_qid = qid;
  dd.in_service_dispatched = 0;
}

/**
 * Keep an empty in-service SPECIAL read queue selected for min + (random mod (max - min + 1))
 * ms (min alone if max < min).
 */
export function pfq_start_idle_hold(
  dd: pfq_disk_data,
  queue: pfq_queue_data,
  now: number,
  random: number,
  stats: pfq_stats | null,
): void {
  if (!queue.in_tree || queue.nr_queued || dd.in_service_qid !== queue.qid || dd.waiting_idle) return;
  let extra = 0;
  if (dd.idle_delay_max_ms >= dd.idle_delay_min_ms) {
    const range = dd.idle_delay_max_ms - dd.idle_delay_min_ms + 1;
    extra = random % range;
  }
  dd.idle_queue_qid = queue.qid;
  dd.waiting_idle = true;
  // ms to ns.
  dd.idle_deadline_ns = now + (dd.idle_delay_min_ms + extra) * 1_000_000;
  pfq_stat_add(stats, PFQ_STAT_IDLE_HOLD, 1);
}

/**
 * The queue to dispatch from: the current one while its batch lasts (or while it is held
 * idle), else the service tree's leftmost, which starts a new batch.
 */
export function pfq_select_next_queue_locked(
  dd: pfq_disk_data,
  current: pfq_queue_data | null,
  now: number,
  random: number,
  stats: pfq_stats | null,
): pfq_queue_data | null {
  if (current) {
    if (dd.in_service_qid !== current.qid) return null;
  } else if (pfq_qid_valid(dd.in_service_qid)) return null;
  if (!dd.nr_active) return null;

  if (current) {
    if (current.nr_queued > 0) {
      if (dd.in_service_dispatched < pfq_max_batch(dd, current.io_type)) return current;
      if (current.in_tree) pfq_requeue_in_service_tree(dd, current);
    } else {
      if (is_special_read(current)) pfq_start_idle_hold(dd, current, now, random, stats);
      if (dd.waiting_idle && dd.idle_queue_qid === current.qid) return current;
      pfq_remove_queue_from_service_tree_locked(dd, current);
    }
    dd.in_service_qid = PFQ_QID_NONE;
  }
  const node = bpf_rbtree_first(dd.service_tree);
  if (!node) return null;
  const queue = node.value;
  pfq_set_in_service(dd, queue.qid);
  return queue;
}

/**
 * After a fair dispatch: a queue with requests left is requeued when its batch ends; an
 * emptied SPECIAL read queue in service is requeued and held; any other emptied queue leaves
 * the service tree and the slot.
 */
export function pfq_reposition_after_dispatch_locked(
  dd: pfq_disk_data,
  queue: pfq_queue_data,
  force_requeue: boolean,
  now: number,
  random: number,
  stats: pfq_stats | null,
): void {
  if (queue.nr_queued > 0) {
    if (force_requeue) pfq_requeue_in_service_tree(dd, queue);
    return;
  }
  if (is_special_read(queue) && dd.in_service_qid === queue.qid && queue.in_tree) {
    pfq_requeue_in_service_tree(dd, queue);
    pfq_start_idle_hold(dd, queue, now, random, stats);
    if (dd.waiting_idle && dd.idle_queue_qid === queue.qid) return;
  }
  pfq_remove_queue_from_service_tree_locked(dd, queue);
  if (dd.in_service_qid === queue.qid) dd.in_service_qid = PFQ_QID_NONE;
}
