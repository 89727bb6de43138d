// mq-deadline, the kernel's deadline I/O scheduler, written against the UFQ hook table so it
// runs on the simulated UFQ elevator like the BPF policies. Three priority levels (RT, BE,
// IDLE) served strictly in order, with aging for starved lower levels; per level and direction
// a sector-sorted tree and a deadline FIFO; batches of fifo_batch sorted dispatches; reads may
// pass waiting writes writes_starved times; at-head inserts go first.
// Ported from Kingxukai/linux block/mq-deadline.c @ 0291023e (v6.17-rc3), kernel function
// names and order kept. The merge lookups the kernel takes from block/elevator.c are in
// elevator.ts; the hook table and params are in index.ts; docs/policies-mq-deadline.md lists
// the gaps.
// Does badly at: fairness between processes of one class (it has none); lower classes behind
// a busy RT class wait up to prio_aging_expire.

import {
  type Bio,
  BLK_MQ_INSERT_AT_HEAD,
  type BlkQueue,
  type BlkRequest,
  bio_end_sector,
  blk_rq_pos,
  bpf_jiffies64,
  bpf_printk,
  bpf_request_acquire,
  bpf_request_release,
  CONFIG_HZ,
  ELEVATOR_FRONT_MERGE,
  IOPRIO_PRIO_CLASS,
  ListHead,
  ListNode,
  list_add,
  list_add_tail,
  list_del_init,
  list_empty,
  list_first_entry,
  list_move,
  op_is_sync,
  op_is_write,
  RB_EMPTY_NODE,
  RB_EMPTY_ROOT,
  RbNode,
  RbRoot,
  rb_add,
  rb_erase,
  req_get_ioprio,
  rq_data_dir,
  ufq_revision,
} from '../lib/index.js';
import { elv_coalesced_victim, elv_insert_merge_survivor, elv_rb_find } from './elevator.js';

// --- constants (block/mq-deadline.c; the sysfs unit ms, converted to jiffies in dd_init_sched) ---

/** Read FIFO deadline, ms (HZ / 2). */
export const read_expire = 500;
/** Write FIFO deadline, ms (5 * HZ). */
export const write_expire = 5000;
/** Age after which BE and IDLE requests pass pending higher levels, ms (10 * HZ). */
export const prio_aging_expire = 10000;
/** Read batches that may start while writes wait, batches. */
export const writes_starved = 2;
/** Sorted dispatches per batch, requests. */
export const fifo_batch = 16;

export const DD_READ = 0;
export const DD_WRITE = 1;
export const DD_DIR_COUNT = 2;

export const DD_RT_PRIO = 0;
export const DD_BE_PRIO = 1;
export const DD_IDLE_PRIO = 2;
export const DD_PRIO_MAX = 2;
export const DD_PRIO_COUNT = 3;

/** ioprio class (NONE, RT, BE, IDLE) -> level; NONE is served as BE. */
const ioprio_class_to_prio = [DD_BE_PRIO, DD_RT_PRIO, DD_BE_PRIO, DD_IDLE_PRIO];

/** The sysfs attributes (queue/iosched/), in their units; index.ts defaults and clamps them. */
export interface DdParams {
  /** Read FIFO deadline, ms. */
  read_expire: number;
  /** Write FIFO deadline, ms. */
  write_expire: number;
  /** Read batches allowed while writes wait. */
  writes_starved: number;
  /** 1: look for front merges in the sorted tree. */
  front_merges: number;
  /** Scheduler tags usable by anything but sync reads, requests; 0 = nr_requests (the default). */
  async_depth: number;
  /** Sorted dispatches per batch, requests. */
  fifo_batch: number;
  /** Age after which lower levels pass higher ones, ms. */
  prio_aging_expire: number;
}

// --- state ---

/** struct io_stats_per_prio; queued = inserted - completed. */
export interface io_stats_per_prio {
  inserted: number;
  merged: number;
  dispatched: number;
  completed: number;
}

