// BFQ, the kernel's Budget Fair Queueing scheduler, written against the UFQ hook table
// (block/bfq-iosched.c, Kingxukai/linux @ 0291023e, v6.17-rc3). This file holds the top of
// bfq-iosched.c in kernel order: dispatch kicks, request choice inside a queue (C-LOOK with
// penalised short back seeks, FIFO deadlines), tag depths, the weights tree that tells a
// symmetric scenario, async charging, budgets, and large-burst detection. The rest follows in
// iosched-busy.ts (activation, weight raising, add/remove), iosched-expire.ts (in-service
// queue, idling, expiry and budget feedback), iosched-dispatch.ts, iosched-insert.ts; the
// virtual-time scheduler is wf2q.ts, the merge glue elevator.ts, the hook table index.ts.

import {
  type BlkMqAllocData,
  type BlkRequest,
  blk_rq_pos,
  blk_rq_sectors,
  bpf_get_current_pid,
  bpf_jiffies64,
  bpf_ktime_get_ns,
  bpf_printk,
  bpf_timer_cancel,
  bpf_ufq_run_hw_queues,
  IOPRIO_CLASS_IDLE,
  ListNode,
  list_first_entry,
  msecs_to_jiffies,
  op_is_sync,
  op_is_write,
  RbNode,
  REQ_META,
  rb_add,
  rb_erase,
  rb_first,
  rb_next,
  rb_prev,
  rq_is_sync,
} from '../lib/index.js';
import {
  BFQ_WR_DURATION_MAX_MS,
  BFQ_WR_DURATION_MIN_MS,
  type BfqInstance,
  bfq_async_charge_factor,
  bfq_bfqq_fifo_expire,
  bfq_bfqq_in_large_burst,
  bfq_bfqq_sync,
  type bfq_data,
  bfq_default_max_budget,
  type bfq_io_cq,
  bfq_mark_bfqq_fifo_expire,
  bfq_mark_bfqq_in_large_burst,
  type bfq_queue,
  type bfq_rq,
  bfq_stats_min_budgets,
  type bfq_weight_counter,
  MAX_JIFFY_OFFSET,
} from './iosched-h.js';
import { bfq_requeue_bfqq, bfq_tot_busy_queues } from './wf2q.js';

// --- time and bit helpers (include/linux/jiffies.h, bitops) ---

/** include/linux/jiffies.h msecs_to_jiffies (policies/lib): rounds up. */
export { msecs_to_jiffies };

export function jiffies_to_msecs(j: number, hz: number): number {
  return Math.floor((j * 1000) / hz);
}

export function nsecs_to_jiffies(ns: number, hz: number): number {
  return Math.floor((ns * hz) / 1e9);
}

/** Set bits of a u32. */
export function hweight32(x: number): number {
  let v = x >>> 0;
  let n = 0;
  while (v !== 0) {
    v &= v - 1;
    n++;
  }
  return n;
}

/** The farthest past instant (jiffies - MAX_JIFFY_OFFSET). */
export function bfq_smallest_from_now(): number {
  return bpf_jiffies64() - MAX_JIFFY_OFFSET;
}

// BUG_ON and WARN_ON_ONCE stay local until the helper library has them (lib/bug.ts). A BUG_ON
// throws, which ejects the policy; WARN_ON_ONCE counts every hit and prints the first.
export function BUG_ON(cond: boolean, what: string): void {
  if (cond) throw new Error(`bfq: BUG: ${what}`);
}

export function WARN_ON_ONCE(I: BfqInstance, cond: boolean, what: string): void {
  if (!cond) return;
  if (I.warnings++ === 0) bpf_printk('bfq: WARN: %s', what);
}

// --- per-request records (rq->elv.priv and the fields BFQ uses in struct request) ---

export function bfq_rq_get(bfqd: bfq_data, rq: BlkRequest): bfq_rq {
  let brq = bfqd.pool.pop();
  if (brq === undefined) {
    const n = { rq, fifo_time: 0, bfqq: null, bic: null, ref: false, started: false } as Omit<
      bfq_rq,
      'rb_node' | 'queuelist'
    >;
    brq = Object.assign(n, { rb_node: new RbNode(n as bfq_rq), queuelist: new ListNode(n as bfq_rq) });
  }
  brq.rq = rq;
  brq.fifo_time = 0;
  brq.bfqq = null;
  brq.bic = null;
  brq.ref = false;
  brq.started = false;
  bfqd.rqs.set(rq, brq);
  return brq;
}

