// B-WF2Q+, the virtual-time scheduler BFQ picks queues with (block/bfq-wf2q.c, Kingxukai/linux
// @ 0291023e, v6.17-rc3), function names and order kept. Per class, each backlogged queue has
// a virtual start S and finish F = S + budget x 2^22 / weight in a tree ordered by F whose
// nodes also keep their subtree's minimum S, so the eligible queue (S <= V) with the smallest
// F is found in O(log n). Serving charges V by service x 2^22 / (sum of weights).
// SIMPLIFIED (docs/policies-bfq.md "groups"): one level, the root group; for_each_entity
// loops run once and the group-budget propagation is gone.
// Timestamps are doubles, exact while below 2^53 (about 2^31 sectors of service at weight 1).

import {
  bpf_jiffies64,
  IOPRIO_NR_LEVELS,
  list_add,
  list_del_init,
  RB_EMPTY_ROOT,
  type RbNode,
  type RbRoot,
  rb_add,
  rb_erase,
  rb_next,
  rb_prev,
} from '../lib/index.js';
import { bfq_idle_slice_timer_cancel, bfq_weights_tree_add, bfq_weights_tree_remove } from './iosched.js';
import {
  BFQ_IOPRIO_CLASSES,
  BFQ_MAX_WEIGHT,
  BFQ_MIN_WEIGHT,
  BFQ_WEIGHT_CONVERSION_COEFF,
  bfq_bfqq_busy,
  bfq_bfqq_non_blocking_wait_rq,
  bfq_clear_bfqq_busy,
  bfq_clear_bfqq_non_blocking_wait_rq,
  bfq_clear_bfqq_wait_request,
  type bfq_data,
  type bfq_entity,
  bfq_mark_bfqq_busy,
  type bfq_queue,
  type bfq_sched_data,
  type bfq_service_tree,
} from './iosched-h.js';

/** 2^WFQ_SERVICE_SHIFT: service-to-virtual-time scale (WFQ_SERVICE_SHIFT 22). */
const WFQ_SERVICE_SCALE = 2 ** 22;

/** a > b; the kernel compares u64 timestamps modulo wrap, which doubles never reach. */
function bfq_gt(a: number, b: number): boolean {
  return a > b;
}

function bfq_class_idx(entity: bfq_entity): number {
  return entity.bfqq.ioprio_class - 1;
}

export function bfq_tot_busy_queues(bfqd: bfq_data): number {
  return bfqd.busy_queues[0] + bfqd.busy_queues[1] + bfqd.busy_queues[2];
}

/**
 * Recomputes sd->next_in_service after an activation, requeue or deactivation. A changed
 * entity other than the current candidate replaces it without a lookup if it is of the same
 * class, eligible and finishes earlier. Returns whether the parent's schedule may change.
 */
function bfq_update_next_in_service(
  sd: bfq_sched_data,
  new_entity: bfq_entity | null,
  expiration: boolean,
): boolean {
  let next_in_service = sd.next_in_service;
  let change_without_lookup = false;
  if (new_entity !== null && new_entity !== sd.next_in_service) {
    change_without_lookup = true;
    if (next_in_service !== null) {
      const new_entity_class_idx = bfq_class_idx(new_entity);
      const st = sd.service_tree[new_entity_class_idx];
      change_without_lookup =
        new_entity_class_idx === bfq_class_idx(next_in_service) &&
        !bfq_gt(new_entity.start, st.vtime) &&
        bfq_gt(next_in_service.finish, new_entity.finish);
    }
    if (change_without_lookup) next_in_service = new_entity;
  }
  if (!change_without_lookup) next_in_service = bfq_lookup_next_entity(sd, expiration);
  // bfq_update_parent_budget: no groups, never a change.
  const parent_sched_may_change = next_in_service !== null && sd.next_in_service === null;
  sd.next_in_service = next_in_service;
  return parent_sched_may_change;
}

/** bfq_delta: service in virtual time at `weight` (service << 22 / weight). */
function bfq_delta(service: number, weight: number): number {
  return Math.floor((service * WFQ_SERVICE_SCALE) / weight);
}