/** What the kernel keeps in struct request for the scheduler: rb_node, queuelist, fifo_time, elv.priv[0]. */
export interface dd_rq {
  rq: BlkRequest;
  readonly rb_node: RbNode<dd_rq>;
  readonly queuelist: ListNode<dd_rq>;
  /** Deadline (FIFO) or insertion time (at-head list), jiffies. */
  fifo_time: number;
  /** rq->elv.priv[0]: the level the request was counted in. */
  per_prio: dd_per_prio | null;
  /** The policy holds a reference to the request (ufq-model §3.3). */
  ref: boolean;
}

export interface dd_per_prio {
  /** At-head (requeued) requests. */
  readonly dispatch: ListHead<dd_rq>;
  readonly sort_list: RbRoot<dd_rq>[];
  readonly fifo_list: ListHead<dd_rq>[];
  /** Start sector of the level's latest dispatch, per direction. */
  readonly latest_pos: number[];
  readonly stats: io_stats_per_prio;
}

export interface deadline_data {
  readonly q: BlkQueue;
  readonly per_prio: dd_per_prio[];
  last_dir: number;
  /** Requests dispatched in the current batch. */
  batching: number;
  /** Read batches started while writes waited. */
  starved: number;
  /** Per direction, jiffies. */
  readonly fifo_expire: number[];
  fifo_batch: number;
  writes_starved: number;
  front_merges: number;
  async_depth: number;
  /** jiffies. */
  prio_aging_expire: number;
  /** Scheduler state of each request the policy has seen and not yet seen freed. */
  readonly rqs: Map<BlkRequest, dd_rq>;
  readonly pool: dd_rq[];
  /** merge_req glue (elevator.ts): the target offered, its size then, the newcomer's level. */
  merge_target: dd_rq | null;
  merge_target_sectors: number;
  merge_victim_prio: number;
  /** rev-1 glue (elevator.ts): the pair next_req / former_req offered for coalescing. */
  coalesce_survivor: dd_rq | null;
  coalesce_victim: dd_rq | null;
}

/** One attached mq-deadline: its frozen params and q->elevator->elevator_data per queue. */
export interface DdInstance {
  readonly params: Readonly<DdParams>;
  readonly data: Map<BlkQueue, deadline_data>;
  /** WARN_ONCE hits; the first is printed. */
  warnings: number;
}

// --- helpers ---

// BUG_ON and WARN_ONCE stay local until the helper library has them (lib/bug.ts). A BUG_ON
// throws, which ejects the policy; WARN_ONCE counts every hit and prints the first.
function BUG_ON(cond: boolean): void {
  if (cond) throw new Error('mq-deadline: BUG');
}

function WARN_ONCE(I: DdInstance, cond: boolean, msg: string): void {
  if (!cond) return;
  if (I.warnings++ === 0) bpf_printk('%s', msg);
}

export function dd_data(I: DdInstance, q: BlkQueue): deadline_data {
  const dd = I.data.get(q);
  return dd !== undefined ? dd : dd_init_sched_data(I, q);
}

function dd_rq_get(dd: deadline_data, rq: BlkRequest): dd_rq {
  let drq = dd.pool.pop();
  if (drq === undefined) {
    const n = { rq, fifo_time: 0, per_prio: null, ref: false } as Omit<dd_rq, 'rb_node' | 'queuelist'>;
    drq = Object.assign(n, { rb_node: new RbNode(n as dd_rq), queuelist: new ListNode(n as dd_rq) });
  }
  drq.rq = rq;
  drq.fifo_time = 0;
  drq.per_prio = null;
  drq.ref = false;
  dd.rqs.set(rq, drq);
  return drq;
}

function dd_rq_put(dd: deadline_data, drq: dd_rq): void {
  dd.rqs.delete(drq.rq);
  dd.pool.push(drq);
}

/** The policy stores the request: it takes a reference unless it holds one. */
export function dd_rq_hold(drq: dd_rq): void {
  if (!drq.ref) drq.ref = bpf_request_acquire(drq.rq) !== null;
}

/** A hook hands the request to the kernel: rev-2+ kernels drop the reference that came with it. */
export function dd_rq_handed_back(dd: deadline_data, drq: dd_rq): void {
  if (ufq_revision(dd.q) >= 2) drq.ref = false;
}

function rq_less(a: RbNode<dd_rq>, b: RbNode<dd_rq>): boolean {
  return blk_rq_pos(a.value.rq) < blk_rq_pos(b.value.rq);
}

