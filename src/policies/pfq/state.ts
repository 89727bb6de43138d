// PFQ's state and its setup (pfq.bpf.c): the request wrapper, queue and disk structs, the
// loaded program's maps with their max_entries (a 33rd disk fails as in the kernel), map
// lookups, per-queue and per-disk counts, and disk initialisation with the tunables snapshot.
// Not here: classification (classify.ts), the service tree and idle hold (service.ts), the
// request indexes (rq-index.ts), the hooks (pfq.ts).
// Ported from linux-blktests/linux-block tools/ufq_iosched/pfq.bpf.c @ 533f33b6 (rev-3).

import {
  type BlkQueue,
  type BlkRequest,
  BPF_ANY,
  BPF_NOEXIST,
  BpfHashMap,
  bpf_map_delete_elem,
  bpf_map_lookup_elem,
  bpf_map_update_elem,
  EAGAIN,
  EEXIST,
  ENOENT,
  ListHead,
  RbNode,
  RbRoot,
} from '../lib/index.js';
import { pfq_calc_weight } from './classify.js';
import {
  PFQ_BATCH_READ_DEFAULT,
  PFQ_BATCH_SYNC_WRITE_DEFAULT,
  PFQ_BATCH_WRITE_DEFAULT,
  PFQ_DISK_MAP_MAX,
  PFQ_GET_CLASS,
  PFQ_GET_PRIO,
  PFQ_GET_TYPE,
  PFQ_IDLE_DELAY_MAX_MS_DEFAULT,
  PFQ_IDLE_DELAY_MIN_MS_DEFAULT,
  PFQ_INITIALIZED,
  PFQ_INITIALIZING,
  PFQ_INTERACTIVE_MAX,
  PFQ_QID_NONE,
  PFQ_QUEUE_MAP_MAX,
  PFQ_READ,
  PFQ_READ_EXPIRE_NS,
  PFQ_RQ_TREES,
  PFQ_SYNC_WRITE,
  PFQ_SYNC_WRITE_EXPIRE_NS,
  PFQ_TOTAL_QUEUES,
  PFQ_UNINITIALIZED,
  PFQ_WEIGHT_BASE_DEFAULT,
  PFQ_WRITE,
  PFQ_WRITE_EXPIRE_NS,
} from './defs.js';
import { type pfq_stats, pfq_stats_new } from './stat.js';
import { PFQ_PARAMS_DEFAULT, PFQ_TUNABLE_NAMES, type PfqParams, type pfq_tunables } from './tunable.js';

/** One queued request: linked in its type's request tree and FIFO tree (struct pfq_rq_core). */
export class pfq_rq_core {
  /** Request-tree link, ordered by (qid, sector). */
  readonly rb_node: RbNode<pfq_rq_core>;
  /** FIFO-tree link, ordered by (qid, fifo_deadline_ns, sector). */
  readonly fifo_rb_node: RbNode<pfq_rq_core>;
  /** The request, with the reference taken at insert. */
  req: BlkRequest | null = null;
  /** Boot-time FIFO deadline, ns. */
  fifo_deadline_ns = 0;
  /** req->__sector at insert (moved only by a front bio merge through merge_bio). */
  sector = 0;
  qid = 0;
  /** REQ_META at insert. */
  is_meta = false;

  constructor() {
    this.rb_node = new RbNode<pfq_rq_core>(this);
    this.fifo_rb_node = new RbNode<pfq_rq_core>(this);
  }
}

/** One logical queue (struct pfq_queue_data). */
export class pfq_queue_data {
  /** Link in dd.service_tree, ordered by (vtime, qid). */
  readonly svc_rb_node: RbNode<pfq_queue_data>;
  /** Virtual time charged on dispatch; mutated in place while in the tree. */
  vtime = 0;
  /** Virtual-time divisor, set at disk init. */
  weight = 1;
  /** Requests in this queue. */
  nr_queued = 0;
  /** In dd.service_tree (active, or held idle). */
  in_tree = false;
  /** 0..95; the service tree's tie-break. */
  qid = 0;
  pq_class = 0;
  /** 0..7 (IOPRIO_PRIO_LEVEL). */
  priority = 0;
  io_type = 0;

  constructor() {
    this.svc_rb_node = new RbNode<pfq_queue_data>(this);
  }
}

