// BFQ continued (block/bfq-iosched.c, kernel order): queues per process, insertion, completion
// and the idle timer. Each process (pid of the request's first bio) has a sync queue; async
// requests share one queue per (class, level). Weights come from the process's I/O priority:
// (8 - level) x 10. Inserting updates think time and seekiness and may stop idling; a
// completion may start idling (a timer of slice_idle) or expire the queue, and reruns the
// queues once the device has emptied. Init and exit are in iosched-init.ts.
// SIMPLIFIED (docs/policies-bfq.md): a process keeps its queues for the whole run (no exit,
// no reference counts), no cooperator or stable merges, no oom queue.

import {
  BLK_MQ_INSERT_AT_HEAD,
  type BlkRequest,
  blk_rq_pos,
  blk_rq_sectors,
  bpf_jiffies64,
  bpf_ktime_get_ns,
  IOPRIO_CLASS_BE,
  IOPRIO_CLASS_IDLE,
  IOPRIO_CLASS_NONE,
  IOPRIO_CLASS_RT,
  IOPRIO_NR_LEVELS,
  IOPRIO_PRIO_CLASS,
  IOPRIO_PRIO_LEVEL,
  ListHead,
  ListNode,
  list_add,
  list_add_tail,
  list_del_init,
  RB_EMPTY_NODE,
  RB_EMPTY_ROOT,
  RbNode,
  RbRoot,
  REQ_META,
  rq_is_sync,
} from '../lib/index.js';
import { bfq_insert_merge_survivor, bfq_rq_hold } from './elevator.js';
import {
  bfq_class_idle,
  bfq_handle_burst,
  bfq_idle_slice_timer_cancel,
  bfq_max_budget,
  bfq_rq_get,
  bfq_sample_valid,
  bfq_schedule_dispatch,
  bfq_smallest_from_now,
  bfq_weights_tree_remove,
  bfq_wr_duration,
  switch_back_to_interactive_wr,
} from './iosched.js';
import { BFQQ_TOTALLY_SEEKY, bfq_add_request, bfq_bfqq_end_wr, bfq_remove_request } from './iosched-busy.js';
import {
  BFQ_RQ_SEEKY,
  bfq_arm_slice_timer,
  bfq_better_to_idle,
  bfq_bfqq_budget_timeout,
  bfq_bfqq_expire,
  bfq_bfqq_must_idle,
  bfq_bfqq_softrt_next_start,
  bfq_may_expire_for_budg_timeout,
  bfq_update_rate_reset,
  idling_boosts_thr_without_issues,
} from './iosched-expire.js';
import {
  BFQ_DEFAULT_QUEUE_IOPRIO,
  BFQ_HW_QUEUE_SAMPLES,
  BFQ_HW_QUEUE_THRESHOLD,
  BFQ_MIN_TT,
  BFQQE_BUDGET_TIMEOUT,
  BFQQE_NO_MORE_REQUESTS,
  BFQQE_TOO_IDLE,
  bfq_bfqq_busy,
  bfq_bfqq_has_short_ttime,
  bfq_bfqq_just_created,
  bfq_bfqq_softrt_update,
  bfq_bfqq_sync,
  bfq_bfqq_wait_request,
  bfq_clear_bfqq_has_short_ttime,
  bfq_clear_bfqq_wait_request,
  type bfq_data,
  type bfq_entity,
  type bfq_io_cq,
  bfq_mark_bfqq_has_short_ttime,
  bfq_mark_bfqq_IO_bound,
  bfq_mark_bfqq_just_created,
  bfq_mark_bfqq_sync,
  type bfq_queue,
  type bfq_rq,
} from './iosched-h.js';
import { bfq_inject_on_ttime_change, bfq_update_inject_limit } from './iosched-inject.js';
import { bfq_ioprio_to_weight, bfq_tot_busy_queues } from './wf2q.js';

