// BFQ continued (block/bfq-iosched.c; kernel-blk-mq §8.3, bfq_select_queue step 3):
// injection. While the queue in service is empty and BFQ keeps the device for it (idling, or
// waiting for its in-flight requests), other queues' requests may be dispatched into the
// service hole: the same process's async queue, the queue that wakes it (waker), a queue it
// wakes, or, within an adaptive limit on the requests in flight, any busy queue with budget
// left. The limit is learnt from the total service time
// (arrival to completion) of the queue's "first" requests, those that find it empty: a
// baseline without injection, then one more request allowed while the time stays under 1.5x
// the baseline, one fewer when it does not.
// SIMPLIFIED (docs/policies-bfq.md): one actuator, so the kernel's injection for underused
// actuators (bfq_find_bfqq_for_underused_actuator) never applies and is left out.

import {
  blk_rq_sectors,
  bpf_jiffies64,
  bpf_ktime_get_ns,
  list_add,
  list_del_init,
  list_first_entry_or_null,
} from '../lib/index.js';
import { bfq_bfqq_budget_left, bfq_serv_to_charge, msecs_to_jiffies } from './iosched.js';
import { idling_boosts_thr_without_issues } from './iosched-expire.js';
import {
  BFQQ_SECT_THR_NONROT,
  bfq_bfqq_busy,
  bfq_bfqq_has_short_ttime,
  bfq_bfqq_wait_request,
  type bfq_data,
  type bfq_queue,
} from './iosched-h.js';

/** No more waker candidates than this far apart, ns (4 ms after the waker's completion). */
const WAKER_WINDOW_NS = 4_000_000;
/** The same candidate three times in a row makes a waker. */
const WAKER_DETECTIONS = 3;

/**
 * Starts the limit over: no baseline; 0 requests for a queue with a short think time (an
 * injected request could delay its next one), 1 for a long one (it would rarely be sampled).
 */
export function bfq_reset_inject_limit(bfqd: bfq_data, bfqq: bfq_queue): void {
  bfqq.last_serv_time_ns = 0;
  bfqd.waited_rq = null;
  bfqq.inject_limit = bfq_bfqq_has_short_ttime(bfqq) ? 0 : 1;
  bfqq.decrease_time_jif = bpf_jiffies64();
}

/**
 * bfq_check_waker: bfqq, with a long think time, became non-empty within 4 ms of a completion
 * of another queue; the third time in a row for the same queue (within 128 idle slices of the
 * first) makes that queue its waker.
 */
export function bfq_check_waker(bfqd: bfq_data, bfqq: bfq_queue, now_ns: number): void {
  const last = bfqd.last_completed_rq_bfqq;
  if (
    last === null ||
    last === bfqq ||
    bfq_bfqq_has_short_ttime(bfqq) ||
    now_ns - bfqd.last_completion >= WAKER_WINDOW_NS
  )
    return;
  if (
    last !== bfqq.tentative_waker_bfqq ||
    now_ns > bfqq.waker_detection_started + 128 * bfqd.bfq_slice_idle
  ) {
    bfqq.tentative_waker_bfqq = last;
    bfqq.num_waker_detections = 1;
    bfqq.waker_detection_started = now_ns;
  } else bfqq.num_waker_detections++;
  if (bfqq.num_waker_detections === WAKER_DETECTIONS) {
    bfqq.waker_bfqq = last;
    bfqq.tentative_waker_bfqq = null;
    // On the new waker's woken list only (hlist_del_init, then hlist_add_head).
    list_del_init(bfqq.woken_list_node);
    list_add(bfqq.woken_list_node, last.woken_list);
  }
}

/**
 * A sync request of bfqq arrived while its process had no other request allocated: look for
 * a waker, reset the limit once a second, and, if bfqq is in service and the moment is right,
 * start timing this request's total service time (bfq_add_request's injection part).
 */
export function bfq_inject_on_arrival(bfqd: bfq_data, bfqq: bfq_queue, now_ns: number): void {
  const now = bpf_jiffies64();
  bfq_check_waker(bfqd, bfqq, now_ns);
  if (bfqq.decrease_time_jif + msecs_to_jiffies(1000, bfqd.hz) <= now) bfq_reset_inject_limit(bfqd, bfqq);
  // Sample with nothing in the drive (the baseline), or with injected requests in flight
  // against a known baseline; not within 10 ms of the last decrease.
  if (
    bfqq === bfqd.in_service_queue &&
    (bfqd.tot_rq_in_driver === 0 ||
      (bfqq.last_serv_time_ns > 0 && bfqd.rqs_injected && bfqd.tot_rq_in_driver > 0)) &&
    bfqq.decrease_time_jif + msecs_to_jiffies(10, bfqd.hz) <= now
  ) {
    bfqd.last_empty_occupied_ns = now_ns;
    bfqd.wait_dispatch = true;
    // Injection before this arrival cannot have delayed it: count only injection from now on.
    if (bfqd.tot_rq_in_driver === 0) bfqd.rqs_injected = false;
  }
}

/**
 * The think-time state of bfqq changed while it has no baseline: reset the limit, at once
 * when the think time became long, else only 100 ms after the last decrease (a queue that
 * injection unblocks must not flip back to 0 at once).
 */