/** Per-disk state (struct pfq_disk_data). */
export interface pfq_disk_data {
  /** Head-inserted requests, served first (struct pfq_dispatch_node list). */
  readonly dispatch: ListHead<BlkRequest>;
  readonly service_tree: RbRoot<pfq_queue_data>;
  /** By I/O type. */
  readonly rq_trees: RbRoot<pfq_rq_core>[];
  readonly fifo_trees: RbRoot<pfq_rq_core>[];
  readonly disk_id: number;
  /** Virtual-time floor for newly activated queues. */
  vtime: number;
  /** The leftmost queue's vtime when the service tree last changed (or vtime if empty). */
  min_vtime: number;
  /** End sector of the last fair dispatch. */
  last_sector: number;
  /** Queues in the service tree, an idle-held one included. */
  nr_active: number;
  /** Requests in fair queues. */
  nr_queued_total: number;
  /** Dispatches in the current batch. */
  in_service_dispatched: number;
  in_service_qid: number;
  /** Idle hold: deadline (ns), holder, active. */
  idle_deadline_ns: number;
  idle_queue_qid: number;
  waiting_idle: boolean;
  /** FIFO windows (ns) and batch limits, by I/O type. */
  readonly fifo_expire_ns: number[];
  readonly max_batch: number[];
  weight_base: number;
  idle_delay_min_ms: number;
  idle_delay_max_ms: number;
  init_state: number;
}

/**
 * The loaded program: its maps. pfq_queue_map's key struct (disk_id, qid) is the number
 * disk_id x 96 + qid; each value is the queue object its kptr points to.
 */
export interface pfq_prog {
  /** Exact task names, value 1 (pfq.c init_interactive_comms). */
  readonly pfq_interactive_comms: BpfHashMap<string, number>;
  readonly pfq_map: BpfHashMap<number, pfq_disk_data>;
  readonly pfq_queue_map: BpfHashMap<number, pfq_queue_data>;
  /** The single tunables entry (key 0), as the loader seeded it. */
  readonly pfq_tunables: Readonly<pfq_tunables>;
  readonly pfq_stats_map: BpfHashMap<number, pfq_stats>;
  /** Freed wrappers for reuse (bpf_obj_new / bpf_obj_drop without allocating per request). */
  readonly core_pool: pfq_rq_core[];
}

/** pfq.c main: load the program, seed the interactive names and the tunables. */
export function pfq_load(params: Readonly<PfqParams> = PFQ_PARAMS_DEFAULT): pfq_prog {
  const P: pfq_prog = {
    pfq_interactive_comms: new BpfHashMap(PFQ_INTERACTIVE_MAX),
    pfq_map: new BpfHashMap(PFQ_DISK_MAP_MAX),
    pfq_queue_map: new BpfHashMap(PFQ_QUEUE_MAP_MAX),
    pfq_tunables: Object.freeze(
      Object.fromEntries(PFQ_TUNABLE_NAMES.map((k) => [k, params[k]])) as unknown as pfq_tunables,
    ),
    pfq_stats_map: new BpfHashMap(PFQ_DISK_MAP_MAX),
    core_pool: [],
  };
  for (const name of params.interactive) bpf_map_update_elem(P.pfq_interactive_comms, name, 1, BPF_ANY);
  return P;
}

export function pfq_stats_lookup(P: pfq_prog, disk_id: number): pfq_stats | null {
  return bpf_map_lookup_elem(P.pfq_stats_map, disk_id);
}

export function pfq_stat_add(stats: pfq_stats | null, idx: number, val: number): void {
  if (stats) stats[idx] += val;
}

export function pfq_qid_valid(qid: number): boolean {
  return qid < PFQ_TOTAL_QUEUES;
}

export function pfq_queue_key(disk_id: number, qid: number): number {
  return disk_id * PFQ_TOTAL_QUEUES + qid;
}

/** The queue object of (disk, qid), or null (also for PFQ_QID_NONE). */
export function pfq_queue_acquire(P: pfq_prog, disk_id: number, qid: number): pfq_queue_data | null {
  if (!pfq_qid_valid(qid)) return null;
  return bpf_map_lookup_elem(P.pfq_queue_map, pfq_queue_key(disk_id, qid));
}

export function pfq_rq_tree(dd: pfq_disk_data, qid: number): RbRoot<pfq_rq_core> | null {
  return pfq_qid_valid(qid) ? dd.rq_trees[PFQ_GET_TYPE(qid)] : null;
}

