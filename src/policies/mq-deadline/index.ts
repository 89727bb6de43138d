// mq-deadline's hook table: the sysfs attributes as params, the debugfs files as dump(), and
// which kernel callback serves which UFQ hook. The scheduler is mq-deadline.ts, the generic
// elevator lookups it needs are elevator.ts. limit_depth is not a UFQ hook: it is the proposed
// extension member the elevator calls at request allocation (docs/policies-mq-deadline.md).

import type { BlkQueue, UfqOps } from '../lib/index.js';
import {
  blk_mq_sched_try_merge,
  elv_attempt_insert_merge,
  elv_merge_find,
  elv_rb_former_request,
  elv_rb_latter_request,
} from './elevator.js';
import {
  type BlkMqAllocData,
  DD_READ,
  type DdInstance,
  type DdParams,
  dd_data,
  dd_dispatch_request,
  dd_exit_sched,
  dd_finish_request,
  dd_has_work,
  dd_init_sched,
  dd_insert_request,
  dd_limit_depth,
  dd_queued,
  dd_request_merged,
  type deadline_data,
  fifo_batch,
  prio_aging_expire,
  read_expire,
  write_expire,
  writes_starved,
} from './mq-deadline.js';

export type { BlkMqAllocData, DdParams } from './mq-deadline.js';

const INT_MAX = 0x7fffffff;
const INT_MIN = -0x80000000;

/**
 * Each attribute's range as its sysfs store clamps it (block/mq-deadline.c STORE_INT /
 * STORE_JIFFIES); async_depth's store takes 1 or more, and 0 here stands for nr_requests.
 */
export const DD_PARAM_BOUNDS: Readonly<Record<keyof DdParams, readonly [number, number]>> = {
  read_expire: [0, INT_MAX],
  write_expire: [0, INT_MAX],
  writes_starved: [INT_MIN, INT_MAX],
  front_merges: [0, 1],
  async_depth: [0, INT_MAX],
  fifo_batch: [0, INT_MAX],
  prio_aging_expire: [0, INT_MAX],
};

/** The kernel's defaults, in sysfs units (ms, requests, batches). */
export const DD_PARAMS_DEFAULT: Readonly<DdParams> = Object.freeze({
  read_expire,
  write_expire,
  writes_starved,
  front_merges: 1,
  async_depth: 0,
  fifo_batch,
  prio_aging_expire,
});

/** mq-deadline's hooks plus the proposed limit_depth member, and the params it was built with. */
export type DdOps = UfqOps & {
  limit_depth(opf: number, data: BlkMqAllocData): void;
  readonly params: Readonly<DdParams>;
};

function listLength(head: { next: unknown }): number {
  let n = 0;
  for (let e = head.next; e !== head; e = (e as { next: unknown }).next) n++;
  return n;
}

/** The debugfs files (queued, owned_by_driver, batching, starved, ...) as plain state. */
function dd_dump_queue(dd: deadline_data): Record<string, unknown> {
  return {
    batching: dd.batching,
    starved: dd.starved,
    last_dir: dd.last_dir === DD_READ ? 'read' : 'write',
    async_depth: dd.async_depth,
    fifo_expire_jiffies: [...dd.fifo_expire],
    prio_aging_expire_jiffies: dd.prio_aging_expire,
    queued: dd.per_prio.map((_, prio) => dd_queued(dd, prio)),
    owned_by_driver: dd.per_prio.map((pp) => pp.stats.dispatched + pp.stats.merged - pp.stats.completed),
    per_prio: dd.per_prio.map((pp) => ({
      ...pp.stats,
      latest_pos: [...pp.latest_pos],
      dispatch: listLength(pp.dispatch),
      read_fifo: listLength(pp.fifo_list[0]),
      write_fifo: listLength(pp.fifo_list[1]),
    })),
  };
}

function dd_dump(I: DdInstance): Record<string, unknown> {
  const queues: Record<string, unknown> = {};
  for (const [q, dd] of I.data) queues[String(q.id)] = dd_dump_queue(dd);
  return { warnings: I.warnings, queues };
}

/**
 * An mq-deadline with `params` in sysfs names and units; missing ones take the kernel
 * defaults and out-of-range ones are clamped as the sysfs stores clamp them.
 */
export function mq_deadline(params: Partial<DdParams> = {}): DdOps {
  const p: DdParams = { ...DD_PARAMS_DEFAULT };
  for (const k of Object.keys(DD_PARAM_BOUNDS) as (keyof DdParams)[]) {
    const v = params[k];
    if (v === undefined) continue;
    const [min, max] = DD_PARAM_BOUNDS[k];
    p[k] = Math.min(max, Math.max(min, Math.trunc(v)));
  }
  const I: DdInstance = { params: Object.freeze(p), data: new Map(), warnings: 0 };
  const dd = (q: BlkQueue) => dd_data(I, q);
  return {
    name: 'mq-deadline',
    params: I.params,
    init_sched: (q) => dd_init_sched(I, q),
    exit_sched: (q) => dd_exit_sched(I, q),
    insert_req: (q, rq, flags) => dd_insert_request(I, q, rq, flags),
    dispatch_req: (q) => dd_dispatch_request(I, q),
    has_req: (q) => dd_has_work(I, q),
    finish_req: (rq) => dd_finish_request(I, rq),
    merge_req: (q, rq, type) => elv_attempt_insert_merge(dd(q), rq, type),
    merge_bio: (q, bio, nr_segs, merged) => blk_mq_sched_try_merge(dd(q), bio, nr_segs, merged),
    find_req_from_sector: (q, start, end) => elv_merge_find(dd(q), start, end),
    former_req: (q, rq) => elv_rb_former_request(dd(q), rq),
    next_req: (q, rq) => elv_rb_latter_request(dd(q), rq),
    req_merged: (q, rq, type) => {
      const drq = dd(q).rqs.get(rq);
      if (drq !== undefined) dd_request_merged(dd(q), drq, type);
    },
    limit_depth: (opf, data) => dd_limit_depth(I, opf, data),
    dump: () => dd_dump(I),
  };
}

/** mq-deadline with the kernel's defaults. */
export default mq_deadline();