/** The class and level a queue takes from its process's I/O priority; prio_changed applies them. */
function bfq_set_next_ioprio_data(bfqq: bfq_queue, bic: bfq_io_cq): void {
  const ioprio_class = IOPRIO_PRIO_CLASS(bic.ioprio);
  switch (ioprio_class) {
    case IOPRIO_CLASS_RT:
    case IOPRIO_CLASS_BE:
      bfqq.new_ioprio = IOPRIO_PRIO_LEVEL(bic.ioprio);
      bfqq.new_ioprio_class = ioprio_class;
      break;
    case IOPRIO_CLASS_IDLE:
      bfqq.new_ioprio_class = IOPRIO_CLASS_IDLE;
      bfqq.new_ioprio = IOPRIO_NR_LEVELS - 1;
      break;
    default:
      // NONE (and a bad class, after pr_err): the CPU nice level, a normal task's BE/4.
      // SIMPLIFIED: every task is taken as nice 0, SCHED_NORMAL (task_nice_ioprio/ioclass).
      bfqq.new_ioprio = BFQ_DEFAULT_QUEUE_IOPRIO;
      bfqq.new_ioprio_class = IOPRIO_CLASS_BE;
  }
  bfqq.entity.new_weight = bfq_ioprio_to_weight(bfqq.new_ioprio);
  bfqq.entity.prio_changed = true;
}

/** The process's priority changed: a new async queue, and the sync queue's prio updated. */
function bfq_check_ioprio_change(bfqd: bfq_data, bic: bfq_io_cq, ioprio: number): void {
  if (bic.ioprio === ioprio) return;
  bic.ioprio = ioprio;
  if (bic.bfqq[0] !== null) bic.bfqq[0] = bfq_get_queue(bfqd, false, bic);
  const sync = bic.bfqq[1];
  if (sync !== null) bfq_set_next_ioprio_data(sync, bic);
}

function bfq_init_bfqq(bfqd: bfq_data, bic: bfq_io_cq, is_sync: boolean): bfq_queue {
  const now_ns = bpf_ktime_get_ns();
  const now = bpf_jiffies64();
  const e = {
    on_st_or_in_serv: false,
    start: 0,
    finish: 0,
    tree: null,
    min_start: 0,
    service: 0,
    budget: 0,
    allocated: 0,
    weight: 0,
    new_weight: 0,
    orig_weight: 0,
    prio_changed: false,
    sched_data: bfqd.sched_data,
  } as Omit<bfq_entity, 'rb_node' | 'bfqq'>;
  const entity = Object.assign(e, { rb_node: new RbNode(e as bfq_entity) }) as bfq_entity;
  const q: Omit<bfq_queue, 'bfqq_list' | 'woken_list_node'> = {
    bfqd,
    ioprio: 0,
    ioprio_class: 0,
    new_ioprio: 0,
    new_ioprio_class: 0,
    sort_list: new RbRoot(),
    next_rq: null,
    queued: [0, 0],
    meta_pending: 0,
    fifo: new ListHead(),
    entity,
    weight_counter: null,
    // A tentative trade-off between throughput and latency.
    max_budget: Math.floor((2 * bfq_max_budget(bfqd)) / 3),
    budget_timeout: bfq_smallest_from_now(),
    dispatched: 0,
    flags: 0,
    // The last request "ended" just after now: think time starts from here.
    ttime: { last_end_request: now_ns + 1, ttime_total: 0, ttime_samples: 0, ttime_mean: 0 },
    io_start_time: now_ns,
    tot_idle_time: 0,
    // The first request is almost certainly seeky.
    seek_history: 1,
    last_request_pos: 0,
    pid: bic.pid,
    bic: is_sync ? bic : null,
    wr_cur_max_time: 0,
    // Nothing consumed yet: soft real-time from now on.
    soft_rt_next_start: now,
    last_wr_start_finish: now,
    wr_coeff: 1,
    last_idle_bklogged: 0,
    service_from_backlogged: 0,
    service_from_wr: 0,
    wr_start_at_switch_to_srt: bfq_smallest_from_now(),
    split_time: bfq_smallest_from_now(),
    first_IO_time: 0,
    creation_time: now,
    // No baseline service time yet; the limit starts at 0 (reset on the first think-time change).
    inject_limit: 0,
    last_serv_time_ns: 0,
    decrease_time_jif: now,
    waker_bfqq: null,
    tentative_waker_bfqq: null,
    num_waker_detections: 0,
    waker_detection_started: 0,
    woken_list: new ListHead(),
  };
  const bfqq = Object.assign(q, {
    bfqq_list: new ListNode(q),
    woken_list_node: new ListNode(q),
  }) as bfq_queue;
  (entity as { bfqq: bfq_queue }).bfqq = bfqq;
  bfq_set_next_ioprio_data(bfqq, bic);
  if (is_sync) {
    // No idling for the idle class, so no short think time either.
    if (!bfq_class_idle(bfqq)) bfq_mark_bfqq_has_short_ttime(bfqq);
    bfq_mark_bfqq_sync(bfqq);
    bfq_mark_bfqq_just_created(bfqq);
  }
  bfq_mark_bfqq_IO_bound(bfqq);
  // bfq_init_entity (bfq-cgroup.c): weights and class from the new values.
  entity.weight = entity.new_weight;
  entity.orig_weight = entity.new_weight;
  bfqq.ioprio = bfqq.new_ioprio;
  bfqq.ioprio_class = bfqq.new_ioprio_class;
  bfqd.queues.push(bfqq);
  return bfqq;
}

