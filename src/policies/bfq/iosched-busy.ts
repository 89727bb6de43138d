// BFQ continued (block/bfq-iosched.c, kernel order): what happens when a request joins or
// leaves a queue. A queue going from empty to busy gets its budget (or its unused one back, if
// it returns in time: the "service hole" recovery), may start a weight-raising period
// (interactive: idle for 2 s or new, default weight; soft real-time: low rate, isochronous),
// and may preempt the queue in service. Also the merge callbacks and the end of raising.
// SIMPLIFIED (docs/policies-bfq.md): no queue merging (cooperators), so none of its state is
// kept here. Waker detection and injection sampling are in iosched-inject.ts.

import {
  blk_rq_pos,
  bpf_jiffies64,
  bpf_ktime_get_ns,
  ELEVATOR_FRONT_MERGE,
  list_add,
  list_del_init,
  list_empty,
  RB_EMPTY_NODE,
  RB_EMPTY_ROOT,
  REQ_META,
  rb_add,
  rb_erase,
  rb_prev,
  rq_is_sync,
} from '../lib/index.js';
import {
  bfq_bfqq_budget_left,
  bfq_choose_req,
  bfq_find_next_rq,
  bfq_min_budget,
  bfq_serv_to_charge,
  bfq_smallest_from_now,
  bfq_updated_next_req,
  bfq_wr_duration,
  msecs_to_jiffies,
} from './iosched.js';
import { bfq_better_to_idle, bfq_bfqq_expire } from './iosched-expire.js';
import {
  BFQ_SOFTRT_WEIGHT_FACTOR,
  BFQQE_PREEMPTED,
  bfq_bfqq_busy,
  bfq_bfqq_in_large_burst,
  bfq_bfqq_just_created,
  bfq_bfqq_non_blocking_wait_rq,
  bfq_bfqq_sync,
  bfq_clear_bfqq_IO_bound,
  bfq_clear_bfqq_in_large_burst,
  bfq_clear_bfqq_just_created,
  bfq_clear_bfqq_non_blocking_wait_rq,
  bfq_clear_bfqq_softrt_update,
  type bfq_data,
  bfq_mark_bfqq_IO_bound,
  type bfq_queue,
  type bfq_rq,
} from './iosched-h.js';
import { bfq_inject_on_arrival } from './iosched-inject.js';
import { bfq_add_bfqq_busy, bfq_del_bfqq_busy, next_queue_may_preempt } from './wf2q.js';

/** Sequence of the seek history meaning "every one of the last 32 requests was seeky". */
export function BFQQ_TOTALLY_SEEKY(bfqq: bfq_queue): boolean {
  return bfqq.seek_history >>> 0 === 0xffffffff;
}

/**
 * The budget of a queue turning busy. Returns true (the in-service queue should be expired so
 * bfqq may preempt it) if bfqq expired waiting for a request and this one came in time: it goes
 * on with the budget it had left, and wf2q back-shifts its timestamps.
 */
function bfq_bfqq_update_budg_for_activation(
  _bfqd: bfq_data,
  bfqq: bfq_queue,
  arrived_in_time: boolean,
): boolean {
  const entity = bfqq.entity;
  if (bfq_bfqq_non_blocking_wait_rq(bfqq) && arrived_in_time && bfq_bfqq_budget_left(bfqq) > 0) {
    // non_blocking_wait_rq stays set: bfq_activate_bfqq back-shifts on it, then clears it.
    entity.budget = Math.min(bfq_bfqq_budget_left(bfqq), bfqq.max_budget);
    entity.service = 0;
    return true;
  }
  entity.service = 0;
  entity.budget = Math.max(bfqq.max_budget, bfq_serv_to_charge(bfqq.next_rq as bfq_rq, bfqq));
  bfq_clear_bfqq_non_blocking_wait_rq(bfqq);
  return false;
}

