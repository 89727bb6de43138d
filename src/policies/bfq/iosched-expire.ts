// BFQ continued (block/bfq-iosched.c, kernel order): the queue in service. Setting one in
// service starts its budget timeout (timeout_sync); when it empties, BFQ may idle (slice_idle,
// 2 ms for seeky queues, 20 ms for raised ones) if that helps throughput or is needed for
// guarantees (asymmetric weights or classes, raised queues, a lone busy queue). Expiring it
// charges sectors, or time for slow queues, and feeds the reason back into its next budget.
// The peak-rate estimator behind the automatic max budget is here too.

import {
  blk_rq_pos,
  blk_rq_sectors,
  bpf_jiffies64,
  bpf_ktime_get_ns,
  bpf_timer_start,
  RB_EMPTY_ROOT,
} from '../lib/index.js';
import {
  bfq_asymmetric_scenario,
  bfq_bfqq_budget_left,
  bfq_class_idle,
  bfq_min_budget,
  bfq_serv_to_charge,
  hweight32,
  jiffies_to_msecs,
  nsecs_to_jiffies,
} from './iosched.js';
import { bfq_remove_request, get_sdist } from './iosched-busy.js';
import {
  BFQ_MIN_TT,
  BFQ_RATE_MIN_INTERVAL,
  BFQ_RATE_MIN_SAMPLES,
  BFQ_RATE_REF_INTERVAL,
  BFQ_RATE_SHIFT,
  BFQQ_SECT_THR_NONROT,
  BFQQ_SEEK_THR,
  BFQQ_SEEKY_THR,
  BFQQE_BUDGET_EXHAUSTED,
  BFQQE_BUDGET_TIMEOUT,
  BFQQE_NO_MORE_REQUESTS,
  BFQQE_PREEMPTED,
  BFQQE_TOO_IDLE,
  bfq_bfqq_busy,
  bfq_bfqq_has_short_ttime,
  bfq_bfqq_IO_bound,
  bfq_bfqq_sync,
  bfq_bfqq_wait_request,
  bfq_clear_bfqq_fifo_expire,
  type bfq_data,
  bfq_mark_bfqq_non_blocking_wait_rq,
  bfq_mark_bfqq_softrt_update,
  bfq_mark_bfqq_wait_request,
  type bfq_queue,
  type bfq_rq,
  bfq_slice_idle,
  bfq_stats_min_budgets,
} from './iosched-h.js';
import {
  __bfq_bfqd_reset_in_service,
  bfq_bfqq_charge_time,
  bfq_del_bfqq_busy,
  bfq_get_next_queue,
  bfq_requeue_bfqq,
  bfq_tot_busy_queues,
} from './wf2q.js';

/** More than 19 of the queue's last 32 requests were seeky. */
export function BFQQ_SEEKY(bfqq: bfq_queue): boolean {
  return hweight32(bfqq.seek_history) > BFQQ_SEEKY_THR;
}

/** Over 800 sectors from `last_pos`; on a non-rotational device also under 64 sectors. */
export function BFQ_RQ_SEEKY(bfqd: bfq_data, last_pos: number, brq: bfq_rq): boolean {
  return (
    get_sdist(last_pos, brq) > BFQQ_SEEK_THR &&
    (!bfqd.nonrot || blk_rq_sectors(brq.rq) < BFQQ_SECT_THR_NONROT)
  );
}

/** The slot ends timeout_sync from now, times the raise factor (soft real-time: 1). */
function bfq_set_budget_timeout(bfqd: bfq_data, bfqq: bfq_queue): void {
  const timeout_coeff =
    bfqq.wr_cur_max_time === bfqd.bfq_wr_rt_max_time
      ? 1
      : Math.floor(bfqq.entity.weight / bfqq.entity.orig_weight);
  bfqd.last_budget_start = bpf_ktime_get_ns();
  bfqq.budget_timeout = bpf_jiffies64() + bfqd.bfq_timeout * timeout_coeff;
}