export function pfq_fifo_tree(dd: pfq_disk_data, qid: number): RbRoot<pfq_rq_core> | null {
  return pfq_qid_valid(qid) ? dd.fifo_trees[PFQ_GET_TYPE(qid)] : null;
}

export function pfq_core_new(P: pfq_prog): pfq_rq_core {
  return P.core_pool.pop() ?? new pfq_rq_core();
}

/** bpf_obj_drop of a wrapper that has left both trees. */
export function pfq_core_drop(P: pfq_prog, core: pfq_rq_core): void {
  core.req = null;
  P.core_pool.push(core);
}

export function pfq_queues_destroy(P: pfq_prog, disk_id: number): void {
  for (let i = 0; i < PFQ_TOTAL_QUEUES; i++) bpf_map_delete_elem(P.pfq_queue_map, pfq_queue_key(disk_id, i));
}

export function pfq_fifo_expire_ns(dd: pfq_disk_data, io_type: number): number {
  return dd.fifo_expire_ns[io_type];
}

export function pfq_max_batch(dd: pfq_disk_data, io_type: number): number {
  return dd.max_batch[io_type];
}

export function pfq_account_inc(dd: pfq_disk_data, queue: pfq_queue_data | null): void {
  if (queue) queue.nr_queued++;
  dd.nr_queued_total++;
}

export function pfq_account_dec(dd: pfq_disk_data, queue: pfq_queue_data | null): void {
  if (queue) queue.nr_queued--;
  dd.nr_queued_total--;
}

/** A ready disk, or null if absent or not (yet) initialised. */
export function pfq_disk_lookup(P: pfq_prog, disk_id: number): pfq_disk_data | null {
  const dd = bpf_map_lookup_elem(P.pfq_map, disk_id);
  return dd && dd.init_state === PFQ_INITIALIZED ? dd : null;
}

/** Publish an uninitialised disk header (BPF_NOEXIST). */
export function pfq_disk_create(P: pfq_prog, disk_id: number): number {
  const rq_trees: RbRoot<pfq_rq_core>[] = [];
  const fifo_trees: RbRoot<pfq_rq_core>[] = [];
  for (let i = 0; i < PFQ_RQ_TREES; i++) {
    rq_trees.push(new RbRoot());
    fifo_trees.push(new RbRoot());
  }
  const dd: pfq_disk_data = {
    dispatch: new ListHead(),
    service_tree: new RbRoot(),
    rq_trees,
    fifo_trees,
    disk_id,
    vtime: 0,
    min_vtime: 0,
    last_sector: 0,
    nr_active: 0,
    nr_queued_total: 0,
    in_service_dispatched: 0,
    in_service_qid: PFQ_QID_NONE,
    idle_deadline_ns: 0,
    idle_queue_qid: PFQ_QID_NONE,
    waiting_idle: false,
    fifo_expire_ns: [0, 0, 0],
    max_batch: [0, 0, 0],
    weight_base: 0,
    idle_delay_min_ms: 0,
    idle_delay_max_ms: 0,
    init_state: PFQ_UNINITIALIZED,
  };
  return bpf_map_update_elem(P.pfq_map, disk_id, dd, BPF_NOEXIST);
}

/**
 * The disk's counters (an existing entry is reused without a reset) and its 96 queue objects.
 * Returns 1 if the counters were created, 0 if reused, or a negative errno after cleanup.
 */
export function pfq_disk_create_queues(P: pfq_prog, disk_id: number): number {
  let stats_created = false;
  let ret = bpf_map_update_elem(P.pfq_stats_map, disk_id, pfq_stats_new(), BPF_NOEXIST);
  if (ret === -EEXIST) {
    if (!pfq_stats_lookup(P, disk_id)) return -ENOENT;
  } else if (ret) return ret;
  else stats_created = true;
  for (let i = 0; i < PFQ_TOTAL_QUEUES; i++) {
    ret = bpf_map_update_elem(P.pfq_queue_map, pfq_queue_key(disk_id, i), new pfq_queue_data(), BPF_NOEXIST);
    if (ret) {
      pfq_queues_destroy(P, disk_id);
      if (stats_created) bpf_map_delete_elem(P.pfq_stats_map, disk_id);
      return ret;
    }
  }
  return stats_created ? 1 : 0;
}