function bfq_calc_finish(entity: bfq_entity, service: number): void {
  entity.finish = entity.start + bfq_delta(service, entity.weight);
}

function bfq_entity_of(node: RbNode<bfq_entity> | null): bfq_entity | null {
  return node === null ? null : node.value;
}

function bfq_extract(root: RbRoot<bfq_entity>, entity: bfq_entity): void {
  entity.tree = null;
  rb_erase(entity.rb_node, root);
}

function bfq_idle_extract(st: bfq_service_tree, entity: bfq_entity): void {
  if (entity === st.first_idle) st.first_idle = bfq_entity_of(rb_next(entity.rb_node));
  if (entity === st.last_idle) st.last_idle = bfq_entity_of(rb_prev(entity.rb_node));
  bfq_extract(st.idle, entity);
}

function entity_finish_less(a: RbNode<bfq_entity>, b: RbNode<bfq_entity>): boolean {
  // bfq_insert goes left while the existing entry finishes later; ties go right.
  return bfq_gt(b.value.finish, a.value.finish);
}

/** bfq_insert: by finish time, into the idle or the active tree. */
function bfq_insert(root: RbRoot<bfq_entity>, entity: bfq_entity): void {
  rb_add(entity.rb_node, root, entity_finish_less);
  entity.tree = root;
}

function bfq_update_min(entity: bfq_entity, node: RbNode<bfq_entity> | null): void {
  if (node !== null && bfq_gt(entity.min_start, node.value.min_start))
    entity.min_start = node.value.min_start;
}

function bfq_update_active_node(node: RbNode<bfq_entity>): void {
  const entity = node.value;
  entity.min_start = entity.start;
  bfq_update_min(entity, node.rb_right);
  bfq_update_min(entity, node.rb_left);
}

/** From the deepest changed node up to the root, refreshing min_start on the path and siblings. */
function bfq_update_active_tree(start: RbNode<bfq_entity>): void {
  let node = start;
  for (;;) {
    bfq_update_active_node(node);
    const parent = node.rb_parent;
    if (parent === null) return;
    if (node === parent.rb_left && parent.rb_right !== null) bfq_update_active_node(parent.rb_right);
    else if (parent.rb_left !== null) bfq_update_active_node(parent.rb_left);
    node = parent;
  }
}

function bfq_active_insert(st: bfq_service_tree, entity: bfq_entity): void {
  bfq_insert(st.active, entity);
  let node = entity.rb_node;
  if (node.rb_left !== null) node = node.rb_left;
  else if (node.rb_right !== null) node = node.rb_right;
  bfq_update_active_tree(node);
  // The injection candidates, newest first (list_add on active_list).
  list_add(entity.bfqq.bfqq_list, entity.bfqq.bfqd.active_list);
}

/** bfq_ioprio_to_weight: levels 0..7 give weights 80..10. */
export function bfq_ioprio_to_weight(ioprio: number): number {
  return (IOPRIO_NR_LEVELS - ioprio) * BFQ_WEIGHT_CONVERSION_COEFF;
}

function bfq_weight_to_ioprio(weight: number): number {
  return Math.max(0, IOPRIO_NR_LEVELS - Math.trunc(weight / BFQ_WEIGHT_CONVERSION_COEFF));
}

/** The deepest node an extraction of `node` can change (null if it is the last one). */
function bfq_find_deepest(node: RbNode<bfq_entity>): RbNode<bfq_entity> | null {
  if (node.rb_right === null && node.rb_left === null) return node.rb_parent;
  if (node.rb_right === null) return node.rb_left;
  if (node.rb_left === null) return node.rb_right;
  let deepest = rb_next(node) as RbNode<bfq_entity>;
  if (deepest.rb_right !== null) deepest = deepest.rb_right;
  else if (deepest.rb_parent !== node) deepest = deepest.rb_parent as RbNode<bfq_entity>;
  return deepest;
}

