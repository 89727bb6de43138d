// BFQ's data structures and numbers (block/bfq-iosched.h, and the constants at the top of
// block/bfq-iosched.c and bfq-wf2q.c), Kingxukai/linux @ 0291023e (v6.17-rc3). One flat
// hierarchy: the root group's sched_data only, no bfq_group, no cgroup stats. Fields the
// dropped mechanisms use (queue merging, actuators) are left out; see docs/policies-bfq.md.
// The code is in wf2q.ts and the iosched-*.ts files.

import type { BlkQueue, BlkRequest, BpfTimer, ListHead, ListNode, RbNode, RbRoot } from '../lib/index.js';

// --- bfq-iosched.h ---

/** Service trees per sched_data: RT, BE, IDLE. */
export const BFQ_IOPRIO_CLASSES = 3;
/** The idle class is served at least once per HZ / this, i.e. every 200 ms (BFQ_CL_IDLE_TIMEOUT). */
export const BFQ_CL_IDLE_TIMEOUT_HZ_DIV = 5;
export const BFQ_MIN_WEIGHT = 1;
export const BFQ_MAX_WEIGHT = 1000;
/** Weight per ioprio level step: weight = (8 - level) x 10. */
export const BFQ_WEIGHT_CONVERSION_COEFF = 10;
/** Level of a task without an I/O priority (nice 0: (0 + 20) / 5). */
export const BFQ_DEFAULT_QUEUE_IOPRIO = 4;
/** Soft real-time queues are raised 100 times more than interactive ones. */
export const BFQ_SOFTRT_WEIGHT_FACTOR = 100;

// --- bfq-iosched.c defaults (sysfs defaults in index.ts use these) ---

/** FIFO deadlines, ns: async 250 ms (NSEC_PER_SEC / 4), sync 125 ms (NSEC_PER_SEC / 8). */
export const bfq_fifo_expire: readonly [number, number] = [250_000_000, 125_000_000];
/** Largest backward seek still served in order, KiB (16 MiB, lifted from CFQ). */
export const bfq_back_max = 16 * 1024;
/** A backward seek costs this many times its distance (from CFQ). */
export const bfq_back_penalty = 2;
/** Idle wait for the in-service queue's next request, ns (NSEC_PER_SEC / 125 = 8 ms). */
export const bfq_slice_idle = 8_000_000;
/** Budgets assigned before the peak-rate estimate is trusted (about 11 selections). */
export const bfq_stats_min_budgets = 194;
/** Max budget until then, sectors (8 MiB). */
export const bfq_default_max_budget = 16 * 1024;
/** Async requests of non-raised queues in symmetric scenarios are charged 3 x their size (tuning). */
export const bfq_async_charge_factor = 3;
/** Budget timeout: HZ / 8 jiffies (125 ms at HZ 1000, approximating CFQ). */
export const BFQ_TIMEOUT_HZ_DIV = 8;
/** Think times below this are immediate, ns (2 ms). */
export const BFQ_MIN_TT = 2_000_000;
/** hw_tag detection: more than 3 requests in the driver over 32 samples means it queues. */
export const BFQ_HW_QUEUE_THRESHOLD = 3;
export const BFQ_HW_QUEUE_SAMPLES = 32;
/** A request farther than this from the previous one is seeky, sectors. */
export const BFQQ_SEEK_THR = 8 * 100;
/** On non-rotational devices only requests smaller than this are seeky, sectors. */
export const BFQQ_SECT_THR_NONROT = 2 * 32;
/** A queue is seeky if more than this many of its last 32 requests were. */
export const BFQQ_SEEKY_THR = 19;
/** Peak-rate estimation: samples and interval needed, ns, and the target interval, ns. */
export const BFQ_RATE_MIN_SAMPLES = 32;
export const BFQ_RATE_MIN_INTERVAL = 300_000_000;
export const BFQ_RATE_REF_INTERVAL = 1_000_000_000;
/** Peak rates are (sectors / us) << 16. */
export const BFQ_RATE_SHIFT = 16;
/** Reference peak rates, (sectors / us) << 16: rotational, non-rotational. */
export const ref_rate: readonly [number, number] = [14000, 33000];
/** Interactive raising at the reference rate, ms: rotational 7 s, non-rotational 2.5 s. */
export const ref_wr_duration_ms: readonly [number, number] = [7000, 2500];
/** Interactive raising ends after this much raised service, sectors (a LibreOffice start-up). */
export const max_service_from_wr = 120000;
/** bfq_init_queue's low_latency numbers: raise factor, soft-RT raise time ms, min idle ms,
 *  async inter-arrival ms, max soft-RT rate sectors/s; large burst 8 queues within 180 ms. */