function bfq_update_bfqq_wr_on_rq_arrival(
  bfqd: bfq_data,
  bfqq: bfq_queue,
  old_wr_coeff: number,
  wr_or_deserves_wr: boolean,
  interactive: boolean,
  in_burst: boolean,
  soft_rt: boolean,
): void {
  if (old_wr_coeff === 1 && wr_or_deserves_wr) {
    // Start a raising period.
    bfqd.stats.wr_started++;
    if (interactive) {
      bfqq.service_from_wr = 0;
      bfqq.wr_coeff = bfqd.bfq_wr_coeff;
      bfqq.wr_cur_max_time = bfq_wr_duration(bfqd);
    } else {
      // Soft real-time: no interactive period may be thought still running when it ends.
      bfqq.wr_start_at_switch_to_srt = bfq_smallest_from_now();
      bfqq.wr_coeff = bfqd.bfq_wr_coeff * BFQ_SOFTRT_WEIGHT_FACTOR;
      bfqq.wr_cur_max_time = bfqd.bfq_wr_rt_max_time;
    }
    // A budget close to the backlog keeps the raised queue's scheduling error small.
    bfqq.entity.budget = Math.min(bfqq.entity.budget, 2 * bfq_min_budget(bfqd));
  } else if (old_wr_coeff > 1) {
    if (interactive) {
      bfqq.wr_coeff = bfqd.bfq_wr_coeff;
      bfqq.wr_cur_max_time = bfq_wr_duration(bfqd);
    } else if (in_burst) {
      bfqq.wr_coeff = 1;
    } else if (soft_rt) {
      // Still soft real-time: recharge the soft-RT period now, before raising ends.
      if (bfqq.wr_cur_max_time !== bfqd.bfq_wr_rt_max_time) {
        bfqq.wr_start_at_switch_to_srt = bfqq.last_wr_start_finish;
        bfqq.wr_cur_max_time = bfqd.bfq_wr_rt_max_time;
        bfqq.wr_coeff = bfqd.bfq_wr_coeff * BFQ_SOFTRT_WEIGHT_FACTOR;
      }
      bfqq.last_wr_start_finish = bpf_jiffies64();
    }
  }
}

/** Nothing in flight and idle for bfq_wr_min_idle_time (2 s) since it emptied. */
function bfq_bfqq_idle_for_long_time(bfqd: bfq_data, bfqq: bfq_queue): boolean {
  return bfqq.dispatched === 0 && bfqq.budget_timeout + bfqd.bfq_wr_min_idle_time < bpf_jiffies64();
}

/** bfqq is in a higher class than the queue in service, or weighs more. */
function bfq_bfqq_higher_class_or_weight(bfqq: bfq_queue, in_serv_bfqq: bfq_queue): boolean {
  if (bfqq.ioprio_class < in_serv_bfqq.ioprio_class) return true;
  return bfqq.entity.weight > in_serv_bfqq.entity.weight;
}

/** An empty queue got a request: raising, budget, busy, and maybe preempting the one in service. */
function bfq_bfqq_handle_idle_busy_switch(bfqd: bfq_data, bfqq: bfq_queue, old_wr_coeff: number): boolean {
  const now = bpf_jiffies64();
  const idle_for_long_time = bfq_bfqq_idle_for_long_time(bfqd, bfqq);
  const arrived_in_time = bpf_ktime_get_ns() <= bfqq.ttime.last_end_request + bfqd.bfq_slice_idle * 3;
  const in_burst = bfq_bfqq_in_large_burst(bfqq);
  // Raising is for queues with the default weight (40): others were set on purpose.
  const soft_rt =
    bfqd.bfq_wr_max_softrt_rate > 0 &&
    !BFQQ_TOTALLY_SEEKY(bfqq) &&
    !in_burst &&
    bfqq.soft_rt_next_start < now &&
    bfqq.dispatched === 0 &&
    bfqq.entity.new_weight === 40;
  const interactive = !in_burst && idle_for_long_time && bfqq.entity.new_weight === 40;
  const wr_or_deserves_wr =
    bfqd.low_latency && (bfqq.wr_coeff > 1 || (bfq_bfqq_sync(bfqq) && (interactive || soft_rt)));
  const bfqq_wants_to_preempt = bfq_bfqq_update_budg_for_activation(bfqd, bfqq, arrived_in_time);

  // Idle far longer than an interactive queue: its part of a burst is over.
  if (
    !bfq_bfqq_just_created(bfqq) &&
    idle_for_long_time &&
    bfqq.budget_timeout + msecs_to_jiffies(10000, bfqd.hz) < now
  ) {
    bfqd.burst_list.delete(bfqq);
    bfq_clear_bfqq_in_large_burst(bfqq);
  }
  bfq_clear_bfqq_just_created(bfqq);

  if (bfqd.low_latency) {
    if (bfqq.split_time > now) bfqq.split_time = now - bfqd.bfq_wr_min_idle_time - 1;
    if (bfqq.split_time + bfqd.bfq_wr_min_idle_time < now) {
      bfq_update_bfqq_wr_on_rq_arrival(
        bfqd,
        bfqq,
        old_wr_coeff,
        wr_or_deserves_wr,
        interactive,
        in_burst,
        soft_rt,
      );
      if (old_wr_coeff !== bfqq.wr_coeff) bfqq.entity.prio_changed = true;
    }
  }
  bfqq.last_idle_bklogged = now;
  bfqq.service_from_backlogged = 0;
  bfq_clear_bfqq_softrt_update(bfqq);
  bfq_add_bfqq_busy(bfqq);

  // Preempt if bfqq recovers a service hole (and is raised at least as much), outranks the
  // queue in service, or idling for that queue stopped paying; and bfqq is next by timestamps.
  const in_service = bfqd.in_service_queue;
  if (
    in_service !== null &&
    ((bfqq_wants_to_preempt && bfqq.wr_coeff >= in_service.wr_coeff) ||
      bfq_bfqq_higher_class_or_weight(bfqq, in_service) ||
      !bfq_better_to_idle(in_service)) &&
    next_queue_may_preempt(bfqd)
  )
    bfq_bfqq_expire(bfqd, in_service, false, BFQQE_PREEMPTED);
  return interactive;
}