function bfq_active_extract(st: bfq_service_tree, entity: bfq_entity): void {
  const node = bfq_find_deepest(entity.rb_node);
  bfq_extract(st.active, entity);
  if (node !== null) bfq_update_active_tree(node);
  list_del_init(entity.bfqq.bfqq_list);
}

function bfq_idle_insert(st: bfq_service_tree, entity: bfq_entity): void {
  const first_idle = st.first_idle;
  const last_idle = st.last_idle;
  if (first_idle === null || bfq_gt(first_idle.finish, entity.finish)) st.first_idle = entity;
  if (last_idle === null || bfq_gt(entity.finish, last_idle.finish)) st.last_idle = entity;
  bfq_insert(st.idle, entity);
}

/** The entity leaves the scheduler: off every tree, its weight out of wsum. */
function bfq_forget_entity(st: bfq_service_tree, entity: bfq_entity): void {
  entity.on_st_or_in_serv = false;
  st.wsum -= entity.weight;
}

function bfq_put_idle_entity(st: bfq_service_tree, entity: bfq_entity): void {
  bfq_idle_extract(st, entity);
  bfq_forget_entity(st, entity);
}

/** Drops at most one idle entity V has passed (all of them if nothing is active). */
function bfq_forget_idle(st: bfq_service_tree): void {
  const first_idle = st.first_idle;
  const last_idle = st.last_idle;
  if (RB_EMPTY_ROOT(st.active) && last_idle !== null && !bfq_gt(last_idle.finish, st.vtime))
    st.vtime = last_idle.finish;
  if (first_idle !== null && !bfq_gt(first_idle.finish, st.vtime)) bfq_put_idle_entity(st, first_idle);
}

export function bfq_entity_service_tree(entity: bfq_entity): bfq_service_tree {
  return entity.sched_data.service_tree[bfq_class_idx(entity)];
}

/**
 * Applies a pending weight, ioprio or (if update_class_too) class change, moving the weight
 * between the wsum of the old and new tree and the weights tree. Returns the new tree.
 */
export function __bfq_entity_update_weight_prio(
  old_st: bfq_service_tree,
  entity: bfq_entity,
  update_class_too: boolean,
): bfq_service_tree {
  if (!entity.prio_changed) return old_st;
  const bfqq = entity.bfqq;
  old_st.wsum -= entity.weight;
  if (entity.new_weight !== entity.orig_weight) {
    entity.new_weight = Math.min(BFQ_MAX_WEIGHT, Math.max(BFQ_MIN_WEIGHT, entity.new_weight));
    entity.orig_weight = entity.new_weight;
    bfqq.ioprio = bfq_weight_to_ioprio(entity.orig_weight);
  }
  if (update_class_too && bfqq.ioprio_class !== bfqq.new_ioprio_class) {
    // SIMPLIFIED (docs/policies-bfq.md "task priority"): the kernel changes the class of a
    // busy queue being requeued and leaves it counted busy under the old class; a trace may
    // change a process's priority between requests, so the count moves with the class here.
    if (bfq_bfqq_busy(bfqq)) {
      bfqq.bfqd.busy_queues[bfqq.ioprio_class - 1]--;
      bfqq.bfqd.busy_queues[bfqq.new_ioprio_class - 1]++;
    }
    bfqq.ioprio_class = bfqq.new_ioprio_class;
  }
  if (bfqq.ioprio_class === bfqq.new_ioprio_class) entity.prio_changed = false;
  // The kernel notes this may change the weight too early (unfairness it accepts).
  const new_st = bfq_entity_service_tree(entity);
  const prev_weight = entity.weight;
  const new_weight = entity.orig_weight * bfqq.wr_coeff;
  if (prev_weight !== new_weight) bfq_weights_tree_remove(bfqq);
  entity.weight = new_weight;
  if (prev_weight !== new_weight && bfqq.wr_coeff === 1) bfq_weights_tree_add(bfqq);
  new_st.wsum += entity.weight;
  if (new_st !== old_st) entity.start = new_st.vtime;
  return new_st;
}