/** The shared async queue of a class and level: RT and BE per level (NONE as BE/4), one for IDLE. */
function bfq_async_queue_slot(ioprio_class: number, ioprio: number): [number, number] {
  if (ioprio_class === IOPRIO_CLASS_RT) return [0, ioprio];
  if (ioprio_class === IOPRIO_CLASS_IDLE) return [2, 0];
  return [1, ioprio_class === IOPRIO_CLASS_NONE ? BFQ_DEFAULT_QUEUE_IOPRIO : ioprio];
}

function bfq_get_queue(bfqd: bfq_data, is_sync: boolean, bic: bfq_io_cq): bfq_queue {
  if (is_sync) return bfq_init_bfqq(bfqd, bic, true);
  const [row, col] = bfq_async_queue_slot(IOPRIO_PRIO_CLASS(bic.ioprio), IOPRIO_PRIO_LEVEL(bic.ioprio));
  const slots = row === 2 ? null : bfqd.async_bfqq[row];
  const existing = slots === null ? bfqd.async_idle_bfqq : slots[col];
  if (existing !== null) return existing;
  const bfqq = bfq_init_bfqq(bfqd, bic, false);
  if (slots === null) bfqd.async_idle_bfqq = bfqq;
  else slots[col] = bfqq;
  return bfqq;
}

/** Mean think time (EWMA, weight 7/8) of a queue with nothing queued or in flight, ns. */
function bfq_update_io_thinktime(bfqd: bfq_data, bfqq: bfq_queue): void {
  const ttime = bfqq.ttime;
  if (bfqq.dispatched || bfq_bfqq_busy(bfqq)) return;
  const elapsed = Math.min(bpf_ktime_get_ns() - ttime.last_end_request, 2 * bfqd.bfq_slice_idle);
  ttime.ttime_samples = Math.floor((7 * ttime.ttime_samples + 256) / 8);
  ttime.ttime_total = Math.floor((7 * ttime.ttime_total + 256 * elapsed) / 8);
  ttime.ttime_mean = Math.floor((ttime.ttime_total + 128) / ttime.ttime_samples);
}