export function pfq_clear_idle_hold(dd: pfq_disk_data): void {
  dd.waiting_idle = false;
  dd.idle_queue_qid = PFQ_QID_NONE;
  dd.idle_deadline_ns = 0;
}

export function pfq_disk_reset_counters(dd: pfq_disk_data): void {
  dd.nr_active = 0;
  dd.nr_queued_total = 0;
  dd.in_service_qid = PFQ_QID_NONE;
  dd.in_service_dispatched = 0;
}

/** Zero tunables select the defaults. */
export function pfq_apply_tunables(dd: pfq_disk_data, tun: Readonly<pfq_tunables>): void {
  dd.weight_base = tun.weight_base || PFQ_WEIGHT_BASE_DEFAULT;
  dd.idle_delay_min_ms = tun.idle_delay_min_ms || PFQ_IDLE_DELAY_MIN_MS_DEFAULT;
  dd.idle_delay_max_ms = tun.idle_delay_max_ms || PFQ_IDLE_DELAY_MAX_MS_DEFAULT;
  dd.max_batch[PFQ_READ] = tun.batch_read || PFQ_BATCH_READ_DEFAULT;
  dd.max_batch[PFQ_SYNC_WRITE] = tun.batch_sync_write || PFQ_BATCH_SYNC_WRITE_DEFAULT;
  dd.max_batch[PFQ_WRITE] = tun.batch_write || PFQ_BATCH_WRITE_DEFAULT;
}

export function pfq_init_queue_fields(P: pfq_prog, dd: pfq_disk_data, idx: number): number {
  const queue = pfq_queue_acquire(P, dd.disk_id, idx);
  if (!queue) return -ENOENT;
  queue.qid = idx;
  queue.pq_class = PFQ_GET_CLASS(idx);
  queue.priority = PFQ_GET_PRIO(idx);
  queue.io_type = PFQ_GET_TYPE(idx);
  queue.nr_queued = 0;
  queue.vtime = 0;
  queue.weight = pfq_calc_weight(dd, queue);
  queue.in_tree = false;
  return 0;
}

export function pfq_disk_init(dd: pfq_disk_data): void {
  dd.vtime = 0;
  dd.min_vtime = 0;
  dd.last_sector = 0;
  pfq_disk_reset_counters(dd);
  pfq_clear_idle_hold(dd);
  dd.fifo_expire_ns[PFQ_READ] = PFQ_READ_EXPIRE_NS;
  dd.fifo_expire_ns[PFQ_SYNC_WRITE] = PFQ_SYNC_WRITE_EXPIRE_NS;
  dd.fifo_expire_ns[PFQ_WRITE] = PFQ_WRITE_EXPIRE_NS;
}

/**
 * Initialise a disk at elevator init, or lazily at insert: 0 if ready, -EAGAIN while another
 * caller initialises, or the map error (-E2BIG for a 33rd disk).
 */
export function pfq_do_init_sched(P: pfq_prog, q: BlkQueue): number {
  const id = q.id;
  let dd = bpf_map_lookup_elem(P.pfq_map, id);
  if (!dd) {
    const ret = pfq_disk_create(P, id);
    if (ret && ret !== -EEXIST) return ret;
    dd = bpf_map_lookup_elem(P.pfq_map, id);
    if (!dd) return -ENOENT;
  }
  if (dd.init_state !== PFQ_UNINITIALIZED) return dd.init_state === PFQ_INITIALIZED ? 0 : -EAGAIN;
  dd.init_state = PFQ_INITIALIZING;
  let ret = pfq_disk_create_queues(P, id);
  if (ret < 0) {
    dd.init_state = PFQ_UNINITIALIZED;
    return ret;
  }
  const stats_created = ret > 0;
  pfq_apply_tunables(dd, P.pfq_tunables);
  pfq_disk_init(dd);
  for (let i = 0; i < PFQ_TOTAL_QUEUES; i++) {
    ret = pfq_init_queue_fields(P, dd, i);
    if (ret) {
      pfq_queues_destroy(P, id);
      if (stats_created) bpf_map_delete_elem(P.pfq_stats_map, id);
      dd.init_state = PFQ_UNINITIALIZED;
      return ret;
    }
  }
  dd.init_state = PFQ_INITIALIZED;
  return 0;
}
