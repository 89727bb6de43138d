// BFQ continued (block/bfq-iosched.c, kernel order): choosing what to dispatch. The queue in
// service keeps the device while it has budget and requests, or while it idles; otherwise it
// is expired (budget timeout, budget exhausted, no more requests) and B-WF2Q+ picks the next.
// Requests inserted at head go before everything. An idle-class queue gives the device back
// after each request when others are busy.
// While the queue in service is kept empty, another queue's request may be injected
// (iosched-inject.ts).

import { type BlkRequest, bpf_jiffies64, list_del_init, list_empty, list_first_entry } from '../lib/index.js';
import { bfq_rq_handed_back } from './elevator.js';
import {
  BUG_ON,
  bfq_bfqq_budget_left,
  bfq_class_idle,
  bfq_idle_slice_timer_cancel,
  bfq_serv_to_charge,
  bfq_wr_duration,
  switch_back_to_interactive_wr,
} from './iosched.js';
import { bfq_bfqq_end_wr } from './iosched-busy.js';
import {
  bfq_better_to_idle,
  bfq_bfqq_expire,
  bfq_bfqq_must_idle,
  bfq_dispatch_remove,
  bfq_may_expire_for_budg_timeout,
  bfq_set_in_service_queue,
} from './iosched-expire.js';
import {
  BFQQE_BUDGET_EXHAUSTED,
  BFQQE_BUDGET_TIMEOUT,
  BFQQE_NO_MORE_REQUESTS,
  bfq_bfqq_in_large_burst,
  bfq_bfqq_wait_request,
  bfq_clear_bfqq_wait_request,
  type bfq_data,
  type bfq_queue,
  type bfq_rq,
  max_service_from_wr,
} from './iosched-h.js';
import { bfq_injection_source } from './iosched-inject.js';
import {
  __bfq_entity_update_weight_prio,
  bfq_bfqq_served,
  bfq_entity_service_tree,
  bfq_tot_busy_queues,
} from './wf2q.js';

/**
 * The queue to dispatch from: the one in service if it may go on, else the next from B-WF2Q+
 * after expiring it; while the queue in service is kept empty, a queue to inject from or null.
 */
function bfq_select_queue(bfqd: bfq_data): bfq_queue | null {
  let bfqq = bfqd.in_service_queue;
  let reason = BFQQE_BUDGET_TIMEOUT;
  // The kernel's labels: check_queue, expire, new_queue (keep_queue is a return).
  let label: 'check_queue' | 'expire' | 'new_queue';
  if (bfqq === null) label = 'new_queue';
  // No budget-timeout expiry for a queue about to idle: its timestamps would misalign.
  else if (bfq_may_expire_for_budg_timeout(bfqq) && !bfq_bfqq_must_idle(bfqq)) label = 'expire';
  else label = 'check_queue';
  // Each pass expires a queue or returns; more passes than queues would be a bug.
  for (let guard = 0; ; guard++) {
    BUG_ON(guard > 4 * bfqd.queues.length + 16, 'bfq_select_queue does not settle');
    if (label === 'check_queue') {
      const q = bfqq as bfq_queue;
      const next_rq = q.next_rq;
      if (next_rq !== null) {
        if (bfq_serv_to_charge(next_rq, q) > bfq_bfqq_budget_left(q)) {
          // The next budget will cover this request, even one from the FIFO.
          reason = BFQQE_BUDGET_EXHAUSTED;
          label = 'expire';
        } else {
          // A request came while idling and the timer is still set: stop idling.
          if (bfq_bfqq_wait_request(q)) {
            bfq_clear_bfqq_wait_request(q);
            bfq_idle_slice_timer_cancel(bfqd);
          }
          return q;
        }
      } else if (bfq_bfqq_wait_request(q) || (q.dispatched !== 0 && bfq_better_to_idle(q))) {
        // Keep the queue: it idles, or may idle once its requests complete. Meanwhile
        // another queue's request may fill the hole.
        return bfq_injection_source(bfqd, q);
      } else {
        reason = BFQQE_NO_MORE_REQUESTS;
        label = 'expire';
      }
    }
    if (label === 'expire') bfq_bfqq_expire(bfqd, bfqq as bfq_queue, false, reason);
    bfqq = bfq_set_in_service_queue(bfqd);
    if (bfqq === null) return null;
    label = 'check_queue';
  }
}