export function bfq_inject_on_ttime_change(bfqd: bfq_data, bfqq: bfq_queue, has_short_ttime: boolean): void {
  if (
    bfqq.last_serv_time_ns === 0 &&
    (bfqq.decrease_time_jif + msecs_to_jiffies(100, bfqd.hz) <= bpf_jiffies64() || !has_short_ttime)
  )
    bfq_reset_inject_limit(bfqd, bfqq);
}

/**
 * The sampled request completed (called before the in-driver count drops): compare its total
 * service time with the baseline and move the limit, or take it as the (lower) baseline.
 */
export function bfq_update_inject_limit(bfqd: bfq_data, bfqq: bfq_queue): void {
  const tot_time_ns = bpf_ktime_get_ns() - bfqd.last_empty_occupied_ns;
  const old_limit = bfqq.inject_limit;
  if (bfqq.last_serv_time_ns > 0 && bfqd.rqs_injected) {
    const threshold = Math.floor((bfqq.last_serv_time_ns * 3) / 2);
    if (tot_time_ns >= threshold && old_limit > 0) {
      bfqq.inject_limit--;
      bfqq.decrease_time_jif = bpf_jiffies64();
    } else if (tot_time_ns < threshold && old_limit <= bfqd.max_rq_in_driver) bfqq.inject_limit++;
  }
  // tot_rq_in_driver 1: only this request was in the drive.
  if ((bfqq.last_serv_time_ns === 0 && bfqd.tot_rq_in_driver === 1) || tot_time_ns < bfqq.last_serv_time_ns) {
    // A baseline at last: start trying injection.
    if (bfqq.last_serv_time_ns === 0) bfqq.inject_limit = Math.max(1, old_limit);
    bfqq.last_serv_time_ns = tot_time_ns;
  } else if (!bfqd.rqs_injected && bfqd.tot_rq_in_driver === 1) bfqq.last_serv_time_ns = tot_time_ns;
  bfqd.waited_rq = null;
  bfqd.rqs_injected = false;
}

/** A busy queue whose next request fits its budget (the kernel's injection candidates). */
function fits(q: bfq_queue | null): q is bfq_queue {
  return (
    q !== null &&
    bfq_bfqq_busy(q) &&
    q.next_rq !== null &&
    bfq_serv_to_charge(q.next_rq, q) <= bfq_bfqq_budget_left(q)
  );
}

/**
 * bfq_choose_bfqq_for_injection: the first queue on the active list with a request that fits
 * its budget, while fewer than the in-service queue's limit are in the drive. A raised queue
 * with a short think time takes injection only from raised queues. On a non-rotational device
 * at most one large (64-sector) request is injected at a time.
 */
function bfq_choose_bfqq_for_injection(bfqd: bfq_data): bfq_queue | null {
  const in_serv = bfqd.in_service_queue as bfq_queue;
  let limit = in_serv.inject_limit;
  const in_serv_always_inject = in_serv.wr_coeff === 1 || !bfq_bfqq_has_short_ttime(in_serv);
  // QUIRK: the kernel adds bfq_slice_idle (ns) to a jiffies stamp here, so this temporary
  // limit of 1 before any baseline only comes after 8e6 jiffies of idling, i.e. never.
  if (
    limit === 0 &&
    in_serv.last_serv_time_ns === 0 &&
    bfq_bfqq_wait_request(in_serv) &&
    bfqd.last_idling_start_jiffies + bfqd.bfq_slice_idle <= bpf_jiffies64()
  )
    limit = 1;
  if (bfqd.tot_rq_in_driver >= limit) return null;
  for (let p = bfqd.active_list.next; p !== bfqd.active_list; p = p.next) {
    const q = (p as typeof in_serv.bfqq_list).value;
    if (q.next_rq === null || !(in_serv_always_inject || q.wr_coeff > 1)) continue;
    if (bfq_serv_to_charge(q.next_rq, q) > bfq_bfqq_budget_left(q)) continue;
    if (bfqd.nonrot && blk_rq_sectors(q.next_rq.rq) >= BFQQ_SECT_THR_NONROT && bfqd.tot_rq_in_driver >= 1)
      continue;
    bfqd.rqs_injected = true;
    return q;
  }
  return null;
}

/**
 * The queue to inject from while the in-service queue `bfqq` is kept empty (bfq_select_queue's
 * four alternatives, in order): its process's own async queue, its waker, the first queue it
 * wakes, or, when idling is not for throughput and bfqq is not a raised queue with a short
 * think time alone among raised queues, a candidate within the inject limit. null: none.
 */
export function bfq_injection_source(bfqd: bfq_data, bfqq: bfq_queue): bfq_queue | null {
  const async_bfqq = bfqq.bic?.bfqq[0] ?? null;
  if (fits(async_bfqq) && async_bfqq.next_rq?.bic === bfqq.bic) return async_bfqq;
  if (fits(bfqq.waker_bfqq)) return bfqq.waker_bfqq;
  const blocked = list_first_entry_or_null(bfqq.woken_list)?.value ?? null;
  if (fits(blocked)) return blocked;
  if (
    !idling_boosts_thr_without_issues(bfqd, bfqq) &&
    (bfqq.wr_coeff === 1 || bfqd.wr_busy_queues > 1 || !bfq_bfqq_has_short_ttime(bfqq))
  )
    return bfq_choose_bfqq_for_injection(bfqd);
  return null;
}
