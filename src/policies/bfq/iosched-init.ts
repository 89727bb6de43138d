// BFQ continued (block/bfq-iosched.c, kernel order): tag depths, exit and init. init_sched
// builds bfq_data with the kernel's defaults and the params converted once (ms to ns or
// jiffies, KiB kept), arms nothing, and binds the idle-slice timer (policies/lib timer.ts).

import {
  type BlkQueue,
  BpfTimer,
  blk_queue_nonrot,
  bpf_jiffies64,
  bpf_printk,
  bpf_timer_init,
  bpf_timer_set_callback,
  CONFIG_HZ,
  ListHead,
  RbRoot,
} from '../lib/index.js';
import { bfq_idle_slice_timer_cancel, msecs_to_jiffies, WARN_ON_ONCE } from './iosched.js';
import { update_thr_responsiveness_params } from './iosched-expire.js';
import {
  BFQ_BURST_INTERVAL_MS,
  BFQ_CL_IDLE_TIMEOUT_HZ_DIV,
  BFQ_IOPRIO_CLASSES,
  BFQ_LARGE_BURST_THRESH,
  BFQ_TIMEOUT_HZ_DIV,
  BFQ_WR_COEFF,
  BFQ_WR_MAX_SOFTRT_RATE,
  BFQ_WR_MIN_IDLE_TIME_MS,
  BFQ_WR_MIN_INTER_ARR_ASYNC_MS,
  BFQ_WR_RT_MAX_TIME_MS,
  BFQQE_COUNT,
  type BfqInstance,
  type bfq_data,
  bfq_default_max_budget,
  type bfq_service_tree,
  ref_rate,
  ref_wr_duration_ms,
} from './iosched-h.js';
import { bfq_idle_slice_timer } from './iosched-insert.js';

/** Shallow depths: async I/O half the tags, sync writes 3/4; with raised queues 3/16 and 6/16. */
function bfq_update_depths(bfqd: bfq_data): void {
  const nr_requests = bfqd.q.nr_requests;
  bfqd.async_depths[0][0] = Math.max(nr_requests >> 1, 1);
  bfqd.async_depths[0][1] = Math.max((nr_requests * 3) >> 2, 1);
  bfqd.async_depths[1][0] = Math.max((nr_requests * 3) >> 4, 1);
  bfqd.async_depths[1][1] = Math.max((nr_requests * 6) >> 4, 1);
}

/** exit_sched: timer off; warns if requests are still counted in the driver or queued. */
export function bfq_exit_queue(I: BfqInstance, q: BlkQueue): number {
  const bfqd = I.data.get(q);
  if (bfqd === undefined) return 0;
  bfq_idle_slice_timer_cancel(bfqd);
  WARN_ON_ONCE(I, bfqd.tot_rq_in_driver !== 0, `bfq/exit_sched: ${bfqd.tot_rq_in_driver} requests in driver`);
  WARN_ON_ONCE(I, bfqd.queued !== 0, `bfq/exit_sched: ${bfqd.queued} requests queued`);
  I.data.delete(q);
  return 0;
}

function bfq_service_tree_init(): bfq_service_tree {
  return { active: new RbRoot(), idle: new RbRoot(), first_idle: null, last_idle: null, vtime: 0, wsum: 0 };
}