function deadline_rb_root(per_prio: dd_per_prio, rq: BlkRequest): RbRoot<dd_rq> {
  return per_prio.sort_list[rq_data_dir(rq)];
}

/** The I/O priority class of a request (its first bio's). */
function dd_rq_ioclass(rq: BlkRequest): number {
  return IOPRIO_PRIO_CLASS(req_get_ioprio(rq));
}

export function dd_prio_of(ioclass: number): number {
  // ioprio_check_cap rejects classes above IDLE; a stray one is served as BE.
  return ioprio_class_to_prio[ioclass] ?? DD_BE_PRIO;
}

/** The request with the lowest start at or above `pos`. */
function deadline_from_pos(per_prio: dd_per_prio, data_dir: number, pos: number): dd_rq | null {
  let node = per_prio.sort_list[data_dir].rb_node;
  let res: dd_rq | null = null;
  while (node !== null) {
    if (blk_rq_pos(node.value.rq) >= pos) {
      res = node.value;
      node = node.rb_left;
    } else {
      node = node.rb_right;
    }
  }
  return res;
}

function deadline_add_rq_rb(per_prio: dd_per_prio, drq: dd_rq): void {
  rb_add(drq.rb_node, deadline_rb_root(per_prio, drq.rq), rq_less);
}

function deadline_del_rq_rb(per_prio: dd_per_prio, drq: dd_rq): void {
  rb_erase(drq.rb_node, deadline_rb_root(per_prio, drq.rq));
}

/** Off the FIFO (or at-head list) and the tree. q->last_merge is the UFQ elevator's to clear. */
export function deadline_remove_request(per_prio: dd_per_prio, drq: dd_rq): void {
  list_del_init(drq.queuelist);
  if (!RB_EMPTY_NODE(drq.rb_node)) deadline_del_rq_rb(per_prio, drq);
}

/** Called after a bio merged into the request and nothing coalesced: a front merge re-sorts it. */
export function dd_request_merged(dd: deadline_data, drq: dd_rq, type: number): void {
  const per_prio = dd.per_prio[dd_prio_of(dd_rq_ioclass(drq.rq))];
  if (type === ELEVATOR_FRONT_MERGE && !RB_EMPTY_NODE(drq.rb_node)) {
    deadline_del_rq_rb(per_prio, drq);
    deadline_add_rq_rb(per_prio, drq);
  }
}

/** Called after next was merged into req: req takes next's FIFO slot if next expires first. */
export function dd_merged_requests(dd: deadline_data, req: dd_rq, next: dd_rq): void {
  const prio = dd_prio_of(dd_rq_ioclass(next.rq));
  dd.per_prio[prio].stats.merged++;
  if (!list_empty(req.queuelist) && !list_empty(next.queuelist)) {
    if (next.fifo_time < req.fifo_time) {
      list_move(req.queuelist, next.queuelist);
      req.fifo_time = next.fifo_time;
    }
  }
  deadline_remove_request(dd.per_prio[prio], next);
}

function deadline_move_request(per_prio: dd_per_prio, drq: dd_rq): void {
  deadline_remove_request(per_prio, drq);
}

/** Requests of a level from insertion to completion: in-flight ones count. */
export function dd_queued(dd: deadline_data, prio: number): number {
  const stats = dd.per_prio[prio].stats;
  return stats.inserted - stats.completed;
}

/** True if the FIFO's oldest request has reached its deadline. Needs a non-empty FIFO. */
function deadline_check_fifo(per_prio: dd_per_prio, data_dir: number, now: number): boolean {
  return now >= list_first_entry(per_prio.fifo_list[data_dir]).value.fifo_time;
}

function deadline_fifo_request(per_prio: dd_per_prio, data_dir: number): dd_rq | null {
  const head = per_prio.fifo_list[data_dir];
  return list_empty(head) ? null : list_first_entry(head).value;
}

function deadline_next_request(per_prio: dd_per_prio, data_dir: number): dd_rq | null {
  return deadline_from_pos(per_prio, data_dir, per_prio.latest_pos[data_dir]);
}

/** True if the request was inserted after latest_start (jiffies). */
function started_after(dd: deadline_data, drq: dd_rq, latest_start: number): boolean {
  // QUIRK: at-head requests store their insertion time, so they look fifo_expire older.
  return drq.fifo_time - dd.fifo_expire[rq_data_dir(drq.rq)] > latest_start;
}