/** I/O bound: busy at least 80% of a sliding window of at most 200 ms. */
function bfq_update_io_intensity(bfqq: bfq_queue, now_ns: number): void {
  const tot_io_time = now_ns - bfqq.io_start_time;
  if (RB_EMPTY_ROOT(bfqq.sort_list) && bfqq.dispatched === 0)
    bfqq.tot_idle_time += now_ns - bfqq.ttime.last_end_request;
  if (bfq_bfqq_just_created(bfqq)) return;
  if (bfqq.tot_idle_time * 5 > tot_io_time) bfq_clear_bfqq_IO_bound(bfqq);
  else bfq_mark_bfqq_IO_bound(bfqq);
  if (tot_io_time > 200_000_000) {
    bfqq.io_start_time = now_ns - Math.floor(tot_io_time / 2);
    bfqq.tot_idle_time = Math.floor(bfqq.tot_idle_time / 2);
  }
}

function rq_pos_less(a: { value: bfq_rq }, b: { value: bfq_rq }): boolean {
  return blk_rq_pos(a.value.rq) < blk_rq_pos(b.value.rq);
}

/** elv_rb_add: into the queue's sector-sorted list, ties after. */
function elv_rb_add(bfqq: bfq_queue, brq: bfq_rq): void {
  rb_add(brq.rb_node, bfqq.sort_list, rq_pos_less);
}

/** Queues the request in its bfqq: counts, sort list, next request, busy switch, async raising. */
export function bfq_add_request(brq: bfq_rq): void {
  const bfqq = brq.bfqq as bfq_queue;
  const bfqd = bfqq.bfqd;
  const old_wr_coeff = bfqq.wr_coeff;
  let interactive = false;
  const now_ns = bpf_ktime_get_ns();
  const sync = rq_is_sync(brq.rq);
  bfqq.queued[sync ? 1 : 0]++;
  bfqd.queued++;
  if (bfq_bfqq_sync(bfqq)) {
    // The process's only request: waker detection and injection sampling.
    if (brq.bic !== null && brq.bic.requests <= 1) bfq_inject_on_arrival(bfqd, bfqq, now_ns);
    bfq_update_io_intensity(bfqq, now_ns);
  }
  elv_rb_add(bfqq, brq);
  const prev = bfqq.next_rq;
  bfqq.next_rq = bfq_choose_req(bfqd, bfqq.next_rq, brq, bfqd.last_position);
  if (!bfq_bfqq_busy(bfqq)) {
    interactive = bfq_bfqq_handle_idle_busy_switch(bfqd, bfqq, old_wr_coeff);
  } else {
    // A busy async queue whose requests keep coming is raised after 500 ms of quiet arrivals.
    if (
      bfqd.low_latency &&
      old_wr_coeff === 1 &&
      !sync &&
      bfqq.last_wr_start_finish + bfqd.bfq_wr_min_inter_arr_async < bpf_jiffies64()
    ) {
      bfqq.wr_coeff = bfqd.bfq_wr_coeff;
      bfqq.wr_cur_max_time = bfq_wr_duration(bfqd);
      bfqd.wr_busy_queues++;
      bfqq.entity.prio_changed = true;
      bfqd.stats.wr_started++;
    }
    if (prev !== bfqq.next_rq) bfq_updated_next_req(bfqd, bfqq);
  }
  // last_wr_start_finish: the last arrival for non-raised queues, the start of raising else.
  if (bfqd.low_latency && (old_wr_coeff === 1 || bfqq.wr_coeff === 1 || interactive))
    bfqq.last_wr_start_finish = bpf_jiffies64();
}