function bfq_update_io_seektime(bfqd: bfq_data, bfqq: bfq_queue, brq: bfq_rq): void {
  bfqq.seek_history =
    ((bfqq.seek_history << 1) | (BFQ_RQ_SEEKY(bfqd, bfqq.last_request_pos, brq) ? 1 : 0)) >>> 0;
  // A totally seeky queue is not soft real-time: its soft-RT raising stops.
  if (bfqq.wr_coeff > 1 && bfqq.wr_cur_max_time === bfqd.bfq_wr_rt_max_time && BFQQ_TOTALLY_SEEKY(bfqq)) {
    if (bfqq.wr_start_at_switch_to_srt + bfq_wr_duration(bfqd) < bpf_jiffies64()) bfq_bfqq_end_wr(bfqq);
    else {
      switch_back_to_interactive_wr(bfqq, bfqd);
      bfqq.entity.prio_changed = true;
    }
  }
}

/** Short think time unless, over 80 samples, the mean exceeds half of slice_idle. */
function bfq_update_has_short_ttime(bfqd: bfq_data, bfqq: bfq_queue): void {
  if (!bfq_bfqq_sync(bfqq) || bfq_class_idle(bfqq) || bfqd.bfq_slice_idle === 0) return;
  // Idle window just restored after a split: statistics are meaningless.
  if (bfqq.split_time + bfqd.bfq_wr_min_idle_time >= bpf_jiffies64()) return;
  const has_short_ttime = !(
    bfq_sample_valid(bfqq.ttime.ttime_samples) && bfqq.ttime.ttime_mean > bfqd.bfq_slice_idle / 2
  );
  const state_changed = has_short_ttime !== bfq_bfqq_has_short_ttime(bfqq);
  if (has_short_ttime) bfq_mark_bfqq_has_short_ttime(bfqq);
  else bfq_clear_bfqq_has_short_ttime(bfqq);
  // Without a baseline the inject limit follows the think time (0 short, 1 long).
  if (state_changed) bfq_inject_on_ttime_change(bfqd, bfqq, has_short_ttime);
}

/** A request joined bfqq: if it is the one idling, stop idling (unless a small request may grow). */
function bfq_rq_enqueued(bfqd: bfq_data, bfqq: bfq_queue, brq: bfq_rq): void {
  if (brq.rq.cmd_flags & REQ_META) bfqq.meta_pending++;
  bfqq.last_request_pos = blk_rq_pos(brq.rq) + blk_rq_sectors(brq.rq);
  if (bfqq !== bfqd.in_service_queue || !bfq_bfqq_wait_request(bfqq)) return;
  const small_req = bfqq.queued[rq_is_sync(brq.rq) ? 1 : 0] === 1 && blk_rq_sectors(brq.rq) < 32;
  const budget_timeout = bfq_bfqq_budget_timeout(bfqq);
  // Idling for throughput: wait for the block layer to grow this small request.
  if (small_req && idling_boosts_thr_without_issues(bfqd, bfqq) && !budget_timeout) return;
  bfq_clear_bfqq_wait_request(bfqq);
  bfq_idle_slice_timer_cancel(bfqd);
  // Not empty now, so a budget-timeout expiry keeps the timestamps right.
  if (budget_timeout) bfq_bfqq_expire(bfqd, bfqq, false, BFQQE_BUDGET_TIMEOUT);
}

function __bfq_insert_request(bfqd: bfq_data, brq: bfq_rq): void {
  const bfqq = brq.bfqq as bfq_queue;
  bfq_update_io_thinktime(bfqd, bfqq);
  bfq_update_has_short_ttime(bfqd, bfqq);
  bfq_update_io_seektime(bfqd, bfqq, brq);
  bfq_add_request(brq);
  brq.fifo_time = bpf_ktime_get_ns() + bfqd.bfq_fifo_expire[rq_is_sync(brq.rq) ? 1 : 0];
  list_add_tail(brq.queuelist, bfqq.fifo);
  bfq_rq_enqueued(bfqd, bfqq, brq);
}

/**
 * bfq_init_rq: the request's process and queue (made on first use), counted as allocated to
 * it. A just-created queue may belong to a burst of new queues.
 */