export function bfq_rq_put(bfqd: bfq_data, brq: bfq_rq): void {
  bfqd.rqs.delete(brq.rq);
  bfqd.pool.push(brq);
}

// --- bfq-iosched.c ---

/** Runs the hardware queues if requests wait, since a completion alone does not (blk-mq). */
export function bfq_schedule_dispatch(bfqd: bfq_data): void {
  if (bfqd.queued !== 0) bpf_ufq_run_hw_queues(bfqd.q);
}

/** hrtimer_try_to_cancel(&bfqd->idle_slice_timer). */
export function bfq_idle_slice_timer_cancel(bfqd: bfq_data): void {
  bpf_timer_cancel(bfqd.idle_slice_timer);
}

export function bfq_class_idle(bfqq: bfq_queue): boolean {
  return bfqq.ioprio_class === IOPRIO_CLASS_IDLE;
}

/** Think-time statistics are trusted past 80 samples. */
export function bfq_sample_valid(samples: number): boolean {
  return samples > 80;
}

/**
 * Of two requests, the one to serve after position `last`: sync before async, metadata first,
 * then the nearer one ahead, a request behind by at most back_seek_max counting
 * back_seek_penalty times its distance; farther behind "wraps" and goes last.
 */
export function bfq_choose_req(
  bfqd: bfq_data,
  rq1: bfq_rq | null,
  rq2: bfq_rq | null,
  last: number,
): bfq_rq | null {
  if (rq1 === null || rq1 === rq2) return rq2;
  if (rq2 === null) return rq1;
  const s1sync = rq_is_sync(rq1.rq);
  const s2sync = rq_is_sync(rq2.rq);
  if (s1sync && !s2sync) return rq1;
  if (s2sync && !s1sync) return rq2;
  const m1 = (rq1.rq.cmd_flags & REQ_META) !== 0;
  const m2 = (rq2.rq.cmd_flags & REQ_META) !== 0;
  if (m1 && !m2) return rq1;
  if (m2 && !m1) return rq2;
  const s1 = blk_rq_pos(rq1.rq);
  const s2 = blk_rq_pos(rq2.rq);
  // back_seek_max is in KiB: 2 sectors each.
  const back_max = bfqd.bfq_back_max * 2;
  let d1 = 0;
  let d2 = 0;
  let wrap1 = false;
  let wrap2 = false;
  if (s1 >= last) d1 = s1 - last;
  else if (s1 + back_max >= last) d1 = (last - s1) * bfqd.bfq_back_penalty;
  else wrap1 = true;
  if (s2 >= last) d2 = s2 - last;
  else if (s2 + back_max >= last) d2 = (last - s2) * bfqd.bfq_back_penalty;
  else wrap2 = true;
  if (!wrap1 && !wrap2) {
    if (d1 < d2) return rq1;
    if (d2 < d1) return rq2;
    return s1 >= s2 ? rq1 : rq2;
  }
  if (!wrap1) return rq1;
  if (!wrap2) return rq2;
  // Both behind: start with the one farther back (only one backward seek).
  return s1 <= s2 ? rq1 : rq2;
}

/** IOPRIO_BE_NR: levels per class, the factor between class weight sums. */
const IOPRIO_BE_NR = 8;

/**
 * (CONFIG_BFQ_GROUP_IOSCHED, root group only) the queue already holds at least its
 * weight-proportional share of `limit`, counting the classes above it as IOPRIO_BE_NR times heavier.
 */
function bfqq_request_over_limit(bfqd: bfq_data, bic: bfq_io_cq, opf: number, limit: number): boolean {
  const bfqq = bic.bfqq[op_is_sync(opf) ? 1 : 0];
  if (bfqq === null) return false;
  const entity = bfqq.entity;
  if (!entity.on_st_or_in_serv) return false;
  let wsum = 0;
  for (let i = 0; i <= bfqq.ioprio_class - 1; i++)
    wsum = wsum * IOPRIO_BE_NR + bfqd.sched_data.service_tree[i].wsum;
  if (!wsum) return false;
  const share = Math.floor((limit * entity.weight + Math.floor(wsum / 2)) / wsum);
  return entity.allocated >= share;
}

/**
 * limit_depth (the proposed UFQ extension member): sync reads may use every tag, async I/O
 * half and sync writes three quarters (less while a queue is weight-raised); a queue over its
 * share gets depth 1.
 */