function __bfq_set_in_service_queue(bfqd: bfq_data, bfqq: bfq_queue | null): void {
  if (bfqq !== null) {
    bfq_clear_bfqq_fifo_expire(bfqq);
    bfqd.budgets_assigned = Math.floor((bfqd.budgets_assigned * 7 + 256) / 8);
    const now = bpf_jiffies64();
    // A soft real-time queue does not lose raising time while it waited for service
    // (budget_timeout doubles as "when it expired").
    if (
      bfqq.last_wr_start_finish < now &&
      bfqq.wr_coeff > 1 &&
      bfqq.wr_cur_max_time === bfqd.bfq_wr_rt_max_time &&
      bfqq.budget_timeout < now
    ) {
      if (bfqq.budget_timeout > bfqq.last_wr_start_finish)
        bfqq.last_wr_start_finish += now - bfqq.budget_timeout;
      else bfqq.last_wr_start_finish = now;
    }
    bfq_set_budget_timeout(bfqd, bfqq);
  }
  bfqd.in_service_queue = bfqq;
  bfqd.in_serv_last_pos = 0;
}

/** B-WF2Q+'s next queue, set in service. */
export function bfq_set_in_service_queue(bfqd: bfq_data): bfq_queue | null {
  const bfqq = bfq_get_next_queue(bfqd);
  __bfq_set_in_service_queue(bfqd, bfqq);
  return bfqq;
}

/** Idles for the in-service queue's next request: slice_idle, 2 ms if seeky in a symmetric scenario, 20 ms if raised. */
export function bfq_arm_slice_timer(bfqd: bfq_data): void {
  const bfqq = bfqd.in_service_queue as bfq_queue;
  bfq_mark_bfqq_wait_request(bfqq);
  let sl = bfqd.bfq_slice_idle;
  if (BFQQ_SEEKY(bfqq) && bfqq.wr_coeff === 1 && !bfq_asymmetric_scenario(bfqd, bfqq))
    sl = Math.min(sl, BFQ_MIN_TT);
  else if (bfqq.wr_coeff > 1) sl = Math.max(sl, 20_000_000);
  bfqd.last_idling_start = bpf_ktime_get_ns();
  bfqd.last_idling_start_jiffies = bpf_jiffies64();
  bfqd.stats.idle_slices++;
  bpf_timer_start(bfqd.idle_slice_timer, sl, 0);
}

/** Sectors served at the peak rate in one budget timeout. */
function bfq_calc_max_budget(bfqd: bfq_data): number {
  return Math.floor(
    (bfqd.peak_rate * 1000 * jiffies_to_msecs(bfqd.bfq_timeout, bfqd.hz)) / 2 ** BFQ_RATE_SHIFT,
  );
}

export function update_thr_responsiveness_params(bfqd: bfq_data): void {
  if (bfqd.bfq_user_max_budget === 0) bfqd.bfq_max_budget = bfq_calc_max_budget(bfqd);
}

function bfq_reset_rate_computation(bfqd: bfq_data, brq: bfq_rq | null): void {
  if (brq !== null) {
    bfqd.last_dispatch = bfqd.first_dispatch = bpf_ktime_get_ns();
    bfqd.peak_rate_samples = 1;
    bfqd.sequential_samples = 0;
    bfqd.tot_sectors_dispatched = bfqd.last_rq_max_size = blk_rq_sectors(brq.rq);
  } else {
    bfqd.peak_rate_samples = 0;
  }
}

/**
 * Closes an observation interval: with 32 samples over 300 ms, a rate that is mostly
 * sequential or above the estimate feeds the low-pass-filtered peak rate (weight 0..8 by
 * sequentiality and length, so alpha 1/10..1/2). Then a new interval starts.
 */
export function bfq_update_rate_reset(bfqd: bfq_data, brq: bfq_rq | null): void {
  if (bfqd.peak_rate_samples >= BFQ_RATE_MIN_SAMPLES && bfqd.delta_from_first >= BFQ_RATE_MIN_INTERVAL) {
    bfqd.delta_from_first = Math.max(bfqd.delta_from_first, bfqd.last_completion - bfqd.first_dispatch);
    let rate = Math.floor(
      (bfqd.tot_sectors_dispatched * 2 ** BFQ_RATE_SHIFT) / Math.floor(bfqd.delta_from_first / 1000),
    );
    const skip =
      (bfqd.sequential_samples < (3 * bfqd.peak_rate_samples) >> 2 && rate <= bfqd.peak_rate) ||
      rate > 20 * 2 ** BFQ_RATE_SHIFT;
    if (!skip) {
      let weight = Math.floor((9 * bfqd.sequential_samples) / bfqd.peak_rate_samples);
      weight = Math.min(8, Math.floor((weight * bfqd.delta_from_first) / BFQ_RATE_REF_INTERVAL));
      const divisor = 10 - weight;
      bfqd.peak_rate = Math.floor((bfqd.peak_rate * (divisor - 1)) / divisor);
      rate = Math.floor(rate / divisor);
      bfqd.peak_rate += rate;
      bfqd.peak_rate = Math.max(1, bfqd.peak_rate);
      update_thr_responsiveness_params(bfqd);
    }
  }
  bfq_reset_rate_computation(bfqd, brq);
}