/** The `done:` label of __dd_dispatch_request (dd_start_request in later kernels). */
function dd_start_request(dd: deadline_data, data_dir: number, drq: dd_rq): dd_rq {
  const per_prio = dd.per_prio[dd_prio_of(dd_rq_ioclass(drq.rq))];
  per_prio.latest_pos[data_dir] = blk_rq_pos(drq.rq);
  per_prio.stats.dispatched++;
  // RQF_STARTED: the UFQ elevator sets it when the hook returns.
  return drq;
}

/**
 * The level's next request by at-head list, batch, writes_starved and deadlines, if inserted
 * no later than latest_start (jiffies). Direction and batch state change even when it then
 * returns null, as in the kernel (it matters for the aging pass).
 */
function __dd_dispatch_request(
  dd: deadline_data,
  per_prio: dd_per_prio,
  latest_start: number,
  now: number,
): dd_rq | null {
  if (!list_empty(per_prio.dispatch)) {
    const drq = list_first_entry(per_prio.dispatch).value;
    if (started_after(dd, drq, latest_start)) return null;
    list_del_init(drq.queuelist);
    return dd_start_request(dd, rq_data_dir(drq.rq), drq);
  }

  // A batch is all reads or all writes: continue it while it lasts.
  let drq = deadline_next_request(per_prio, dd.last_dir);
  if (drq !== null && dd.batching < dd.fifo_batch)
    return dd_dispatch_request_label(dd, per_prio, drq, rq_data_dir(drq.rq), latest_start);

  // No batch running: choose a direction.
  let data_dir: number;
  if (!list_empty(per_prio.fifo_list[DD_READ])) {
    BUG_ON(RB_EMPTY_ROOT(per_prio.sort_list[DD_READ]));
    // `starved` is unsigned, `writes_starved` an int: C compares them as unsigned, so a
    // negative writes_starved never lets writes pass queued reads (block/mq-deadline.c).
    if (deadline_fifo_request(per_prio, DD_WRITE) !== null && dd.starved++ >= dd.writes_starved >>> 0)
      data_dir = dd_dispatch_writes(dd, per_prio);
    else data_dir = DD_READ;
  } else if (!list_empty(per_prio.fifo_list[DD_WRITE])) {
    data_dir = dd_dispatch_writes(dd, per_prio);
  } else {
    return null;
  }

  // dispatch_find_request: an expired deadline, or nothing above the last position, restarts
  // from the oldest request; otherwise the sweep goes on upward.
  const next_rq = deadline_next_request(per_prio, data_dir);
  if (deadline_check_fifo(per_prio, data_dir, now) || next_rq === null)
    drq = deadline_fifo_request(per_prio, data_dir);
  else drq = next_rq;
  if (drq === null) return null;
  dd.last_dir = data_dir;
  dd.batching = 0;
  return dd_dispatch_request_label(dd, per_prio, drq, data_dir, latest_start);
}

/** The `dispatch_writes:` label. */
function dd_dispatch_writes(dd: deadline_data, per_prio: dd_per_prio): number {
  BUG_ON(RB_EMPTY_ROOT(per_prio.sort_list[DD_WRITE]));
  dd.starved = 0;
  return DD_WRITE;
}

/** The `dispatch_request:` label. */
function dd_dispatch_request_label(
  dd: deadline_data,
  per_prio: dd_per_prio,
  drq: dd_rq,
  data_dir: number,
  latest_start: number,
): dd_rq | null {
  if (started_after(dd, drq, latest_start)) return null;
  dd.batching++;
  deadline_move_request(per_prio, drq);
  return dd_start_request(dd, data_dir, drq);
}

/** BE, then IDLE, requests inserted over prio_aging_expire ago, when two levels have requests. */
function dd_dispatch_prio_aged_requests(dd: deadline_data, now: number): dd_rq | null {
  const prio_cnt =
    (dd_queued(dd, DD_RT_PRIO) !== 0 ? 1 : 0) +
    (dd_queued(dd, DD_BE_PRIO) !== 0 ? 1 : 0) +
    (dd_queued(dd, DD_IDLE_PRIO) !== 0 ? 1 : 0);
  if (prio_cnt < 2) return null;
  for (let prio = DD_BE_PRIO; prio <= DD_PRIO_MAX; prio++) {
    const drq = __dd_dispatch_request(dd, dd.per_prio[prio], now - dd.prio_aging_expire, now);
    if (drq !== null) return drq;
  }
  return null;
}