function bfq_init_rq(bfqd: bfq_data, brq: bfq_rq): bfq_queue {
  if (brq.bfqq !== null) return brq.bfqq;
  const rq = brq.rq;
  const is_sync = rq_is_sync(rq);
  let bic = bfqd.bics.get(rq.pid);
  if (bic === undefined) {
    bic = { pid: rq.pid, bfqq: [null, null], ioprio: rq.ioprio, requests: 0 };
    bfqd.bics.set(rq.pid, bic);
  }
  bfq_check_ioprio_change(bfqd, bic, rq.ioprio);
  let bfqq = bic.bfqq[is_sync ? 1 : 0];
  if (bfqq === null) {
    bfqq = bfq_get_queue(bfqd, is_sync, bic);
    bic.bfqq[is_sync ? 1 : 0] = bfqq;
  }
  bfqq.entity.allocated++;
  bic.requests++;
  brq.bic = bic;
  brq.bfqq = bfqq;
  if (bfq_bfqq_just_created(bfqq) && (bfqd.burst_size > 0 || bfq_tot_busy_queues(bfqd) === 0))
    bfq_handle_burst(bfqd, bfqq);
  return bfqq;
}

/**
 * insert_req, called from the UFQ insert path after its merge attempts: at-head requests go
 * on the dispatch list, the rest into their process's queue.
 */
export function bfq_insert_request(bfqd: bfq_data, rq: BlkRequest, flags: number): number {
  // The survivor of a merge_req merge (or its rev-2+ rollback) stays where it is.
  if (bfq_insert_merge_survivor(bfqd, rq)) return 0;
  let brq = bfqd.rqs.get(rq);
  // Seen before and not the survivor: a requeue. It counts as finished, then comes anew.
  if (brq !== undefined) bfq_finish_requeue_request(bfqd, brq);
  else brq = bfq_rq_get(bfqd, rq);
  bfq_init_rq(bfqd, brq);
  bfq_rq_hold(brq);
  if (flags & BLK_MQ_INSERT_AT_HEAD) list_add(brq.queuelist, bfqd.dispatch);
  else __bfq_insert_request(bfqd, brq);
  return 0;
}

/** Driver queueing: more than 3 requests in flight seen within 32 samples with enough queued. */
function bfq_update_hw_tag(bfqd: bfq_data): void {
  const bfqq = bfqd.in_service_queue;
  bfqd.max_rq_in_driver = Math.max(bfqd.max_rq_in_driver, bfqd.tot_rq_in_driver);
  if (bfqd.hw_tag === 1) return;
  if (bfqd.tot_rq_in_driver + bfqd.queued <= BFQ_HW_QUEUE_THRESHOLD) return;
  // A queue that may idle cannot feed the device enough to tell: no sample.
  if (
    bfqq !== null &&
    bfq_bfqq_has_short_ttime(bfqq) &&
    bfqq.dispatched + bfqq.queued[0] + bfqq.queued[1] < BFQ_HW_QUEUE_THRESHOLD &&
    bfqd.tot_rq_in_driver < BFQ_HW_QUEUE_THRESHOLD
  )
    return;
  if (bfqd.hw_tag_samples++ < BFQ_HW_QUEUE_SAMPLES) return;
  bfqd.hw_tag = bfqd.max_rq_in_driver > BFQ_HW_QUEUE_THRESHOLD ? 1 : 0;
  bfqd.max_rq_in_driver = 0;
  bfqd.hw_tag_samples = 0;
  bfqd.nonrot_with_queueing = bfqd.nonrot && bfqd.hw_tag === 1;
}

