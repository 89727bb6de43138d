// PFQ's loader and hook table (tools/ufq_iosched/pfq.c): `pfq(params)` loads one program with
// its interactive names and tunables, returns the ops table, and dump() reads the counters and
// disk state the loader prints (print_stats: net inserts, nr_queued_total, nr_active). The
// hooks are pfq.ts (with state.ts, classify.ts, service.ts, rq-index.ts); constants defs.ts;
// counters stat.ts; params tunable.ts.
// Ported from linux-blktests/linux-block tools/ufq_iosched/pfq.c @ 533f33b6 (rev-3).

import type { BlkRequest, Box, UfqOps } from '../lib/index.js';
import { list_count_nodes } from '../lib/index.js';
import { PFQ_QID_NONE, PFQ_TOTAL_QUEUES } from './defs.js';
import {
  pfq_dispatch_req,
  pfq_exit_sched,
  pfq_finish_req,
  pfq_has_req,
  pfq_init_sched,
  pfq_insert_req,
  pfq_merge_bio,
  pfq_merge_req,
} from './pfq.js';
import { PFQ_STAT_MAX, PFQ_STAT_NAMES, pfq_read_stats } from './stat.js';
import { pfq_load, type pfq_prog, type pfq_rq_core } from './state.js';
import { type PfqParams, pfq_params } from './tunable.js';

export { PFQ_TOTAL_QUEUES } from './defs.js';
export { PFQ_STAT_NAMES } from './stat.js';
export { PFQ_PARAMS_DEFAULT, PFQ_TUNABLE_NAMES, type PfqParams, pfq_check_params } from './tunable.js';

/** pfq.c PFQ_VERSION. */
export const PFQ_VERSION = '0.1.0';

/** PFQ's hooks and the params it was loaded with. */
export type PfqOps = UfqOps & { readonly params: Readonly<PfqParams> };

function pfq_dump_disk(P: pfq_prog, id: number): Record<string, unknown> {
  const dd = P.pfq_map.lookup(id);
  if (dd === null) return {};
  // Every queue's weight, and the state of those that have been used.
  const weights: number[] = [];
  const queues: Record<string, unknown>[] = [];
  for (let qid = 0; qid < PFQ_TOTAL_QUEUES; qid++) {
    const queue = P.pfq_queue_map.lookup(id * PFQ_TOTAL_QUEUES + qid);
    weights.push(queue === null ? 0 : queue.weight);
    if (queue === null || (!queue.in_tree && queue.nr_queued === 0 && queue.vtime === 0)) continue;
    const { vtime, nr_queued, in_tree } = queue;
    queues.push({ qid, vtime, nr_queued, in_tree });
  }
  const stats = P.pfq_stats_map.lookup(id);
  const counters: Record<string, number> = {};
  for (let i = 0; i < PFQ_STAT_MAX; i++) counters[PFQ_STAT_NAMES[i]] = stats ? stats[i] : 0;
  return {
    init_state: dd.init_state,
    vtime: dd.vtime,
    min_vtime: dd.min_vtime,
    last_sector: dd.last_sector,
    nr_active: dd.nr_active,
    nr_queued_total: dd.nr_queued_total,
    urgent: list_count_nodes(dd.dispatch),
    in_service_qid: dd.in_service_qid === PFQ_QID_NONE ? null : dd.in_service_qid,
    in_service_dispatched: dd.in_service_dispatched,
    waiting_idle: dd.waiting_idle,
    idle_queue_qid: dd.idle_queue_qid === PFQ_QID_NONE ? null : dd.idle_queue_qid,
    idle_deadline_ns: dd.idle_deadline_ns,
    counters,
    weights,
    queues,
  };
}

/**
 * print_stats: the counters summed over disks with INSERT net of RQMERGE (read_stats),
 * nr_queued_total and nr_active summed (read_disk_state), and each live disk's state.
 */
function pfq_dump(P: pfq_prog): Record<string, unknown> {
  let nr_queued_total = 0;
  let nr_active = 0;
  const disks: Record<string, unknown> = {};
  for (const [id, dd] of P.pfq_map.entries()) {
    nr_queued_total += dd.nr_queued_total;
    nr_active += dd.nr_active;
    disks[String(id)] = pfq_dump_disk(P, id);
  }
  return {
    stats: pfq_read_stats(Array.from(P.pfq_stats_map.entries(), ([, s]) => s)),
    nr_queued_total,
    nr_active,
    disks,
  };
}

/**
 * A loaded PFQ with `params` (loader `-i` names and tunables; missing ones take the defaults).
 * Throws RangeError if pfq_check_params finds a problem: check first to report it as a usage
 * error. Needs a UFQ rev-3 kernel (bpf_request_set_elv_priv1, merge_bio).
 */
export function pfq(params: Partial<PfqParams> = {}): PfqOps {
  const p = pfq_params(params);
  const P = pfq_load(p);
  // Out-parameter of the adjacency search, reused so merge hooks allocate nothing.
  const scratch: Box<pfq_rq_core | null> = { value: null };
  return {
    name: 'pfq_ebpf',
    params: p,
    init_sched: (q) => pfq_init_sched(P, q),
    exit_sched: (q) => pfq_exit_sched(P, q),
    insert_req: (q, rq, flags) => pfq_insert_req(P, q, rq, flags),
    dispatch_req: (q): BlkRequest | null => pfq_dispatch_req(P, q),
    has_req: (q, rqs_count) => pfq_has_req(P, q, rqs_count),
    finish_req: (rq) => pfq_finish_req(P, rq),
    merge_req: (q, rq, type) => pfq_merge_req(P, q, rq, type, scratch),
    merge_bio: (q, bio, nr_segs, merged) => pfq_merge_bio(P, q, bio, nr_segs, merged, scratch),
    dump: () => pfq_dump(P),
  };
}

/** PFQ as the loader runs it with no options: default tunables, no interactive names. */
export default pfq();