/** Per dispatch: samples for the peak rate (sequential if near the last position with I/O in flight). */
function bfq_update_peak_rate(bfqd: bfq_data, brq: bfq_rq): void {
  const now_ns = bpf_ktime_get_ns();
  const sectors = blk_rq_sectors(brq.rq);
  let reset = false;
  if (bfqd.peak_rate_samples === 0) {
    bfq_reset_rate_computation(bfqd, brq);
  } else if (now_ns - bfqd.last_dispatch > 100_000_000 && bfqd.tot_rq_in_driver === 0) {
    // The device sat idle: this interval ends at the previous dispatch.
    reset = true;
  } else {
    bfqd.peak_rate_samples++;
    if (
      (bfqd.tot_rq_in_driver > 0 || now_ns - bfqd.last_completion < BFQ_MIN_TT) &&
      !BFQ_RQ_SEEKY(bfqd, bfqd.last_position, brq)
    )
      bfqd.sequential_samples++;
    bfqd.tot_sectors_dispatched += sectors;
    // Reset the max observed size every 32 dispatches.
    if (bfqd.peak_rate_samples % 32) bfqd.last_rq_max_size = Math.max(sectors, bfqd.last_rq_max_size);
    else bfqd.last_rq_max_size = sectors;
    bfqd.delta_from_first = now_ns - bfqd.first_dispatch;
    reset = bfqd.delta_from_first >= BFQ_RATE_REF_INTERVAL;
  }
  if (reset) bfq_update_rate_reset(bfqd, brq);
  bfqd.last_position = blk_rq_pos(brq.rq) + sectors;
  if (brq.bfqq === bfqd.in_service_queue) bfqd.in_serv_last_pos = bfqd.last_position;
  bfqd.last_dispatch = now_ns;
}

/** The request leaves BFQ for the driver. */
export function bfq_dispatch_remove(bfqd: bfq_data, brq: bfq_rq): void {
  // Counted before the removal, as the kernel does, so an emptied queue not in service keeps
  // its in-flight count right.
  (brq.bfqq as bfq_queue).dispatched++;
  bfq_update_peak_rate(bfqd, brq);
  bfq_remove_request(brq);
}

/**
 * Idling is needed to keep bfqq's share: it is raised while others are not (or much is in
 * flight), the scenario is asymmetric, or it is the only busy queue.
 */
function idling_needed_for_service_guarantees(bfqd: bfq_data, bfqq: bfq_queue): boolean {
  const tot_busy_queues = bfq_tot_busy_queues(bfqd);
  return (
    (bfqq.wr_coeff > 1 &&
      (bfqd.wr_busy_queues < tot_busy_queues || bfqd.tot_rq_in_driver >= bfqq.dispatched + 4)) ||
    bfq_asymmetric_scenario(bfqd, bfqq) ||
    tot_busy_queues === 1
  );
}

/**
 * Requeues or deactivates the expired queue. QUIRK: an empty queue preempted while it needed
 * idling is requeued and stays busy, so it is served before later queues; with nothing queued
 * anywhere no dispatch comes to expire it, and it stays busy until new requests arrive.
 */
function __bfq_bfqq_expire(bfqd: bfq_data, bfqq: bfq_queue, reason: number): boolean {
  if (
    RB_EMPTY_ROOT(bfqq.sort_list) &&
    !(reason === BFQQE_PREEMPTED && idling_needed_for_service_guarantees(bfqd, bfqq))
  ) {
    // budget_timeout doubles as "when it went empty and idle", for weight raising.
    if (bfqq.dispatched === 0) bfqq.budget_timeout = bpf_jiffies64();
    bfq_del_bfqq_busy(bfqq, true);
  } else {
    bfq_requeue_bfqq(bfqd, bfqq, true);
  }
  return __bfq_bfqd_reset_in_service(bfqd);
}

