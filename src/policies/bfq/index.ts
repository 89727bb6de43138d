// BFQ's hook table: the sysfs attributes as params, a dump in place of the debug logging, and
// which kernel callback serves which UFQ hook. limit_depth is not a UFQ hook: it is the
// proposed extension member (ufq/ops.ts UfqOps) the elevator calls at request allocation. What the hooks lack and the helper library adds (the idle timer, queue runs) is
// in docs/policies-bfq.md.

import {
  type BlkMqAllocData,
  type BlkQueue,
  bpf_request_release,
  list_count_nodes,
  type UfqOps,
} from '../lib/index.js';
import { bfq_attempt_insert_merge, bfq_bio_merge, bfq_req_merged } from './elevator.js';
import { bfq_limit_depth, bfq_rq_put } from './iosched.js';
import { bfq_dispatch_request, bfq_has_work } from './iosched-dispatch.js';
import {
  BFQQE_NAMES,
  type BfqInstance,
  type BfqParams,
  bfq_back_max,
  bfq_back_penalty,
  bfq_bfqq_busy,
  bfq_bfqq_sync,
  type bfq_data,
  bfq_fifo_expire,
  bfq_slice_idle,
} from './iosched-h.js';
import { bfq_data_of, bfq_exit_queue, bfq_init_queue } from './iosched-init.js';
import { bfq_finish_requeue_request, bfq_insert_request } from './iosched-insert.js';

export type { BfqParams } from './iosched-h.js';

const INT_MAX = 0x7fffffff;

/** Each attribute's range as its sysfs store clamps it (block/bfq-iosched.c STORE_FUNCTION and friends). */
export const BFQ_PARAM_BOUNDS: Readonly<Record<keyof BfqParams, readonly [number, number]>> = {
  fifo_expire_sync: [1, INT_MAX],
  fifo_expire_async: [1, INT_MAX],
  back_seek_max: [0, INT_MAX],
  back_seek_penalty: [1, INT_MAX],
  slice_idle: [0, INT_MAX],
  max_budget: [0, INT_MAX],
  timeout_sync: [1, INT_MAX],
  strict_guarantees: [0, 1],
  low_latency: [0, 1],
};

/** The kernel's defaults, in sysfs units (ms, KiB, sectors, 0/1). */
export const BFQ_PARAMS_DEFAULT: Readonly<BfqParams> = Object.freeze({
  fifo_expire_sync: bfq_fifo_expire[1] / 1_000_000,
  fifo_expire_async: bfq_fifo_expire[0] / 1_000_000,
  back_seek_max: bfq_back_max,
  back_seek_penalty: bfq_back_penalty,
  slice_idle: bfq_slice_idle / 1_000_000,
  max_budget: 0,
  // HZ / 8 jiffies, 125 ms at HZ 1000.
  timeout_sync: 125,
  strict_guarantees: 0,
  low_latency: 1,
});

/** BFQ's hooks (with the proposed limit_depth member) and the params it was built with. */
export type BfqOps = UfqOps & {
  limit_depth(opf: number, data: BlkMqAllocData): void;
  readonly params: Readonly<BfqParams>;
};

/** finish_req: a completion (or a merge victim freed) seen by BFQ, then its record goes. */
function bfq_finish_request(I: BfqInstance, rq: Parameters<NonNullable<UfqOps['finish_req']>>[0]): void {
  const bfqd = I.data.get(rq.q);
  const brq = bfqd?.rqs.get(rq);
  if (bfqd === undefined || brq === undefined) return;
  if (bfqd.merge_target === brq) bfqd.merge_target = null;
  bfq_finish_requeue_request(bfqd, brq);
  if (brq.ref) bpf_request_release(rq);
  bfq_rq_put(bfqd, brq);
}