export const BFQ_WR_COEFF = 30;
export const BFQ_WR_RT_MAX_TIME_MS = 300;
export const BFQ_WR_MIN_IDLE_TIME_MS = 2000;
export const BFQ_WR_MIN_INTER_ARR_ASYNC_MS = 500;
export const BFQ_WR_MAX_SOFTRT_RATE = 7000;
export const BFQ_LARGE_BURST_THRESH = 8;
export const BFQ_BURST_INTERVAL_MS = 180;
/** Interactive raising lasts 3 to 25 s (bfq_wr_duration's clamp), ms. */
export const BFQ_WR_DURATION_MIN_MS = 3000;
export const BFQ_WR_DURATION_MAX_MS = 25000;
/**
 * jiffies - MAX_JIFFY_OFFSET is "the farthest past" (bfq_smallest_from_now). The kernel's
 * offset is LONG_MAX / 2; 2^40 jiffies (35 years at HZ 1000) keeps sums exact in a double.
 */
export const MAX_JIFFY_OFFSET = 2 ** 40;

/** enum bfqq_expiration. */
export const BFQQE_TOO_IDLE = 0;
export const BFQQE_BUDGET_TIMEOUT = 1;
export const BFQQE_BUDGET_EXHAUSTED = 2;
export const BFQQE_NO_MORE_REQUESTS = 3;
export const BFQQE_PREEMPTED = 4;
export const BFQQE_COUNT = 5;
export const BFQQE_NAMES = [
  'too_idle',
  'budget_timeout',
  'budget_exhausted',
  'no_more_requests',
  'preempted',
];

/** enum bfqq_state_flags, as bits. */
export const BFQQF_just_created = 1 << 0;
export const BFQQF_busy = 1 << 1;
export const BFQQF_wait_request = 1 << 2;
export const BFQQF_non_blocking_wait_rq = 1 << 3;
export const BFQQF_fifo_expire = 1 << 4;
export const BFQQF_has_short_ttime = 1 << 5;
export const BFQQF_sync = 1 << 6;
export const BFQQF_IO_bound = 1 << 7;
export const BFQQF_in_large_burst = 1 << 8;
export const BFQQF_softrt_update = 1 << 9;

type FlagFns = [(bfqq: bfq_queue) => void, (bfqq: bfq_queue) => void, (bfqq: bfq_queue) => boolean];

// BFQ_BFQQ_FNS(name): bfq_mark_bfqq_name, bfq_clear_bfqq_name, bfq_bfqq_name.
function BFQ_BFQQ_FNS(bit: number): FlagFns {
  return [
    (bfqq) => {
      bfqq.flags |= bit;
    },
    (bfqq) => {
      bfqq.flags &= ~bit;
    },
    (bfqq) => (bfqq.flags & bit) !== 0,
  ];
}

export const [bfq_mark_bfqq_just_created, bfq_clear_bfqq_just_created, bfq_bfqq_just_created] =
  BFQ_BFQQ_FNS(BFQQF_just_created);
export const [bfq_mark_bfqq_busy, bfq_clear_bfqq_busy, bfq_bfqq_busy] = BFQ_BFQQ_FNS(BFQQF_busy);
export const [bfq_mark_bfqq_wait_request, bfq_clear_bfqq_wait_request, bfq_bfqq_wait_request] =
  BFQ_BFQQ_FNS(BFQQF_wait_request);
export const [
  bfq_mark_bfqq_non_blocking_wait_rq,
  bfq_clear_bfqq_non_blocking_wait_rq,
  bfq_bfqq_non_blocking_wait_rq,
] = BFQ_BFQQ_FNS(BFQQF_non_blocking_wait_rq);
export const [bfq_mark_bfqq_fifo_expire, bfq_clear_bfqq_fifo_expire, bfq_bfqq_fifo_expire] =
  BFQ_BFQQ_FNS(BFQQF_fifo_expire);