export function bfq_limit_depth(I: BfqInstance, opf: number, data: BlkMqAllocData): void {
  const bfqd = I.data.get(data.q);
  if (bfqd === undefined) return;
  const bic = bfqd.bics.get(bpf_get_current_pid()) ?? null;
  const sync = op_is_sync(opf);
  let limit =
    sync && !op_is_write(opf)
      ? data.q.nr_requests
      : bfqd.async_depths[bfqd.wr_busy_queues ? 1 : 0][sync ? 1 : 0];
  if (bic !== null && bfqq_request_over_limit(bfqd, bic, opf, limit)) limit = 1;
  if (limit < data.q.nr_requests) data.shallow_depth = limit;
}

/**
 * True unless all active queues weigh the same and share one class, or bfqq weighs least:
 * then bfqq keeps its share without idling (weight-raised queues are not in the tree).
 */
export function bfq_asymmetric_scenario(bfqd: bfq_data, bfqq: bfq_queue | null): boolean {
  const root = bfqd.queue_weights_tree;
  const first = root.rb_leftmost;
  const smallest_weight =
    bfqq !== null && bfqq.weight_counter !== null && first !== null && bfqq.weight_counter === first.value;
  const top = root.rb_node;
  const varied_queue_weights =
    !smallest_weight && top !== null && (top.rb_left !== null || top.rb_right !== null);
  const b = bfqd.busy_queues;
  const multiple_classes_busy = (b[0] && b[1]) || (b[0] && b[2]) || (b[1] && b[2]);
  return varied_queue_weights || !!multiple_classes_busy;
}

function weight_less(a: RbNode<bfq_weight_counter>, b: RbNode<bfq_weight_counter>): boolean {
  return a.value.weight < b.value.weight;
}

/** Counts the queue under its weight (one tree node per distinct weight, smallest leftmost). */
export function bfq_weights_tree_add(bfqq: bfq_queue): void {
  if (bfqq.weight_counter !== null) return;
  const root = bfqq.bfqd.queue_weights_tree;
  const weight = bfqq.entity.weight;
  let node = root.rb_node;
  while (node !== null) {
    const c = node.value;
    if (weight === c.weight) {
      bfqq.weight_counter = c;
      c.num_active++;
      return;
    }
    node = weight < c.weight ? node.rb_left : node.rb_right;
  }
  const n = { weight, num_active: 1 } as Omit<bfq_weight_counter, 'weights_node'>;
  const counter = Object.assign(n, { weights_node: new RbNode(n as bfq_weight_counter) });
  rb_add(counter.weights_node, root, weight_less);
  bfqq.weight_counter = counter;
}

export function bfq_weights_tree_remove(bfqq: bfq_queue): void {
  const counter = bfqq.weight_counter;
  if (counter === null) return;
  counter.num_active--;
  if (counter.num_active === 0) rb_erase(counter.weights_node, bfqq.bfqd.queue_weights_tree);
  bfqq.weight_counter = null;
}

/** The FIFO head if its deadline passed; checked once per service slot. */
function bfq_check_fifo(bfqq: bfq_queue, last: bfq_rq): bfq_rq | null {
  if (bfq_bfqq_fifo_expire(bfqq)) return null;
  bfq_mark_bfqq_fifo_expire(bfqq);
  const brq = list_first_entry(bfqq.fifo).value;
  if (brq === last || bpf_ktime_get_ns() < brq.fifo_time) return null;
  return brq;
}

/** The request to serve after `last` leaves: an expired FIFO head, else the better neighbour. */
export function bfq_find_next_rq(bfqd: bfq_data, bfqq: bfq_queue, last: bfq_rq): bfq_rq | null {
  const rbnext = rb_next(last.rb_node);
  const rbprev = rb_prev(last.rb_node);
  const expired = bfq_check_fifo(bfqq, last);
  if (expired !== null) return expired;
  const prev = rbprev !== null ? rbprev.value : null;
  let next: bfq_rq | null = null;
  if (rbnext !== null) next = rbnext.value;
  else {
    const first = rb_first(bfqq.sort_list);
    if (first !== null && first !== last.rb_node) next = first.value;
  }
  return bfq_choose_req(bfqd, next, prev, blk_rq_pos(last.rq));
}

/** Sectors charged for a request: ×3 for async of a non-raised queue in a symmetric scenario. */
export function bfq_serv_to_charge(brq: bfq_rq, bfqq: bfq_queue): number {
  const sectors = blk_rq_sectors(brq.rq);
  if (bfq_bfqq_sync(bfqq) || bfqq.wr_coeff > 1 || bfq_asymmetric_scenario(bfqq.bfqd, bfqq)) return sectors;
  return sectors * bfq_async_charge_factor;
}