/**
 * Budget feedback at expiry, for sync non-raised queues: too idle with nothing in flight
 * shrinks by 4 x min budget (floor min budget; with requests in flight it doubles instead);
 * budget timeout doubles; exhaustion quadruples (cap max budget); no more requests sets it to
 * the service received (at least min budget). Raised queues get 2 x min budget, async max.
 */
function __bfq_bfqq_recalc_budget(bfqd: bfq_data, bfqq: bfq_queue, reason: number): void {
  const min_budget = bfq_min_budget(bfqd);
  let budget = bfqq.wr_coeff === 1 ? bfqq.max_budget : 2 * min_budget;
  if (bfq_bfqq_sync(bfqq) && bfqq.wr_coeff === 1) {
    switch (reason) {
      case BFQQE_TOO_IDLE:
        if (bfqq.dispatched > 0) budget = Math.min(budget * 2, bfqd.bfq_max_budget);
        else if (budget > 5 * min_budget) budget -= 4 * min_budget;
        else budget = min_budget;
        break;
      case BFQQE_BUDGET_TIMEOUT:
        budget = Math.min(budget * 2, bfqd.bfq_max_budget);
        break;
      case BFQQE_BUDGET_EXHAUSTED:
        budget = Math.min(budget * 4, bfqd.bfq_max_budget);
        break;
      case BFQQE_NO_MORE_REQUESTS:
        budget = Math.max(bfqq.entity.service, min_budget);
        break;
      default:
        return;
    }
  } else if (!bfq_bfqq_sync(bfqq)) {
    budget = bfqd.bfq_max_budget;
  }
  bfqq.max_budget = budget;
  if (bfqd.budgets_assigned >= bfq_stats_min_budgets && !bfqd.bfq_user_max_budget)
    bfqq.max_budget = Math.min(bfqq.max_budget, bfqd.bfq_max_budget);
  // With backlog, the new budget must cover the next request (the finish time follows it).
  const next_rq = bfqq.next_rq;
  if (next_rq !== null) bfqq.entity.budget = Math.max(bfqq.max_budget, bfq_serv_to_charge(next_rq, bfqq));
}

/**
 * Whether the queue was slow in its slot, and the slot's length in ms for time charging:
 * over 20 ms, slow means under half the max budget served; shorter, slow means seeky.
 */
function bfq_bfqq_is_slow(bfqd: bfq_data, bfqq: bfq_queue, compensate: boolean): [boolean, number] {
  let slow = BFQQ_SEEKY(bfqq);
  if (!bfq_bfqq_sync(bfqq)) return [false, 0];
  const end = compensate ? bfqd.last_idling_start : bpf_ktime_get_ns();
  const delta_usecs = Math.floor((end - bfqd.last_budget_start) / 1000);
  if (delta_usecs < 1000) {
    // Too short to measure: a seek's worth (rotational) or a short idle (non-rotational).
    const delta_ms = bfqd.nonrot ? BFQ_MIN_TT / 1_000_000 : bfq_slice_idle / 1_000_000;
    return [slow, delta_ms];
  }
  const delta_ms = Math.floor(delta_usecs / 1000);
  if (delta_usecs > 20000) slow = bfqq.entity.service < bfqd.bfq_max_budget / 2;
  return [slow, delta_ms];
}

/**
 * The earliest time the queue's next arrival can count as soft real-time: its rate since it
 * went busy stays under bfq_wr_max_softrt_rate, and it waited slice_idle plus 4 jiffies.
 */
export function bfq_bfqq_softrt_next_start(bfqd: bfq_data, bfqq: bfq_queue): number {
  return Math.max(
    bfqq.soft_rt_next_start,
    bfqq.last_idle_bklogged +
      Math.floor((bfqd.hz * bfqq.service_from_backlogged) / bfqd.bfq_wr_max_softrt_rate),
    bpf_jiffies64() + nsecs_to_jiffies(bfqd.bfq_slice_idle, bfqd.hz) + 4,
  );
}