export const [bfq_mark_bfqq_has_short_ttime, bfq_clear_bfqq_has_short_ttime, bfq_bfqq_has_short_ttime] =
  BFQ_BFQQ_FNS(BFQQF_has_short_ttime);
export const [bfq_mark_bfqq_sync, bfq_clear_bfqq_sync, bfq_bfqq_sync] = BFQ_BFQQ_FNS(BFQQF_sync);
export const [bfq_mark_bfqq_IO_bound, bfq_clear_bfqq_IO_bound, bfq_bfqq_IO_bound] =
  BFQ_BFQQ_FNS(BFQQF_IO_bound);
export const [bfq_mark_bfqq_in_large_burst, bfq_clear_bfqq_in_large_burst, bfq_bfqq_in_large_burst] =
  BFQ_BFQQ_FNS(BFQQF_in_large_burst);
export const [bfq_mark_bfqq_softrt_update, bfq_clear_bfqq_softrt_update, bfq_bfqq_softrt_update] =
  BFQ_BFQQ_FNS(BFQQF_softrt_update);

/** struct bfq_service_tree: one B-WF2Q+ scheduler, per class. Timestamps in service << 22 / weight. */
export interface bfq_service_tree {
  /** Backlogged entities, by finish time, each node keeping its subtree's min_start. */
  readonly active: RbRoot<bfq_entity>;
  /** Entities with nothing queued whose finish time V has not reached yet. */
  readonly idle: RbRoot<bfq_entity>;
  first_idle: bfq_entity | null;
  last_idle: bfq_entity | null;
  vtime: number;
  /** Weights of the active and idle entities and the one in service. */
  wsum: number;
}

/** struct bfq_sched_data (the root group's). */
export interface bfq_sched_data {
  in_service_entity: bfq_entity | null;
  next_in_service: bfq_entity | null;
  readonly service_tree: bfq_service_tree[];
  /** Last time the idle class was considered, jiffies. */
  bfq_class_idle_last_service: number;
  /** BFQ_CL_IDLE_TIMEOUT at the run's HZ, jiffies. */
  readonly bfq_cl_idle_timeout: number;
}

/** struct bfq_weight_counter: active non-raised queues of one weight. */
export interface bfq_weight_counter {
  weight: number;
  num_active: number;
  readonly weights_node: RbNode<bfq_weight_counter>;
}

/** struct bfq_entity of a queue (no group entities). */
export interface bfq_entity {
  readonly rb_node: RbNode<bfq_entity>;
  on_st_or_in_serv: boolean;
  start: number;
  finish: number;
  tree: RbRoot<bfq_entity> | null;
  min_start: number;
  /** Service received in the current slot, sectors. */
  service: number;
  /** Sectors the queue may receive in its slot. */
  budget: number;
  /** Requests allocated to the queue and not yet freed. */
  allocated: number;
  weight: number;
  new_weight: number;
  orig_weight: number;
  prio_changed: boolean;
  readonly sched_data: bfq_sched_data;
  /** container_of: the queue this entity schedules. */
  readonly bfqq: bfq_queue;
}

/** struct bfq_ttime, ns. */
export interface bfq_ttime {
  last_end_request: number;
  ttime_total: number;
  ttime_samples: number;
  ttime_mean: number;
}

/** What the kernel keeps in struct request for BFQ: rb_node, queuelist, fifo_time, elv.priv. */
export interface bfq_rq {
  rq: BlkRequest;
  readonly rb_node: RbNode<bfq_rq>;
  /** On its queue's FIFO, or on bfqd->dispatch when inserted at head. */
  readonly queuelist: ListNode<bfq_rq>;
  /** FIFO deadline, ns. */
  fifo_time: number;
  /** RQ_BFQQ(rq), RQ_BIC(rq). */
  bfqq: bfq_queue | null;
  bic: bfq_io_cq | null;
  /** The policy holds a reference to the request (ufq-model §3.3). */
  ref: boolean;
  /** Dispatched by BFQ (RQF_STARTED as BFQ saw it; a requeue clears it). */
  started: boolean;
}