/**
 * dispatch_req, called from each dispatch iteration of the UFQ elevator. Queue-wide: the request
 * may belong to any hardware queue. A level with requests in flight but none to dispatch holds
 * back the levels below it (dd_queued counts until completion).
 */
export function dd_dispatch_request(I: DdInstance, q: BlkQueue): BlkRequest | null {
  const dd = dd_data(I, q);
  const now = bpf_jiffies64();
  let drq = dd_dispatch_prio_aged_requests(dd, now);
  if (drq === null) {
    for (let prio = 0; prio <= DD_PRIO_MAX; prio++) {
      drq = __dd_dispatch_request(dd, dd.per_prio[prio], now, now);
      if (drq !== null || dd_queued(dd, prio) !== 0) break;
    }
  }
  if (drq === null) return null;
  dd_rq_handed_back(dd, drq);
  return drq.rq;
}

/** What limit_depth reads and sets (struct blk_mq_alloc_data). */
export interface BlkMqAllocData {
  readonly q: BlkQueue;
  /** Scheduler tags this allocation may use; 0 = no limit. */
  shallow_depth: number;
}

/**
 * limit_depth (proposed UFQ extension member), called at request allocation: sync reads are
 * not limited; async I/O and sync writes may use async_depth scheduler tags.
 */
export function dd_limit_depth(I: DdInstance, opf: number, data: BlkMqAllocData): void {
  if (op_is_sync(opf) && !op_is_write(opf)) return;
  const dd = I.data.get(data.q);
  data.shallow_depth = dd !== undefined ? dd.async_depth : data.q.nr_requests;
}

/** Called at init (the kernel also calls it when nr_requests changes). */
function dd_depth_updated(I: DdInstance, dd: deadline_data): void {
  dd.async_depth = I.params.async_depth > 0 ? I.params.async_depth : dd.q.nr_requests;
}

/** exit_sched: warns if a FIFO still holds requests or a level's inserted - completed is not 0. */
export function dd_exit_sched(I: DdInstance, q: BlkQueue): number {
  const dd = I.data.get(q);
  if (dd === undefined) return 0;
  for (let prio = 0; prio <= DD_PRIO_MAX; prio++) {
    const per_prio = dd.per_prio[prio];
    const s = per_prio.stats;
    WARN_ONCE(I, !list_empty(per_prio.fifo_list[DD_READ]), 'mq-deadline/exit_sched: read FIFO not empty');
    WARN_ONCE(I, !list_empty(per_prio.fifo_list[DD_WRITE]), 'mq-deadline/exit_sched: write FIFO not empty');
    WARN_ONCE(
      I,
      dd_queued(dd, prio) !== 0,
      `mq-deadline/exit_sched: statistics for priority ${prio}: i ${s.inserted} m ${s.merged} d ${s.dispatched} c ${s.completed}`,
    );
  }
  I.data.delete(q);
  return 0;
}

/** init_sched: per-level lists and trees; params converted from ms to jiffies once, here. */
export function dd_init_sched(I: DdInstance, q: BlkQueue): number {
  dd_init_sched_data(I, q);
  return 0;
}

function dd_init_sched_data(I: DdInstance, q: BlkQueue): deadline_data {
  const p = I.params;
  const hz = CONFIG_HZ();
  const per_prio: dd_per_prio[] = [];
  for (let prio = 0; prio < DD_PRIO_COUNT; prio++)
    per_prio.push({
      dispatch: new ListHead(),
      sort_list: [new RbRoot(), new RbRoot()],
      fifo_list: [new ListHead(), new ListHead()],
      latest_pos: [0, 0],
      stats: { inserted: 0, merged: 0, dispatched: 0, completed: 0 },
    });
  const dd: deadline_data = {
    q,
    per_prio,
    last_dir: DD_WRITE,
    batching: 0,
    starved: 0,
    fifo_expire: [msecs_to_jiffies(p.read_expire, hz), msecs_to_jiffies(p.write_expire, hz)],
    fifo_batch: p.fifo_batch,
    writes_starved: p.writes_starved,
    front_merges: p.front_merges,
    async_depth: 0,
    prio_aging_expire: msecs_to_jiffies(p.prio_aging_expire, hz),
    rqs: new Map(),
    pool: [],
    merge_target: null,
    merge_target_sectors: 0,
    merge_victim_prio: 0,
    coalesce_survivor: null,
    coalesce_victim: null,
  };
  I.data.set(q, dd);
  dd_depth_updated(I, dd);
  return dd;
}