/** Expires the queue in service for `reason` (compensate: measure the slot up to the idle start). */
export function bfq_bfqq_expire(bfqd: bfq_data, bfqq: bfq_queue, compensate: boolean, reason: number): void {
  const entity = bfqq.entity;
  const [slow, delta] = bfq_bfqq_is_slow(bfqd, bfqq, compensate);
  bfqd.stats.expired[reason]++;
  // Slow (typically seeky) queues, and those timing out with a third of their budget left,
  // pay for the time they held the device; others for the sectors they got.
  if (
    bfqq.wr_coeff === 1 &&
    (slow || (reason === BFQQE_BUDGET_TIMEOUT && bfq_bfqq_budget_left(bfqq) >= Math.floor(entity.budget / 3)))
  )
    bfq_bfqq_charge_time(bfqd, bfqq, delta);
  if (bfqd.low_latency && bfqq.wr_coeff === 1) bfqq.last_wr_start_finish = bpf_jiffies64();
  if (bfqd.low_latency && bfqd.bfq_wr_max_softrt_rate > 0 && RB_EMPTY_ROOT(bfqq.sort_list)) {
    // Nothing in flight: the pattern is isochronous. Else decide at the last completion.
    if (bfqq.dispatched === 0) bfqq.soft_rt_next_start = bfq_bfqq_softrt_next_start(bfqd, bfqq);
    else bfq_mark_bfqq_softrt_update(bfqq);
  }
  // No total service time is measured across an expiry.
  bfqd.rqs_injected = false;
  bfqd.wait_dispatch = false;
  bfqd.waited_rq = null;
  __bfq_bfqq_recalc_budget(bfqd, bfqq, reason);
  if (__bfq_bfqq_expire(bfqd, bfqq, reason)) return;
  // Waiting for a request: if it comes in time, the queue goes on with this budget.
  if (!bfq_bfqq_busy(bfqq) && reason !== BFQQE_BUDGET_TIMEOUT && reason !== BFQQE_BUDGET_EXHAUSTED)
    bfq_mark_bfqq_non_blocking_wait_rq(bfqq);
  else entity.service = 0;
}

/** The slot's time is up (checked on arrivals, completions and idle expiry, no timer of its own). */
export function bfq_bfqq_budget_timeout(bfqq: bfq_queue): boolean {
  return bfqq.budget_timeout <= bpf_jiffies64();
}

/** Budget timeout, unless the queue is idling with less than a third of its budget left. */
export function bfq_may_expire_for_budg_timeout(bfqq: bfq_queue): boolean {
  return (
    (!bfq_bfqq_wait_request(bfqq) || bfq_bfqq_budget_left(bfqq) >= Math.floor(bfqq.entity.budget / 3)) &&
    bfq_bfqq_budget_timeout(bfqq)
  );
}

/**
 * Idling raises throughput: on a rotational device without command queueing, or for a
 * sequential I/O-bound queue with short think time unless the device is queueing flash; never
 * while raised queues are busy.
 */
export function idling_boosts_thr_without_issues(bfqd: bfq_data, bfqq: bfq_queue): boolean {
  // hw_tag -1 (not yet known) counts as "queueing", as the kernel's truthy -1 does.
  const rot_without_queueing = !bfqd.nonrot && !bfqd.hw_tag;
  const bfqq_sequential_and_IO_bound =
    !BFQQ_SEEKY(bfqq) && bfq_bfqq_IO_bound(bfqq) && bfq_bfqq_has_short_ttime(bfqq);
  const idling_boosts_thr =
    rot_without_queueing || ((!bfqd.nonrot || !bfqd.hw_tag) && bfqq_sequential_and_IO_bound);
  return idling_boosts_thr && bfqd.wr_busy_queues === 0;
}

/** Whether an empty bfqq should keep the device (idle) rather than expire. */
export function bfq_better_to_idle(bfqq: bfq_queue): boolean {
  const bfqd = bfqq.bfqd;
  if (bfqd.strict_guarantees) return true;
  // No idling without slice_idle, for async queues, or for the idle class.
  if (bfqd.bfq_slice_idle === 0 || !bfq_bfqq_sync(bfqq) || bfq_class_idle(bfqq)) return false;
  return idling_boosts_thr_without_issues(bfqd, bfqq) || idling_needed_for_service_guarantees(bfqd, bfqq);
}

/** Empty, and better to idle: it keeps the device and the dispatch is plugged. */
export function bfq_bfqq_must_idle(bfqq: bfq_queue): boolean {
  return RB_EMPTY_ROOT(bfqq.sort_list) && bfq_better_to_idle(bfqq);
}