/** Charges `served` sectors to the queue and advances V by served << 22 / wsum. */
export function bfq_bfqq_served(bfqq: bfq_queue, served: number): void {
  const entity = bfqq.entity;
  if (!bfqq.service_from_backlogged) bfqq.first_IO_time = bpf_jiffies64();
  if (bfqq.wr_coeff > 1) bfqq.service_from_wr += served;
  bfqq.service_from_backlogged += served;
  const st = bfq_entity_service_tree(entity);
  entity.service += served;
  st.vtime += bfq_delta(served, st.wsum);
  bfq_forget_idle(st);
}

/**
 * Charges a slow queue the service it would have had at peak rate in `time_ms`:
 * max(service, max_budget x min(time, timeout) / timeout).
 */
export function bfq_bfqq_charge_time(bfqd: bfq_data, bfqq: bfq_queue, time_ms: number): void {
  const entity = bfqq.entity;
  // QUIRK: the global bfq_timeout (HZ / 8), not the sysfs timeout_sync.
  const timeout_ms = Math.floor((bfqd.bfq_timeout_default * 1000) / bfqd.hz);
  const bounded_time_ms = Math.min(time_ms, timeout_ms);
  const serv_to_charge_for_time = Math.floor((bfqd.bfq_max_budget * bounded_time_ms) / timeout_ms);
  const tot_serv_to_charge = Math.max(serv_to_charge_for_time, entity.service);
  if (tot_serv_to_charge > entity.budget) entity.budget = tot_serv_to_charge;
  bfq_bfqq_served(bfqq, Math.max(0, tot_serv_to_charge - entity.service));
}

function bfq_update_fin_time_enqueue(entity: bfq_entity, st0: bfq_service_tree, backshifted: boolean): void {
  const st = __bfq_entity_update_weight_prio(st0, entity, true);
  bfq_calc_finish(entity, entity.budget);
  // A queue that came back in time keeps its old timestamps, but not so far behind V that it
  // would monopolise the device: pushed up to V (a raised queue only by 1 / wr_coeff of it).
  if (backshifted && bfq_gt(st.vtime, entity.finish)) {
    const delta = Math.floor((st.vtime - entity.finish) / entity.bfqq.wr_coeff);
    entity.start += delta;
    entity.finish += delta;
  }
  bfq_active_insert(st, entity);
}

/** A true activation: S = max(V, F) from the idle tree, else V (or F if back-shifted). */
function __bfq_activate_entity(entity: bfq_entity, non_blocking_wait_rq: boolean): void {
  const st = bfq_entity_service_tree(entity);
  let backshifted = false;
  let min_vstart: number;
  if (non_blocking_wait_rq && bfq_gt(st.vtime, entity.finish)) {
    backshifted = true;
    min_vstart = entity.finish;
  } else {
    min_vstart = st.vtime;
  }
  if (entity.tree === st.idle) {
    bfq_idle_extract(st, entity);
    entity.start = bfq_gt(min_vstart, entity.finish) ? min_vstart : entity.finish;
  } else {
    entity.start = min_vstart;
    st.wsum += entity.weight;
    entity.on_st_or_in_serv = true;
  }
  bfq_update_fin_time_enqueue(entity, st, backshifted);
}

/** Requeue after service (S = F of the service received) or reposition after a budget change. */
function __bfq_requeue_entity(entity: bfq_entity): void {
  const sd = entity.sched_data;
  const st = bfq_entity_service_tree(entity);
  if (entity === sd.in_service_entity) {
    bfq_calc_finish(entity, entity.service);
    entity.start = entity.finish;
    if (entity.tree !== null) bfq_active_extract(st, entity);
  } else {
    bfq_active_extract(st, entity);
  }
  bfq_update_fin_time_enqueue(entity, st, false);
}

function __bfq_activate_requeue_entity(entity: bfq_entity, non_blocking_wait_rq: boolean): void {
  const st = bfq_entity_service_tree(entity);
  if (entity.sched_data.in_service_entity === entity || entity.tree === st.active)
    __bfq_requeue_entity(entity);
  else __bfq_activate_entity(entity, non_blocking_wait_rq);
}