/** A queue not in service whose first request changed gets a budget that covers it. */
export function bfq_updated_next_req(bfqd: bfq_data, bfqq: bfq_queue): void {
  const entity = bfqq.entity;
  const next_rq = bfqq.next_rq;
  if (next_rq === null) return;
  // Budgets cannot change once selected, or guarantees break.
  if (bfqq === bfqd.in_service_queue) return;
  const new_budget = Math.max(bfqq.max_budget, bfq_serv_to_charge(next_rq, bfqq), entity.service);
  if (entity.budget !== new_budget) {
    entity.budget = new_budget;
    bfq_requeue_bfqq(bfqd, bfqq, false);
  }
}

/** Interactive raising time, jiffies: reference rate x reference duration / peak rate, 3..25 s. */
export function bfq_wr_duration(bfqd: bfq_data): number {
  const dur = Math.floor(bfqd.rate_dur_prod / bfqd.peak_rate);
  const lo = msecs_to_jiffies(BFQ_WR_DURATION_MIN_MS, bfqd.hz);
  const hi = msecs_to_jiffies(BFQ_WR_DURATION_MAX_MS, bfqd.hz);
  return Math.min(hi, Math.max(lo, dur));
}

export function switch_back_to_interactive_wr(bfqq: bfq_queue, bfqd: bfq_data): void {
  bfqq.wr_coeff = bfqd.bfq_wr_coeff;
  bfqq.wr_cur_max_time = bfq_wr_duration(bfqd);
  bfqq.last_wr_start_finish = bfqq.wr_start_at_switch_to_srt;
}

/** Empties the burst list; bfqq starts a new one if no queue is busy. */
function bfq_reset_burst_list(bfqd: bfq_data, bfqq: bfq_queue): void {
  bfqd.burst_list.clear();
  if (bfq_tot_busy_queues(bfqd) === 0) {
    bfqd.burst_list.add(bfqq);
    bfqd.burst_size = 1;
  } else bfqd.burst_size = 0;
}

function bfq_add_to_burst(bfqd: bfq_data, bfqq: bfq_queue): void {
  bfqd.burst_size++;
  if (bfqd.burst_size === bfqd.bfq_large_burst_thresh) {
    // Enough queues came shortly after each other: all of them belong to a large burst.
    bfqd.large_burst = true;
    for (const item of bfqd.burst_list) bfq_mark_bfqq_in_large_burst(item);
    bfq_mark_bfqq_in_large_burst(bfqq);
    bfqd.burst_list.clear();
  } else bfqd.burst_list.add(bfqq);
}

/**
 * Large-burst detection for a just-created queue: queues created within burst_interval of the
 * previous one join the burst; at 8 they are all marked, and are then neither raised nor
 * (unless needed) idled for.
 */
export function bfq_handle_burst(bfqd: bfq_data, bfqq: bfq_queue): void {
  const now = bpf_jiffies64();
  if (
    bfqd.burst_list.has(bfqq) ||
    bfq_bfqq_in_large_burst(bfqq) ||
    bfqq.split_time + msecs_to_jiffies(10, bfqd.hz) >= now
  )
    return;
  if (bfqd.last_ins_in_burst + bfqd.bfq_burst_interval < now) {
    bfqd.large_burst = false;
    bfq_reset_burst_list(bfqd, bfqq);
  } else if (bfqd.large_burst) {
    bfq_mark_bfqq_in_large_burst(bfqq);
  } else {
    bfq_add_to_burst(bfqd, bfqq);
  }
  bfqd.last_ins_in_burst = now;
}

export function bfq_bfqq_budget_left(bfqq: bfq_queue): number {
  return bfqq.entity.budget - bfqq.entity.service;
}

/** The peak-rate-based max budget once 194 budgets were assigned, else 16384 sectors. */
export function bfq_max_budget(bfqd: bfq_data): number {
  return bfqd.budgets_assigned < bfq_stats_min_budgets ? bfq_default_max_budget : bfqd.bfq_max_budget;
}

/** A 32nd of the max budget, sectors. */
export function bfq_min_budget(bfqd: bfq_data): number {
  return bfqd.budgets_assigned < bfq_stats_min_budgets
    ? Math.floor(bfq_default_max_budget / 32)
    : Math.floor(bfqd.bfq_max_budget / 32);
}