/** Ends raising that ran out (time, burst, 120000 raised sectors) and applies weight changes now. */
function bfq_update_wr_data(bfqd: bfq_data, bfqq: bfq_queue): void {
  const entity = bfqq.entity;
  if (bfqq.wr_coeff > 1) {
    const now = bpf_jiffies64();
    if (bfq_bfqq_in_large_burst(bfqq)) bfq_bfqq_end_wr(bfqq);
    else if (bfqq.last_wr_start_finish + bfqq.wr_cur_max_time < now) {
      if (
        bfqq.wr_cur_max_time !== bfqd.bfq_wr_rt_max_time ||
        bfqq.wr_start_at_switch_to_srt + bfq_wr_duration(bfqd) < now
      )
        bfq_bfqq_end_wr(bfqq);
      else {
        // Soft real-time ran out inside the interactive period: back to interactive raising.
        switch_back_to_interactive_wr(bfqq, bfqd);
        entity.prio_changed = true;
      }
    }
    if (
      bfqq.wr_coeff > 1 &&
      bfqq.wr_cur_max_time !== bfqd.bfq_wr_rt_max_time &&
      bfqq.service_from_wr > max_service_from_wr
    )
      bfq_bfqq_end_wr(bfqq);
  }
  // Raise or lower the weight at once, without moving class (entity may be on a tree).
  if (entity.weight > entity.orig_weight !== bfqq.wr_coeff > 1)
    __bfq_entity_update_weight_prio(bfq_entity_service_tree(entity), entity, false);
}

/** Charges and removes bfqq's next request; an idle-class queue then yields if others wait. */
function bfq_dispatch_rq_from_bfqq(bfqd: bfq_data, bfqq: bfq_queue): bfq_rq {
  const brq = bfqq.next_rq as bfq_rq;
  bfq_bfqq_served(bfqq, bfq_serv_to_charge(brq, bfqq));
  // The sampled first request is the one dispatched now (bfq_update_inject_limit).
  if (bfqq === bfqd.in_service_queue && bfqd.wait_dispatch) {
    bfqd.wait_dispatch = false;
    bfqd.waited_rq = brq;
  }
  bfq_dispatch_remove(bfqd, brq);
  if (bfqq !== bfqd.in_service_queue) return brq;
  // Raising that ends now weighs the whole slot as unraised at expiry: it then yields sooner.
  bfq_update_wr_data(bfqd, bfqq);
  if (bfq_tot_busy_queues(bfqd) > 1 && bfq_class_idle(bfqq))
    bfq_bfqq_expire(bfqd, bfqq, false, BFQQE_BUDGET_EXHAUSTED);
  return brq;
}

/** has_req, called from the elevator's has_work: at-head requests or queued ones. */
export function bfq_has_work(bfqd: bfq_data): boolean {
  return !list_empty(bfqd.dispatch) || bfqd.queued > 0;
}

function __bfq_dispatch_request(bfqd: bfq_data): bfq_rq | null {
  if (!list_empty(bfqd.dispatch)) {
    const brq = list_first_entry(bfqd.dispatch).value;
    list_del_init(brq.queuelist);
    // Outside the normal flow, so counted here.
    if (brq.bfqq !== null) brq.bfqq.dispatched++;
    return brq;
  }
  if (bfq_tot_busy_queues(bfqd) === 0) return null;
  // strict_guarantees: one request in the device at a time, the only way to impose the order.
  if (bfqd.strict_guarantees && bfqd.tot_rq_in_driver > 0) return null;
  const bfqq = bfq_select_queue(bfqd);
  if (bfqq === null) return null;
  if (bfqq !== bfqd.in_service_queue) bfqd.stats.injected++;
  return bfq_dispatch_rq_from_bfqq(bfqd, bfqq);
}

/**
 * dispatch_req, called from each dispatch iteration of the UFQ elevator. Queue-wide: the
 * request may belong to any hardware queue.
 */
export function bfq_dispatch_request(bfqd: bfq_data): BlkRequest | null {
  const brq = __bfq_dispatch_request(bfqd);
  if (brq === null) return null;
  // An at-head request with no queue is started without counting (it has no completion here).
  if (brq.bfqq !== null) bfqd.tot_rq_in_driver++;
  brq.started = true;
  bfqd.stats.dispatched++;
  bfq_rq_handed_back(bfqd, brq);
  return brq.rq;
}