/** bfq_init_queue: the device's BFQ state with the kernel's defaults and the params. */
export function bfq_init_queue(I: BfqInstance, q: BlkQueue): bfq_data {
  const p = I.params;
  const hz = CONFIG_HZ();
  const now = bpf_jiffies64();
  const nonrot = blk_queue_nonrot(q);
  const rot_idx = nonrot ? 1 : 0;
  const bfq_timeout_default = Math.floor(hz / BFQ_TIMEOUT_HZ_DIV);
  const service_tree: bfq_service_tree[] = [];
  for (let i = 0; i < BFQ_IOPRIO_CLASSES; i++) service_tree.push(bfq_service_tree_init());
  // strict_guarantees raises slice_idle to at least 8 ms (bfq_strict_guarantees_store).
  let slice_idle_ns = p.slice_idle * 1_000_000;
  if (p.strict_guarantees && slice_idle_ns < 8_000_000) slice_idle_ns = 8_000_000;
  const bfqd: bfq_data = {
    q,
    hz,
    nonrot,
    dispatch: new ListHead(),
    active_list: new ListHead(),
    last_empty_occupied_ns: 0,
    wait_dispatch: false,
    waited_rq: null,
    rqs_injected: false,
    sched_data: {
      in_service_entity: null,
      next_in_service: null,
      service_tree,
      bfq_class_idle_last_service: now,
      bfq_cl_idle_timeout: Math.floor(hz / BFQ_CL_IDLE_TIMEOUT_HZ_DIV),
    },
    queue_weights_tree: new RbRoot(),
    busy_queues: [0, 0, 0],
    wr_busy_queues: 0,
    queued: 0,
    tot_rq_in_driver: 0,
    nonrot_with_queueing: nonrot,
    max_rq_in_driver: 0,
    hw_tag_samples: 0,
    hw_tag: -1,
    budgets_assigned: 0,
    idle_slice_timer: new BpfTimer(),
    in_service_queue: null,
    last_position: 0,
    in_serv_last_pos: 0,
    last_completion: 0,
    last_completed_rq_bfqq: null,
    first_dispatch: 0,
    last_dispatch: 0,
    last_budget_start: 0,
    last_idling_start: 0,
    last_idling_start_jiffies: 0,
    peak_rate_samples: 0,
    sequential_samples: 0,
    tot_sectors_dispatched: 0,
    last_rq_max_size: 0,
    delta_from_first: 0,
    // Optimistically, 2/3 of the reference rate.
    peak_rate: Math.floor((ref_rate[rot_idx] * 2) / 3),
    bfq_max_budget: bfq_default_max_budget,
    bfq_fifo_expire: [p.fifo_expire_async * 1_000_000, p.fifo_expire_sync * 1_000_000],
    bfq_back_penalty: p.back_seek_penalty,
    bfq_back_max: p.back_seek_max,
    bfq_slice_idle: slice_idle_ns,
    bfq_user_max_budget: p.max_budget,
    // The default is HZ / 8 exactly; a written value is converted like the sysfs store does.
    bfq_timeout: I.userSet.has('timeout_sync') ? msecs_to_jiffies(p.timeout_sync, hz) : bfq_timeout_default,
    strict_guarantees: p.strict_guarantees !== 0,
    last_ins_in_burst: 0,
    bfq_burst_interval: msecs_to_jiffies(BFQ_BURST_INTERVAL_MS, hz),
    burst_size: 0,
    large_burst: false,
    burst_list: new Set(),
    bfq_large_burst_thresh: BFQ_LARGE_BURST_THRESH,
    low_latency: p.low_latency !== 0,
    bfq_wr_coeff: BFQ_WR_COEFF,
    bfq_wr_rt_max_time: msecs_to_jiffies(BFQ_WR_RT_MAX_TIME_MS, hz),
    bfq_wr_min_idle_time: msecs_to_jiffies(BFQ_WR_MIN_IDLE_TIME_MS, hz),
    bfq_wr_min_inter_arr_async: msecs_to_jiffies(BFQ_WR_MIN_INTER_ARR_ASYNC_MS, hz),
    bfq_wr_max_softrt_rate: BFQ_WR_MAX_SOFTRT_RATE,
    rate_dur_prod: ref_rate[rot_idx] * msecs_to_jiffies(ref_wr_duration_ms[rot_idx], hz),
    async_depths: [
      [0, 0],
      [0, 0],
    ],
    bfq_timeout_default,
    rqs: new Map(),
    pool: [],
    bics: new Map(),
    async_bfqq: [new Array(8).fill(null), new Array(8).fill(null)],
    async_idle_bfqq: null,
    queues: [],
    merge_target: null,
    stats: {
      expired: new Array(BFQQE_COUNT).fill(0),
      idle_timer_fired: 0,
      idle_slices: 0,
      dispatched: 0,
      completed: 0,
      wr_started: 0,
      injected: 0,
    },
  };
  // A user max_budget is taken as is; 0 asks for the automatic one (bfq_max_budget_store).
  if (p.max_budget > 0) bfqd.bfq_max_budget = p.max_budget;
  else if (I.userSet.has('timeout_sync')) update_thr_responsiveness_params(bfqd);
  bfq_update_depths(bfqd);
  if (
    bpf_timer_init(bfqd.idle_slice_timer, q, 0) !== 0 ||
    bpf_timer_set_callback(bfqd.idle_slice_timer, () => bfq_idle_slice_timer(bfqd)) !== 0
  ) {
    // Without a timer an idling queue would never expire: BFQ runs without idling.
    bpf_printk('bfq/init_sched: no timer support, slice_idle forced to 0');
    bfqd.bfq_slice_idle = 0;
    bfqd.strict_guarantees = false;
  }
  I.data.set(q, bfqd);
  return bfqd;
}

/** The queue's bfq_data, made on first use if init_sched has not run. */
export function bfq_data_of(I: BfqInstance, q: BlkQueue): bfq_data {
  return I.data.get(q) ?? bfq_init_queue(I, q);
}