function bfq_activate_requeue_entity(
  entity: bfq_entity,
  non_blocking_wait_rq: boolean,
  _requeue: boolean,
  expiration: boolean,
): void {
  __bfq_activate_requeue_entity(entity, non_blocking_wait_rq);
  bfq_update_next_in_service(entity.sched_data, entity, expiration);
}

/**
 * Takes the entity off the active tree (or out of service); onto the idle tree if allowed and
 * V has not reached its finish, else out of the scheduler. False if it was not active.
 */
export function __bfq_deactivate_entity(entity: bfq_entity, ins_into_idle_tree: boolean): boolean {
  const sd = entity.sched_data;
  if (!entity.on_st_or_in_serv) return false;
  const st = bfq_entity_service_tree(entity);
  const is_in_service = entity === sd.in_service_entity;
  bfq_calc_finish(entity, entity.service);
  if (is_in_service) sd.in_service_entity = null;
  // Nobody resets the service of an entity that is not in service on expiry: do it now.
  else entity.service = 0;
  if (entity.tree === st.active) bfq_active_extract(st, entity);
  else if (!is_in_service && entity.tree === st.idle) bfq_idle_extract(st, entity);
  if (!ins_into_idle_tree || !bfq_gt(entity.finish, st.vtime)) bfq_forget_entity(st, entity);
  else bfq_idle_insert(st, entity);
  return true;
}

function bfq_deactivate_entity(entity: bfq_entity, ins_into_idle_tree: boolean, expiration: boolean): void {
  const sd = entity.sched_data;
  if (!__bfq_deactivate_entity(entity, ins_into_idle_tree)) return;
  if (sd.next_in_service === entity) bfq_update_next_in_service(sd, null, expiration);
}

/** The V at which some entity is eligible: the tree's min start if it is ahead of V. */
function bfq_calc_vtime_jump(st: bfq_service_tree): number {
  const root_entity = (st.active.rb_node as RbNode<bfq_entity>).value;
  if (bfq_gt(root_entity.min_start, st.vtime)) return root_entity.min_start;
  return st.vtime;
}

function bfq_update_vtime(st: bfq_service_tree, new_value: number): void {
  if (new_value > st.vtime) {
    st.vtime = new_value;
    bfq_forget_idle(st);
  }
}

/** The eligible entity (start <= vtime) with the smallest finish, using min_start to prune. */
function bfq_first_active_entity(st: bfq_service_tree, vtime: number): bfq_entity | null {
  let first: bfq_entity | null = null;
  let node: RbNode<bfq_entity> | null = st.active.rb_node;
  while (node !== null) {
    let cur: RbNode<bfq_entity> = node;
    // The kernel's `left:` label: keep descending left while that subtree has an eligible entity.
    for (;;) {
      if (!bfq_gt(cur.value.start, vtime)) first = cur.value;
      const l: RbNode<bfq_entity> | null = cur.rb_left;
      if (l !== null && !bfq_gt(l.value.min_start, vtime)) {
        cur = l;
        continue;
      }
      break;
    }
    if (first !== null) break;
    node = cur.rb_right;
  }
  return first;
}

function __bfq_lookup_next_entity(st: bfq_service_tree, in_service: boolean): bfq_entity | null {
  if (RB_EMPTY_ROOT(st.active)) return null;
  const new_vtime = bfq_calc_vtime_jump(st);
  // With an entity in service there is already an eligible one: V stays.
  if (!in_service) bfq_update_vtime(st, new_vtime);
  return bfq_first_active_entity(st, new_vtime);
}

/**
 * The next entity: from the idle class if it was last considered over HZ / 5 ago and has an
 * active entity, else from the highest class with one (RT, BE, IDLE).
 */