/** struct bfq_queue. */
export interface bfq_queue {
  readonly bfqd: bfq_data;
  ioprio: number;
  ioprio_class: number;
  new_ioprio: number;
  new_ioprio_class: number;
  readonly sort_list: RbRoot<bfq_rq>;
  next_rq: bfq_rq | null;
  /** Queued requests: [async, sync]. */
  readonly queued: [number, number];
  meta_pending: number;
  readonly fifo: ListHead<bfq_rq>;
  readonly entity: bfq_entity;
  weight_counter: bfq_weight_counter | null;
  /** Budget the feedback allows, sectors. */
  max_budget: number;
  /** Slot deadline, jiffies; when empty and idle, the time it went so. */
  budget_timeout: number;
  /** Requests dispatched and not completed. */
  dispatched: number;
  flags: number;
  readonly ttime: bfq_ttime;
  io_start_time: number;
  tot_idle_time: number;
  /** One bit per recent request, 1 = seeky (u32). */
  seek_history: number;
  /** End sector of the last request queued. */
  last_request_pos: number;
  pid: number;
  bic: bfq_io_cq | null;
  /** jiffies. */
  wr_cur_max_time: number;
  soft_rt_next_start: number;
  last_wr_start_finish: number;
  wr_coeff: number;
  last_idle_bklogged: number;
  service_from_backlogged: number;
  service_from_wr: number;
  wr_start_at_switch_to_srt: number;
  split_time: number;
  first_IO_time: number;
  creation_time: number;
  /** On bfqd.active_list while its entity is on an active tree (bfqq_list). */
  readonly bfqq_list: ListNode<bfq_queue>;
  /** Injection: other queues' requests allowed in flight while this one is empty in service. */
  inject_limit: number;
  /** ns: baseline total service time of a first request, without injection; 0 = unknown. */
  last_serv_time_ns: number;
  /** jiffies: when inject_limit was last lowered or reset. */
  decrease_time_jif: number;
  /** The queue whose completions this one waits on (bfq_check_waker); injected first. */
  waker_bfqq: bfq_queue | null;
  tentative_waker_bfqq: bfq_queue | null;
  num_waker_detections: number;
  /** ns. */
  waker_detection_started: number;
  /** Queues whose waker this one is (hlist woken_list, newest first), and its link there. */
  readonly woken_list: ListHead<bfq_queue>;
  readonly woken_list_node: ListNode<bfq_queue>;
}

/** struct bfq_io_cq: one per process, holding its [async, sync] queues. */
export interface bfq_io_cq {
  readonly pid: number;
  readonly bfqq: [bfq_queue | null, bfq_queue | null];
  /** The process's I/O priority (kernel encoding). */
  ioprio: number;
  /** Requests of the process allocated and not yet freed. */
  requests: number;
}

/** Counters for dump() (not kernel fields: BFQ logs these as blktrace messages). */
export interface bfq_stats {
  expired: number[];
  idle_timer_fired: number;
  idle_slices: number;
  dispatched: number;
  completed: number;
  wr_started: number;
  /** Requests dispatched from a queue other than the one in service (injection). */
  injected: number;
}