/** A dispatched request of bfqq completed: think-time base, peak-rate check, idle or expire. */
function bfq_completed_request(bfqq: bfq_queue, bfqd: bfq_data): void {
  bfq_update_hw_tag(bfqd);
  bfqd.tot_rq_in_driver--;
  bfqq.dispatched--;
  bfqd.stats.completed++;
  if (!bfqq.dispatched && !bfq_bfqq_busy(bfqq)) {
    // budget_timeout doubles as "when it went empty and idle", for weight raising.
    bfqq.budget_timeout = bpf_jiffies64();
    bfq_weights_tree_remove(bfqq);
  }
  const now_ns = bpf_ktime_get_ns();
  bfqq.ttime.last_end_request = now_ns;
  const delta_us = Math.floor((now_ns - bfqd.last_completion) / 1000);
  // A completion this slow (under 1M sectors/s for the largest recent request) spoils the
  // peak-rate interval: close it at the last event.
  if (delta_us > BFQ_MIN_TT / 1000 && (bfqd.last_rq_max_size * 2 ** 16) / delta_us < 2 ** 6)
    bfq_update_rate_reset(bfqd, null);
  bfqd.last_completion = now_ns;
  bfqd.last_completed_rq_bfqq = bfqq;
  // Its expiry waited for the last completion to tell if it is isochronous.
  if (
    bfq_bfqq_softrt_update(bfqq) &&
    bfqq.dispatched === 0 &&
    RB_EMPTY_ROOT(bfqq.sort_list) &&
    bfqq.wr_coeff !== bfqd.bfq_wr_coeff
  )
    bfqq.soft_rt_next_start = bfq_bfqq_softrt_next_start(bfqd, bfqq);
  if (bfqd.in_service_queue === bfqq) {
    if (bfq_bfqq_must_idle(bfqq)) {
      // Idle once the last request is back; not expiring it now keeps its right to idle.
      if (bfqq.dispatched === 0) bfq_arm_slice_timer(bfqd);
      return;
    }
    if (bfq_may_expire_for_budg_timeout(bfqq)) bfq_bfqq_expire(bfqd, bfqq, false, BFQQE_BUDGET_TIMEOUT);
    else if (RB_EMPTY_ROOT(bfqq.sort_list) && (bfqq.dispatched === 0 || !bfq_better_to_idle(bfqq)))
      bfq_bfqq_expire(bfqd, bfqq, false, BFQQE_NO_MORE_REQUESTS);
  }
  if (!bfqd.tot_rq_in_driver) bfq_schedule_dispatch(bfqd);
}

/**
 * bfq_finish_requeue_request, for finish_req (completion, or freed as a merge victim) and for
 * a requeue seen at insert_req: a started request completes for BFQ, and the request leaves
 * its queue's allocation. The caller drops the record (and the policy's reference).
 */
export function bfq_finish_requeue_request(bfqd: bfq_data, brq: bfq_rq): void {
  const bfqq = brq.bfqq;
  if (bfqq === null) return;
  if (brq.started) {
    // The request whose total service time is being sampled: update the inject limit.
    if (brq === bfqd.waited_rq) bfq_update_inject_limit(bfqd, bfqq);
    bfq_completed_request(bfqq, bfqd);
  }
  // A merge victim freed while still queued here: out of the queue first.
  if (!RB_EMPTY_NODE(brq.rb_node)) bfq_remove_request(brq);
  else list_del_init(brq.queuelist);
  bfqq.entity.allocated--;
  if (brq.bic !== null) brq.bic.requests--;
  brq.bfqq = null;
  brq.started = false;
}

/** Idle timer body: the queue waited in vain (or its slot is over): expire it and dispatch. */
export function bfq_idle_slice_timer(bfqd: bfq_data): void {
  const bfqq = bfqd.in_service_queue;
  bfqd.stats.idle_timer_fired++;
  if (bfqq === null) return;
  bfq_clear_bfqq_wait_request(bfqq);
  let reason = -1;
  if (bfq_bfqq_budget_timeout(bfqq)) reason = BFQQE_BUDGET_TIMEOUT;
  // Not always empty: a small request may have arrived while idling for throughput.
  else if (bfqq.queued[0] === 0 && bfqq.queued[1] === 0) reason = BFQQE_TOO_IDLE;
  if (reason >= 0) bfq_bfqq_expire(bfqd, bfqq, true, reason);
  bfq_schedule_dispatch(bfqd);
}