/** Distance from the last position, sectors (0 before any). */
export function get_sdist(last_pos: number, brq: bfq_rq): number {
  return last_pos ? Math.abs(blk_rq_pos(brq.rq) - last_pos) : 0;
}

/** Takes a request out of its queue (dispatch or merge); an emptied queue not in service stops being busy. */
export function bfq_remove_request(brq: bfq_rq): void {
  const bfqq = brq.bfqq as bfq_queue;
  const bfqd = bfqq.bfqd;
  const sync = rq_is_sync(brq.rq);
  if (bfqq.next_rq === brq) {
    bfqq.next_rq = bfq_find_next_rq(bfqd, bfqq, brq);
    bfq_updated_next_req(bfqd, bfqq);
  }
  if (!list_empty(brq.queuelist)) list_del_init(brq.queuelist);
  bfqq.queued[sync ? 1 : 0]--;
  bfqd.queued--;
  rb_erase(brq.rb_node, bfqq.sort_list);
  // q->last_merge is the UFQ elevator's: it clears it when the request leaves.
  if (RB_EMPTY_ROOT(bfqq.sort_list)) {
    bfqq.next_rq = null;
    if (bfq_bfqq_busy(bfqq) && bfqq !== bfqd.in_service_queue) {
      bfq_del_bfqq_busy(bfqq, false);
      // Emptied out of service: reset what would otherwise describe its last slot.
      bfqq.entity.budget = 0;
      bfqq.entity.service = 0;
    }
  }
  if (brq.rq.cmd_flags & REQ_META) bfqq.meta_pending--;
}

/** After a bio front-merged into `brq`: it may have to move left in the sort list. */
export function bfq_request_merged(bfqd: bfq_data, brq: bfq_rq, type: number): void {
  if (type !== ELEVATOR_FRONT_MERGE || RB_EMPTY_NODE(brq.rb_node)) return;
  const prev = rb_prev(brq.rb_node);
  if (prev === null || !(blk_rq_pos(brq.rq) < blk_rq_pos(prev.value.rq))) return;
  const bfqq = brq.bfqq as bfq_queue;
  rb_erase(brq.rb_node, bfqq.sort_list);
  elv_rb_add(bfqq, brq);
  const old = bfqq.next_rq;
  bfqq.next_rq = bfq_choose_req(bfqd, bfqq.next_rq, brq, bfqd.last_position);
  if (old !== bfqq.next_rq) bfq_updated_next_req(bfqd, bfqq);
}

/**
 * `next` was merged into `rq`: rq takes next's FIFO slot if next was older (same queue only),
 * and next leaves BFQ.
 */
export function bfq_requests_merged(rq: bfq_rq, next: bfq_rq): void {
  const bfqq = rq.bfqq;
  if (bfqq !== null) {
    if (
      bfqq === next.bfqq &&
      !list_empty(rq.queuelist) &&
      !list_empty(next.queuelist) &&
      next.fifo_time < rq.fifo_time
    ) {
      // list_replace_init(&next->queuelist, &rq->queuelist).
      list_del_init(rq.queuelist);
      list_add(rq.queuelist, next.queuelist);
      list_del_init(next.queuelist);
      rq.fifo_time = next.fifo_time;
    }
    if (bfqq.next_rq === next) bfqq.next_rq = rq;
  }
  if (!RB_EMPTY_NODE(next.rb_node)) bfq_remove_request(next);
}

/** Ends weight raising (the weight drops at the next weight update). */
export function bfq_bfqq_end_wr(bfqq: bfq_queue): void {
  const bfqd = bfqq.bfqd;
  // After interactive raising, let it qualify as soft real-time again at once.
  if (bfqq.wr_cur_max_time !== bfqd.bfq_wr_rt_max_time) bfqq.soft_rt_next_start = bpf_jiffies64();
  if (bfq_bfqq_busy(bfqq)) bfqd.wr_busy_queues--;
  bfqq.wr_coeff = 1;
  bfqq.wr_cur_max_time = 0;
  bfqq.last_wr_start_finish = bpf_jiffies64();
  bfqq.entity.prio_changed = true;
}