/** struct bfq_data, plus the per-request and per-process maps a BPF policy keeps. */
export interface bfq_data {
  readonly q: BlkQueue;
  readonly hz: number;
  /** blk_queue_nonrot, read once at init. */
  readonly nonrot: boolean;
  /** Requests inserted at head: served before any queue. */
  readonly dispatch: ListHead<bfq_rq>;
  /** Queues on the active trees, most recently activated first (active_list[0]; one actuator). */
  readonly active_list: ListHead<bfq_queue>;
  /** ns: when the in-service queue's sampled first request arrived (bfq_update_inject_limit). */
  last_empty_occupied_ns: number;
  /** Sampling armed: the in-service queue's next dispatched request becomes waited_rq. */
  wait_dispatch: boolean;
  waited_rq: bfq_rq | null;
  /** Some request was injected while the sampled request's total service time runs. */
  rqs_injected: boolean;
  readonly sched_data: bfq_sched_data;
  readonly queue_weights_tree: RbRoot<bfq_weight_counter>;
  readonly busy_queues: [number, number, number];
  wr_busy_queues: number;
  queued: number;
  tot_rq_in_driver: number;
  nonrot_with_queueing: boolean;
  max_rq_in_driver: number;
  hw_tag_samples: number;
  /** -1 until known (a truthy "unknown", as in the kernel), then 0 or 1. */
  hw_tag: number;
  budgets_assigned: number;
  readonly idle_slice_timer: BpfTimer;
  in_service_queue: bfq_queue | null;
  last_position: number;
  in_serv_last_pos: number;
  /** ns. */
  last_completion: number;
  last_completed_rq_bfqq: bfq_queue | null;
  first_dispatch: number;
  last_dispatch: number;
  last_budget_start: number;
  last_idling_start: number;
  last_idling_start_jiffies: number;
  peak_rate_samples: number;
  sequential_samples: number;
  tot_sectors_dispatched: number;
  last_rq_max_size: number;
  delta_from_first: number;
  peak_rate: number;
  bfq_max_budget: number;
  /** ns: [async, sync]. */
  readonly bfq_fifo_expire: [number, number];
  bfq_back_penalty: number;
  /** KiB. */
  bfq_back_max: number;
  /** ns. */
  bfq_slice_idle: number;
  bfq_user_max_budget: number;
  /** jiffies. */
  bfq_timeout: number;
  strict_guarantees: boolean;
  last_ins_in_burst: number;
  bfq_burst_interval: number;
  burst_size: number;
  large_burst: boolean;
  /** hlist burst_list. */
  readonly burst_list: Set<bfq_queue>;
  bfq_large_burst_thresh: number;
  low_latency: boolean;
  bfq_wr_coeff: number;
  bfq_wr_rt_max_time: number;
  bfq_wr_min_idle_time: number;
  bfq_wr_min_inter_arr_async: number;
  bfq_wr_max_softrt_rate: number;
  rate_dur_prod: number;
  /** [wr_busy_queues > 0][op_is_sync]: shallow depths for async I/O and sync writes. */
  readonly async_depths: [[number, number], [number, number]];
  /** The global bfq_timeout (HZ / 8), which bfq_bfqq_charge_time reads instead of the sysfs one. */
  readonly bfq_timeout_default: number;
  /** The policy's record of each request it has seen and not yet seen freed. */
  readonly rqs: Map<BlkRequest, bfq_rq>;
  readonly pool: bfq_rq[];
  /** Processes by pid (io_context lookups). */
  readonly bics: Map<number, bfq_io_cq>;
  /** Shared async queues: RT and BE per level, and the idle class's one. */
  readonly async_bfqq: (bfq_queue | null)[][];
  async_idle_bfqq: bfq_queue | null;
  /** Every queue made (dumps). */
  readonly queues: bfq_queue[];
  /** merge_req glue (elevator.ts): the target offered for an insert merge. */
  merge_target: bfq_rq | null;
  readonly stats: bfq_stats;
}

/** One attached BFQ: its params in kernel units and each queue's bfq_data. */
export interface BfqInstance {
  readonly params: Readonly<BfqParams>;
  /** Params the caller set (a default timeout_sync stays HZ / 8 jiffies exactly). */
  readonly userSet: ReadonlySet<keyof BfqParams>;
  readonly data: Map<BlkQueue, bfq_data>;
  /** WARN_ON_ONCE hits; the first is printed. */
  warnings: number;
}

/** The sysfs attributes (queue/iosched/), in their units. */
export interface BfqParams {
  /** ms. */
  fifo_expire_sync: number;
  /** ms. */
  fifo_expire_async: number;
  /** KiB. */
  back_seek_max: number;
  /** Multiplier of backward distances. */
  back_seek_penalty: number;
  /** ms. */
  slice_idle: number;
  /** Sectors; 0 = from the peak rate. */
  max_budget: number;
  /** ms. */
  timeout_sync: number;
  /** 0 or 1. */
  strict_guarantees: number;
  /** 0 or 1. */
  low_latency: number;
}
