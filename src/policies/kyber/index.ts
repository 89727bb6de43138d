// Kyber's hook table: the sysfs attributes as params, the debugfs files as dump(), and which
// kernel callback serves which UFQ hook. The scheduler is kyber.ts. limit_depth is not a UFQ
// hook but the proposed extension member the elevator calls at request allocation
// (docs/policies-kyber.md).

import type { BlkMqAllocData, BlkQueue, UfqOps } from '../lib/index.js';
import { list_count_nodes, sbitmap_busy } from '../lib/index.js';
import {
  KYBER_NUM_DOMAINS,
  type KyberInstance,
  type KyberParams,
  kyber_domain_names,
  kyber_latency_targets,
  type kyber_queue_data,
} from './defs.js';
import {
  kyber_bio_merge,
  kyber_dispatch_req,
  kyber_exit_sched,
  kyber_find_req,
  kyber_finish_req,
  kyber_has_req,
  kyber_init_sched,
  kyber_insert_requests,
  kyber_limit_depth,
} from './kyber.js';

export type { KyberParams } from './defs.js';

/** Largest value a u64 attribute can hold exactly here, ns. */
const U64_SAFE_MAX = Number.MAX_SAFE_INTEGER;

/** The kernel's defaults (kyber_latency_targets), ns. */
export const KYBER_PARAMS_DEFAULT: Readonly<KyberParams> = Object.freeze({
  read_lat_nsec: kyber_latency_targets[0],
  write_lat_nsec: kyber_latency_targets[1],
});

/** Kyber's hooks plus the proposed limit_depth member, and the params it was built with. */
export type KyberOps = UfqOps & {
  limit_depth(opf: number, data: BlkMqAllocData): void;
  readonly params: Readonly<KyberParams>;
};

/** The debugfs files: per domain {read,write,discard,other}_tokens; per hctx cur_domain, batching, *_rqs, *_waiting. */
function kyber_dump_queue(kqd: kyber_queue_data): Record<string, unknown> {
  const domains: Record<string, unknown> = {};
  for (let d = 0; d < KYBER_NUM_DOMAINS; d++) {
    const t = kqd.domain_tokens[d];
    domains[kyber_domain_names[d].toLowerCase()] = {
      depth: t.sb.depth,
      busy: sbitmap_busy(t.sb),
      wake_batch: t.wake_batch,
      ws_active: t.ws_active,
      throttled: kqd.trace.throttled[d],
      adjusted: kqd.trace.adjust[d],
      ...(d < kqd.latency_targets.length
        ? {
            target_ns: kqd.latency_targets[d],
            p99_bucket: kqd.domain_p99[d],
            last_bucket: { total: kqd.trace.latency[d][0], io: kqd.trace.latency[d][1] },
          }
        : {}),
    };
  }
  const hctxs = kqd.khds.map((khd) =>
    khd === undefined
      ? null
      : {
          cur_domain: kyber_domain_names[khd.cur_domain],
          batching: khd.batching,
          rqs: khd.rqs.map((l) => list_count_nodes(l)),
          kcq_busy: [...khd.kcq_busy],
          waiting: khd.domain_wait.map((w) => w.sbq !== null),
        },
  );
  return { async_depth: kqd.async_depth, tracked: kqd.rqs.size, domains, hctxs };
}

function kyber_dump(I: KyberInstance): Record<string, unknown> {
  const queues: Record<string, unknown> = {};
  for (const [q, kqd] of I.data) queues[String(q.id)] = kyber_dump_queue(kqd);
  return { params: { ...I.params }, queues };
}

/**
 * A Kyber with `params` in sysfs names and units (ns); missing ones take the kernel defaults,
 * the rest are truncated to integers and kept within 0..2^53-1 (the attributes are u64).
 */
export function kyber(params: Partial<KyberParams> = {}): KyberOps {
  const p: KyberParams = { ...KYBER_PARAMS_DEFAULT };
  for (const k of Object.keys(KYBER_PARAMS_DEFAULT) as (keyof KyberParams)[]) {
    const v = params[k];
    if (v !== undefined) p[k] = Math.min(U64_SAFE_MAX, Math.max(0, Math.trunc(v)));
  }
  return kyber_ops({ params: Object.freeze(p), data: new Map() });
}

/** The hook table of one Kyber instance (tests build the instance to look inside it). */
export function kyber_ops(I: KyberInstance): KyberOps {
  return {
    name: 'kyber',
    params: I.params,
    init_sched: (q: BlkQueue) => kyber_init_sched(I, q),
    exit_sched: (q) => kyber_exit_sched(I, q),
    insert_req: (q, rq, flags) => kyber_insert_requests(I, q, rq, flags),
    dispatch_req: (q) => kyber_dispatch_req(I, q),
    has_req: (q) => kyber_has_req(I, q),
    finish_req: (rq) => kyber_finish_req(I, rq),
    merge_bio: (q, bio, nr_segs, merged) => {
      merged.value = kyber_bio_merge(I, q, bio, nr_segs);
      return null;
    },
    find_req_from_sector: (q, start, end) => kyber_find_req(I, q, start, end),
    limit_depth: (opf, data) => kyber_limit_depth(I, opf, data),
    dump: () => kyber_dump(I),
  };
}

/** Kyber with the kernel's defaults. */
export default kyber();