/** include/linux/jiffies.h msecs_to_jiffies: rounds up. */
function msecs_to_jiffies(ms: number, hz: number): number {
  return Math.ceil((ms * hz) / 1000);
}

/** The front-merge lookup: a request of the bio's level and direction starting at its end. */
export function dd_request_merge(dd: deadline_data, per_prio: dd_per_prio, bio: Bio): dd_rq | null {
  if (!dd.front_merges) return null;
  const sector = bio_end_sector(bio);
  const drq = elv_rb_find(per_prio.sort_list[op_is_write(bio.bi_opf) ? DD_WRITE : DD_READ], sector);
  if (drq !== null) BUG_ON(sector !== blk_rq_pos(drq.rq));
  return drq;
}

/**
 * insert_req, called from the UFQ insert path after its merge attempts: the request goes on
 * its level's at-head list, or into the sorted tree and the FIFO with its deadline.
 */
export function dd_insert_request(I: DdInstance, q: BlkQueue, rq: BlkRequest, flags: number): number {
  const dd = dd_data(I, q);
  // The survivor of a merge_req merge (or its rev-2+ rollback) stays where it is.
  if (elv_insert_merge_survivor(dd, rq)) return 0;
  const data_dir = rq_data_dir(rq);
  const per_prio = dd.per_prio[dd_prio_of(dd_rq_ioclass(rq))];
  let drq = dd.rqs.get(rq);
  // Counted once, even when requeued (`if (!rq->elv.priv[0])`).
  if (drq === undefined) {
    drq = dd_rq_get(dd, rq);
    per_prio.stats.inserted++;
  }
  BUG_ON(!list_empty(drq.queuelist) || !RB_EMPTY_NODE(drq.rb_node));
  drq.per_prio = per_prio;
  dd_rq_hold(drq);
  const now = bpf_jiffies64();
  if (flags & BLK_MQ_INSERT_AT_HEAD) {
    list_add(drq.queuelist, per_prio.dispatch);
    drq.fifo_time = now;
  } else {
    deadline_add_rq_rb(per_prio, drq);
    drq.fifo_time = now + dd.fifo_expire[data_dir];
    list_add_tail(drq.queuelist, per_prio.fifo_list[data_dir]);
  }
  return 0;
}

/**
 * finish_req, called when a request the policy saw is freed: after completion, or absorbed by
 * a merge. Counts it completed at its level.
 */
export function dd_finish_request(I: DdInstance, rq: BlkRequest): void {
  const dd = I.data.get(rq.q);
  const drq = dd?.rqs.get(rq);
  if (dd === undefined || drq === undefined) return;
  if (!list_empty(drq.queuelist) || !RB_EMPTY_NODE(drq.rb_node)) elv_coalesced_victim(dd, drq);
  if (drq.per_prio !== null) drq.per_prio.stats.completed++;
  if (drq.ref) bpf_request_release(rq);
  dd_rq_put(dd, drq);
}

function dd_has_work_for_prio(per_prio: dd_per_prio): boolean {
  return (
    !list_empty(per_prio.dispatch) ||
    !list_empty(per_prio.fifo_list[DD_READ]) ||
    !list_empty(per_prio.fifo_list[DD_WRITE])
  );
}

/** has_req, called from the elevator's has_work: any level with requests to dispatch. */
export function dd_has_work(I: DdInstance, q: BlkQueue): boolean {
  const dd = I.data.get(q);
  if (dd === undefined) return false;
  for (let prio = 0; prio <= DD_PRIO_MAX; prio++) if (dd_has_work_for_prio(dd.per_prio[prio])) return true;
  return false;
}