function bfq_lookup_next_entity(sd: bfq_sched_data, expiration: boolean): bfq_entity | null {
  const st = sd.service_tree;
  const idle_class_st = st[BFQ_IOPRIO_CLASSES - 1];
  let class_idx = 0;
  const now = bpf_jiffies64();
  if (sd.bfq_class_idle_last_service + sd.bfq_cl_idle_timeout < now) {
    if (!RB_EMPTY_ROOT(idle_class_st.active)) class_idx = BFQ_IOPRIO_CLASSES - 1;
    // About to be served if backlogged, or not yet backlogged.
    sd.bfq_class_idle_last_service = now;
  }
  let entity: bfq_entity | null = null;
  for (; class_idx < BFQ_IOPRIO_CLASSES; class_idx++) {
    // On expiry the in-service entity is already requeued: look up as if none were in service.
    entity = __bfq_lookup_next_entity(st[class_idx], sd.in_service_entity !== null && !expiration);
    if (entity !== null) break;
  }
  return entity;
}

export function next_queue_may_preempt(bfqd: bfq_data): boolean {
  const sd = bfqd.sched_data;
  return sd.next_in_service !== sd.in_service_entity;
}

/** Sets the cached next entity in service, off its active tree, and finds the next candidate. */
export function bfq_get_next_queue(bfqd: bfq_data): bfq_queue | null {
  if (bfq_tot_busy_queues(bfqd) === 0) return null;
  const sd = bfqd.sched_data;
  const entity = sd.next_in_service;
  if (entity === null) return null;
  sd.in_service_entity = entity;
  // A queue in service is no longer a candidate (bfq_no_longer_next_in_service).
  bfq_active_extract(bfq_entity_service_tree(entity), entity);
  bfq_update_next_in_service(sd, null, false);
  return entity.bfqq;
}

/** Last step of an expiry: nothing in service, idle timer cancelled. */
export function __bfq_bfqd_reset_in_service(bfqd: bfq_data): boolean {
  const in_serv_bfqq = bfqd.in_service_queue as bfq_queue;
  bfq_clear_bfqq_wait_request(in_serv_bfqq);
  bfq_idle_slice_timer_cancel(bfqd);
  bfqd.in_service_queue = null;
  in_serv_bfqq.entity.sched_data.in_service_entity = null;
  // Queues are never freed here (a process keeps its queues for the run).
  return false;
}

export function bfq_deactivate_bfqq(
  _bfqd: bfq_data,
  bfqq: bfq_queue,
  ins_into_idle_tree: boolean,
  expiration: boolean,
): void {
  bfq_deactivate_entity(bfqq.entity, ins_into_idle_tree, expiration);
}

export function bfq_activate_bfqq(_bfqd: bfq_data, bfqq: bfq_queue): void {
  bfq_activate_requeue_entity(bfqq.entity, bfq_bfqq_non_blocking_wait_rq(bfqq), false, false);
  bfq_clear_bfqq_non_blocking_wait_rq(bfqq);
}

export function bfq_requeue_bfqq(bfqd: bfq_data, bfqq: bfq_queue, expiration: boolean): void {
  bfq_activate_requeue_entity(bfqq.entity, false, bfqq === bfqd.in_service_queue, expiration);
}

/** The queue has nothing queued (or is expiring empty): out of the busy set. */
export function bfq_del_bfqq_busy(bfqq: bfq_queue, expiration: boolean): void {
  const bfqd = bfqq.bfqd;
  bfq_clear_bfqq_busy(bfqq);
  bfqd.busy_queues[bfqq.ioprio_class - 1]--;
  if (bfqq.wr_coeff > 1) bfqd.wr_busy_queues--;
  bfq_deactivate_bfqq(bfqd, bfqq, true, expiration);
  if (!bfqq.dispatched) bfq_weights_tree_remove(bfqq);
}

/** An inactive queue got a request: activated and counted busy. */
export function bfq_add_bfqq_busy(bfqq: bfq_queue): void {
  const bfqd = bfqq.bfqd;
  bfq_activate_bfqq(bfqd, bfqq);
  bfq_mark_bfqq_busy(bfqq);
  bfqd.busy_queues[bfqq.ioprio_class - 1]++;
  if (!bfqq.dispatched && bfqq.wr_coeff === 1) bfq_weights_tree_add(bfqq);
  if (bfqq.wr_coeff > 1) bfqd.wr_busy_queues++;
}