/** The state the kernel would log: per device, then per queue. */
function bfq_dump_queue(bfqd: bfq_data): Record<string, unknown> {
  const expired: Record<string, number> = {};
  BFQQE_NAMES.forEach((n, i) => {
    expired[n] = bfqd.stats.expired[i];
  });
  return {
    queued: bfqd.queued,
    tot_rq_in_driver: bfqd.tot_rq_in_driver,
    /** Requests BFQ has seen and not yet seen freed. */
    rqs: bfqd.rqs.size,
    dispatch_list: list_count_nodes(bfqd.dispatch),
    busy_queues: [...bfqd.busy_queues],
    wr_busy_queues: bfqd.wr_busy_queues,
    in_service_pid: bfqd.in_service_queue?.pid ?? null,
    peak_rate: bfqd.peak_rate,
    bfq_max_budget: bfqd.bfq_max_budget,
    budgets_assigned: bfqd.budgets_assigned,
    hw_tag: bfqd.hw_tag,
    vtime: bfqd.sched_data.service_tree.map((st) => st.vtime),
    stats: { ...bfqd.stats, expired },
    bfqq: bfqd.queues.map((bfqq) => ({
      pid: bfqq.pid,
      sync: bfq_bfqq_sync(bfqq),
      ioprio_class: bfqq.ioprio_class,
      ioprio: bfqq.ioprio,
      weight: bfqq.entity.weight,
      orig_weight: bfqq.entity.orig_weight,
      wr_coeff: bfqq.wr_coeff,
      budget: bfqq.entity.budget,
      service: bfqq.entity.service,
      max_budget: bfqq.max_budget,
      queued: bfqq.queued[0] + bfqq.queued[1],
      dispatched: bfqq.dispatched,
      busy: bfq_bfqq_busy(bfqq),
      start: bfqq.entity.start,
      finish: bfqq.entity.finish,
      inject_limit: bfqq.inject_limit,
      last_serv_time_ns: bfqq.last_serv_time_ns,
      waker_pid: bfqq.waker_bfqq?.pid ?? null,
    })),
  };
}

function bfq_dump(I: BfqInstance): Record<string, unknown> {
  const queues: Record<string, unknown> = {};
  for (const [q, bfqd] of I.data) queues[String(q.id)] = bfq_dump_queue(bfqd);
  return { warnings: I.warnings, queues };
}

/**
 * A BFQ with `params` in sysfs names and units; missing ones take the kernel defaults,
 * booleans count as 0/1, and out-of-range values are clamped as the sysfs stores clamp them.
 */
export function bfq(params: Partial<Record<keyof BfqParams, number | boolean>> = {}): BfqOps {
  const p: BfqParams = { ...BFQ_PARAMS_DEFAULT };
  const userSet = new Set<keyof BfqParams>();
  for (const k of Object.keys(BFQ_PARAM_BOUNDS) as (keyof BfqParams)[]) {
    const raw = params[k];
    if (raw === undefined) continue;
    const v = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
    const [min, max] = BFQ_PARAM_BOUNDS[k];
    p[k] = Math.min(max, Math.max(min, Math.trunc(v)));
    userSet.add(k);
  }
  const I: BfqInstance = { params: Object.freeze(p), userSet, data: new Map(), warnings: 0 };
  const bfqd = (q: BlkQueue) => bfq_data_of(I, q);
  return {
    name: 'bfq',
    params: I.params,
    init_sched: (q) => {
      bfq_init_queue(I, q);
      return 0;
    },
    exit_sched: (q) => bfq_exit_queue(I, q),
    insert_req: (q, rq, flags) => bfq_insert_request(bfqd(q), rq, flags),
    dispatch_req: (q) => bfq_dispatch_request(bfqd(q)),
    has_req: (q) => bfq_has_work(bfqd(q)),
    finish_req: (rq) => bfq_finish_request(I, rq),
    merge_req: (q, rq, type) => bfq_attempt_insert_merge(bfqd(q), rq, type),
    merge_bio: (q, bio, nr_segs, merged) => bfq_bio_merge(bfqd(q), bio, nr_segs, merged),
    req_merged: (q, rq, type) => bfq_req_merged(bfqd(q), rq, type),
    limit_depth: (opf, data) => bfq_limit_depth(I, opf, data),
    dump: () => bfq_dump(I),
  };
}

/** BFQ with the kernel's defaults. */
export default bfq();
