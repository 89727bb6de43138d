// Kyber, the kernel's latency-targeting scheduler, written against the UFQ hook table so it runs
// on the simulated UFQ elevator. Requests fall into domains by operation (read, write, discard,
// other); each domain has a device-wide pool of tokens, and a request holds one from dispatch to
// completion. About every 100 ms a timer reads latency histograms: when any domain's p90 device
// latency misses its target, domains that meet theirs lose tokens, and a domain missing its own
// target gets tokens back. Per hardware queue, requests wait in per-CPU lists (kcq) and leave in
// batches of one domain at a time, the domains taken in rotation.
// Ported from linux-blktests/linux-block block/kyber-iosched.c @ 14c9716b with limit_depth as in
// 6.18 (kernel-blk-mq §8.2); kernel function names and order kept. index.ts holds the hook table,
// params and dump; docs/policies-kyber.md says what the hooks lacked and what is simplified.
// Does badly at: I/O priority (ignored) and fairness between processes of one domain (none).

import {
  __sbitmap_queue_get,
  type Bio,
  BLK_MQ_INSERT_AT_HEAD,
  type BlkMqAllocData,
  type BlkMqCtx,
  type BlkQueue,
  type BlkRequest,
  blk_rq_pos,
  blk_rq_sectors,
  bpf_get_prandom_u32,
  bpf_get_smp_processor_id,
  bpf_jiffies64,
  bpf_ktime_get_ns,
  bpf_request_acquire,
  bpf_request_bio_try_merge,
  bpf_request_release,
  bpf_ufq_current_hctx,
  bpf_ufq_run_hw_queues,
  CONFIG_HZ,
  ListHead,
  ListNode,
  list_add,
  list_add_tail,
  list_del_init,
  list_empty,
  list_first_entry,
  list_splice_tail_init,
  op_is_sync,
  REQ_OP_DISCARD,
  REQ_OP_MASK,
  REQ_OP_READ,
  REQ_OP_WRITE,
  RQF_STARTED,
  rq_mergeable,
  sbitmap_add_wait_queue,
  sbitmap_del_wait_queue,
  sbitmap_queue_clear,
  sbitmap_queue_init_node,
  sbitmap_queue_resize,
  sbq_wait,
  timer_delete,
  timer_list,
  timer_reduce,
  timer_setup,
  ufq_revision,
} from '../lib/index.js';
import {
  BIO_LIST_MERGE_CHECKED,
  KYBER_ASYNC_PERCENT,
  KYBER_DISCARD,
  KYBER_ENOUGH_SAMPLES,
  KYBER_GOOD_BUCKETS,
  KYBER_IO_LATENCY,
  KYBER_LATENCY_BUCKETS,
  KYBER_LATENCY_SHIFT,
  KYBER_NUM_DOMAINS,
  KYBER_OTHER,
  KYBER_READ,
  KYBER_TOTAL_LATENCY,
  KYBER_WRITE,
  type KyberInstance,
  kyber_batch_size,
  type kyber_ctx_queue,
  kyber_depth,
  type kyber_hctx_data,
  kyber_latency_targets,
  type kyber_queue_data,
  type kyber_rq,
} from './defs.js';

// --- scheduler ---

export function kyber_sched_domain(opf: number): number {
  switch (opf & REQ_OP_MASK) {
    case REQ_OP_READ:
      return KYBER_READ;
    case REQ_OP_WRITE:
      return KYBER_WRITE;
    case REQ_OP_DISCARD:
      return KYBER_DISCARD;
    default:
      return KYBER_OTHER;
  }
}

function flush_latency_buckets(kqd: kyber_queue_data, sched_domain: number, type: number): void {
  const buckets = kqd.latency_buckets[sched_domain][type];
  const cpu_buckets = kqd.cpu_latency[sched_domain][type];
  for (let bucket = 0; bucket < KYBER_LATENCY_BUCKETS; bucket++) buckets[bucket] += cpu_buckets[bucket];
  cpu_buckets.fill(0);
}

/**
 * The bucket holding the given percentile, or -1 while the domain's window (1 s from the first
 * sample the timer saw) is open and the histogram has under 500 samples. Taking it clears it.
 * QUIRK: the window is the domain's, not the histogram's: when the device-latency p90 is taken
 * on the window's end, the total-latency p99 that follows finds it closed and opens a new one,
 * so below 500 samples per window the p99 waits until its histogram, never cleared meanwhile,
 * holds 500.
 */
export function calculate_percentile(
  kqd: kyber_queue_data,
  sched_domain: number,
  type: number,
  percentile: number,
): number {
  const buckets = kqd.latency_buckets[sched_domain][type];
  let samples = 0;
  for (let bucket = 0; bucket < KYBER_LATENCY_BUCKETS; bucket++) samples += buckets[bucket];
  if (samples === 0) return -1;
  const jiffies = bpf_jiffies64();
  if (kqd.latency_timeout[sched_domain] === 0)
    kqd.latency_timeout[sched_domain] = Math.max(jiffies + CONFIG_HZ(), 1);
  if (samples < KYBER_ENOUGH_SAMPLES && kqd.latency_timeout[sched_domain] > jiffies) return -1;
  kqd.latency_timeout[sched_domain] = 0;

  let percentile_samples = Math.ceil((samples * percentile) / 100);
  let bucket = 0;
  for (; bucket < KYBER_LATENCY_BUCKETS - 1; bucket++) {
    if (buckets[bucket] >= percentile_samples) break;
    percentile_samples -= buckets[bucket];
  }
  buckets.fill(0);
  kqd.trace.latency[sched_domain][type] = bucket;
  return bucket;
}

function kyber_resize_domain(kqd: kyber_queue_data, sched_domain: number, depth: number): void {
  const d = Math.min(kyber_depth[sched_domain], Math.max(1, depth));
  const tokens = kqd.domain_tokens[sched_domain];
  if (d !== tokens.sb.depth) {
    sbitmap_queue_resize(tokens, d);
    kqd.trace.adjust[sched_domain]++;
  }
}

/**
 * The statistics timer, armed by completions: sums the histograms, looks for congestion (a p90
 * device latency over target), then scales each domain's depth by its p99 total latency.
 */
export function kyber_timer_fn(kqd: kyber_queue_data): void {
  for (let sched_domain = 0; sched_domain < KYBER_OTHER; sched_domain++) {
    flush_latency_buckets(kqd, sched_domain, KYBER_TOTAL_LATENCY);
    flush_latency_buckets(kqd, sched_domain, KYBER_IO_LATENCY);
  }

  // The p90, so that a few outliers do not count as congestion.
  let bad = false;
  for (let sched_domain = 0; sched_domain < KYBER_OTHER; sched_domain++) {
    const p90 = calculate_percentile(kqd, sched_domain, KYBER_IO_LATENCY, 90);
    if (p90 >= KYBER_GOOD_BUCKETS) bad = true;
  }

  for (let sched_domain = 0; sched_domain < KYBER_OTHER; sched_domain++) {
    let p99 = calculate_percentile(kqd, sched_domain, KYBER_TOTAL_LATENCY, 99);
    // Domains reach enough samples in different windows, so a p99 is kept until the next
    // congestion; used once, it is dropped, so one p99 throttles at most once.
    if (bad) {
      if (p99 < 0) p99 = kqd.domain_p99[sched_domain];
      kqd.domain_p99[sched_domain] = -1;
    } else if (p99 >= 0) {
      kqd.domain_p99[sched_domain] = p99;
    }
    if (p99 < 0) continue;
    // Depth scales with p99 / target: 3/4 of the target gives 3/4 of the depth, twice the target
    // twice the depth. Good domains shrink only under congestion; bad ones always grow.
    if (bad || p99 >= KYBER_GOOD_BUCKETS) {
      const orig_depth = kqd.domain_tokens[sched_domain].sb.depth;
      kyber_resize_domain(kqd, sched_domain, (orig_depth * (p99 + 1)) >> KYBER_LATENCY_SHIFT);
    }
  }
}

function kyber_queue_data_alloc(I: KyberInstance, q: BlkQueue): kyber_queue_data {
  // init_alloc_hint: each token map starts allocating at a random bit.
  const random_below = (n: number) => bpf_get_prandom_u32() % n;
  const hist = () =>
    Array.from({ length: KYBER_OTHER }, () => [
      new Uint32Array(KYBER_LATENCY_BUCKETS),
      new Uint32Array(KYBER_LATENCY_BUCKETS),
    ]);
  return {
    q,
    domain_tokens: kyber_depth.map((depth) => sbitmap_queue_init_node(depth, random_below)),
    cpu_latency: hist(),
    timer: new timer_list(),
    latency_buckets: hist(),
    latency_timeout: [0, 0, 0],
    domain_p99: [-1, -1, -1],
    latency_targets: [I.params.read_lat_nsec, I.params.write_lat_nsec, kyber_latency_targets[KYBER_DISCARD]],
    async_depth: 0,
    khds: [],
    kcq_of_cpu: [],
    rqs: new Map(),
    pool: [],
    trace: { throttled: [0, 0, 0, 0], adjust: [0, 0, 0, 0], latency: [0, 0, 0].map(() => [-1, -1]) },
  };
}

/** init_sched: token pools, histograms, the timer, async_depth. */
export function kyber_init_sched(I: KyberInstance, q: BlkQueue): number {
  const kqd = kyber_queue_data_alloc(I, q);
  timer_setup(kqd.timer, q, () => kyber_timer_fn(kqd));
  I.data.set(q, kqd);
  kyber_depth_updated(kqd);
  return 0;
}

export function kyber_data(I: KyberInstance, q: BlkQueue): kyber_queue_data {
  const kqd = I.data.get(q);
  if (kqd !== undefined) return kqd;
  kyber_init_sched(I, q);
  return I.data.get(q) as kyber_queue_data;
}

/** exit_sched: stops the timer. */
export function kyber_exit_sched(I: KyberInstance, q: BlkQueue): number {
  const kqd = I.data.get(q);
  if (kqd !== undefined) timer_delete(kqd.timer);
  I.data.delete(q);
  return 0;
}

/** 6.17+: the whole scheduler-tag map is the unit, so 75% of nr_requests. */
function kyber_depth_updated(kqd: kyber_queue_data): void {
  kqd.async_depth = Math.floor((kqd.q.nr_requests * KYBER_ASYNC_PERCENT) / 100);
}

function kyber_init_hctx(kqd: kyber_queue_data, hctx_idx: number): kyber_hctx_data {
  const lists = () => Array.from({ length: KYBER_NUM_DOMAINS }, () => new ListHead<kyber_rq>());
  const khd: kyber_hctx_data = {
    rqs: lists(),
    cur_domain: 0,
    batching: 0,
    kcqs: [],
    kcq_busy: [0, 0, 0, 0],
    domain_wait: Array.from(
      { length: KYBER_NUM_DOMAINS },
      () => new sbq_wait((w) => kyber_domain_wake(kqd, w)),
    ),
  };
  kqd.khds[hctx_idx] = khd;
  return khd;
}

function kyber_kcq(kqd: kyber_queue_data, khd: kyber_hctx_data, ctx: BlkMqCtx): kyber_ctx_queue {
  let kcq = khd.kcqs[ctx.index_hw];
  if (kcq === undefined) {
    kcq = {
      rq_list: Array.from({ length: KYBER_NUM_DOMAINS }, () => new ListHead<kyber_rq>()),
      mapped: [false, false, false, false],
    };
    khd.kcqs[ctx.index_hw] = kcq;
    kqd.kcq_of_cpu[ctx.cpu] = kcq;
  }
  return kcq;
}

function rq_clear_domain_token(kqd: kyber_queue_data, krq: kyber_rq): void {
  if (krq.token === -1) return;
  sbitmap_queue_clear(kqd.domain_tokens[kyber_sched_domain(krq.rq.cmd_flags)], krq.token);
  krq.token = -1;
}

/** limit_depth (proposed UFQ member), at tag allocation: async requests get async_depth (6.18). */
export function kyber_limit_depth(I: KyberInstance, opf: number, data: BlkMqAllocData): void {
  // The scheduler tags double as per-hctx queueing tokens; only async requests are limited.
  if (!op_is_sync(opf)) data.shallow_depth = kyber_data(I, data.q).async_depth;
}

/** block/blk-merge.c blk_bio_list_merge: the newest requests first, up to 8. */
function blk_bio_list_merge(list: ListHead<kyber_rq>, bio: Bio, nr_segs: number): boolean {
  let checked = BIO_LIST_MERGE_CHECKED;
  for (let e = list.prev; e !== list; e = e.prev) {
    if (!checked--) break;
    const rq = (e as ListNode<kyber_rq>).value.rq;
    // BIO_MERGE_NONE: not mergeable (or not adjacent, which the kfunc tells apart by failing).
    if (!rq_mergeable(rq)) continue;
    if (bpf_request_bio_try_merge(rq, bio, nr_segs)) return true;
    // BIO_MERGE_FAILED: a size or segment limit refused and marked the request NOMERGE.
    if (!rq_mergeable(rq)) return false;
  }
  return false;
}

/** merge_bio (rev-2+), after the UFQ one-hit cache: the current CPU's kcq list of the bio's domain. */
export function kyber_bio_merge(I: KyberInstance, q: BlkQueue, bio: Bio, nr_segs: number): boolean {
  const cpu = bpf_get_smp_processor_id();
  const kcq = cpu >= 0 ? kyber_data(I, q).kcq_of_cpu[cpu] : undefined;
  if (kcq === undefined) return false;
  return blk_bio_list_merge(kcq.rq_list[kyber_sched_domain(bio.bi_opf)], bio, nr_segs);
}

/**
 * find_req_from_sector (rev-1): the hook sees no bio, so the current CPU's kcq lists are searched
 * in domain order, newest 8 each, for a request ending at `start` or starting at `end`.
 */
export function kyber_find_req(I: KyberInstance, q: BlkQueue, start: number, end: number): BlkRequest | null {
  const cpu = bpf_get_smp_processor_id();
  const kcq = cpu >= 0 ? kyber_data(I, q).kcq_of_cpu[cpu] : undefined;
  if (kcq === undefined) return null;
  for (const list of kcq.rq_list) {
    let checked = BIO_LIST_MERGE_CHECKED;
    for (let e = list.prev; e !== list && checked-- > 0; e = e.prev) {
      const rq = (e as ListNode<kyber_rq>).value.rq;
      if (blk_rq_pos(rq) + blk_rq_sectors(rq) === start || blk_rq_pos(rq) === end) return rq;
    }
  }
  return null;
}

/**
 * Off whatever Kyber list the request is on, clearing its kcq's bit if that list empties. Not in
 * the kernel, where no request leaves a Kyber list but by dispatch; here a request freed while
 * queued (a merge victim) or inserted again must not leave a bit over an empty list.
 */
function kyber_unlink(kqd: kyber_queue_data, krq: kyber_rq): void {
  if (list_empty(krq.queuelist)) return;
  list_del_init(krq.queuelist);
  const rq = krq.rq;
  const khd = kqd.khds[rq.mq_hctx === null ? 0 : rq.mq_hctx.queue_num];
  const kcq = khd?.kcqs[rq.mq_ctx.index_hw];
  const d = kyber_sched_domain(rq.cmd_flags);
  if (khd !== undefined && kcq !== undefined && kcq.mapped[d] && list_empty(kcq.rq_list[d])) {
    kcq.mapped[d] = false;
    khd.kcq_busy[d]--;
  }
}

/** prepare_request, run at the first insert: no token yet. */
function kyber_prepare_request(kqd: kyber_queue_data, rq: BlkRequest): kyber_rq {
  let krq = kqd.pool.pop();
  if (krq === undefined) {
    const n = { rq, token: -1, ref: false } as Omit<kyber_rq, 'queuelist'>;
    krq = Object.assign(n, { queuelist: new ListNode(n as kyber_rq) });
  }
  krq.rq = rq;
  krq.token = -1;
  krq.ref = false;
  kqd.rqs.set(rq, krq);
  return krq;
}

/**
 * insert_req, called from the UFQ insert path: onto the kcq of the request's ctx, at the head
 * for at-head inserts. A request seen before comes back from a requeue: UFQ has no
 * requeue_request hook, so its token is freed here, as kyber_finish_request would have.
 */
export function kyber_insert_requests(I: KyberInstance, q: BlkQueue, rq: BlkRequest, flags: number): number {
  const kqd = kyber_data(I, q);
  let krq = kqd.rqs.get(rq);
  if (krq === undefined) krq = kyber_prepare_request(kqd, rq);
  else {
    rq_clear_domain_token(kqd, krq);
    kyber_unlink(kqd, krq);
  }
  if (!krq.ref) krq.ref = bpf_request_acquire(rq) !== null;
  const hctx_idx = rq.mq_hctx === null ? 0 : rq.mq_hctx.queue_num;
  const khd = kqd.khds[hctx_idx] ?? kyber_init_hctx(kqd, hctx_idx);
  const sched_domain = kyber_sched_domain(rq.cmd_flags);
  const kcq = kyber_kcq(kqd, khd, rq.mq_ctx);
  const head = kcq.rq_list[sched_domain];
  if (flags & BLK_MQ_INSERT_AT_HEAD) list_add(krq.queuelist, head);
  else list_add_tail(krq.queuelist, head);
  if (!kcq.mapped[sched_domain]) {
    kcq.mapped[sched_domain] = true;
    khd.kcq_busy[sched_domain]++;
  }
  return 0;
}

/** finish_request (and requeue_request): the token goes back. */
function kyber_finish_request(kqd: kyber_queue_data, krq: kyber_rq): void {
  rq_clear_domain_token(kqd, krq);
}

function add_latency_sample(
  kqd: kyber_queue_data,
  sched_domain: number,
  type: number,
  target: number,
  latency: number,
): void {
  let bucket = 0;
  if (latency > 0) {
    const divisor = Math.max(Math.floor(target / (1 << KYBER_LATENCY_SHIFT)), 1);
    bucket = Math.min(Math.floor((latency - 1) / divisor), KYBER_LATENCY_BUCKETS - 1);
  }
  kqd.cpu_latency[sched_domain][type][bucket]++;
}

/** completed_request: both latencies into the histograms; the timer is pulled to <= 100 ms away. */
export function kyber_completed_request(kqd: kyber_queue_data, rq: BlkRequest, now: number): void {
  const sched_domain = kyber_sched_domain(rq.cmd_flags);
  if (sched_domain === KYBER_OTHER) return;
  const target = kqd.latency_targets[sched_domain];
  add_latency_sample(kqd, sched_domain, KYBER_TOTAL_LATENCY, target, now - rq.start_time_ns);
  // io_start_time_ns is 0 only with queue statistics off; Kyber turns them on in the kernel.
  if (rq.io_start_time_ns !== 0)
    add_latency_sample(kqd, sched_domain, KYBER_IO_LATENCY, target, now - rq.io_start_time_ns);
  // HZ / 10 jiffies: 100 ms.
  timer_reduce(kqd.timer, bpf_jiffies64() + Math.floor(CONFIG_HZ() / 10));
}

/**
 * finish_req, called when a request the policy saw is freed: at completion UFQ has no separate
 * completed_request, so it runs first here (the kernel's order in __blk_mq_end_request), for
 * requests that were started; merge victims only give back what they hold.
 */
export function kyber_finish_req(I: KyberInstance, rq: BlkRequest): void {
  const kqd = I.data.get(rq.q);
  const krq = kqd?.rqs.get(rq);
  if (kqd === undefined || krq === undefined) return;
  if (rq.rq_flags & RQF_STARTED) kyber_completed_request(kqd, rq, bpf_ktime_get_ns());
  kyber_finish_request(kqd, krq);
  kyber_unlink(kqd, krq);
  if (krq.ref) bpf_request_release(rq);
  kqd.rqs.delete(rq);
  kqd.pool.push(krq);
}

function kyber_flush_busy_kcqs(khd: kyber_hctx_data, sched_domain: number, list: ListHead<kyber_rq>): void {
  // sbitmap_for_each_set: kcqs in index order.
  for (const kcq of khd.kcqs) {
    if (kcq === undefined || !kcq.mapped[sched_domain]) continue;
    list_splice_tail_init(kcq.rq_list[sched_domain], list);
    kcq.mapped[sched_domain] = false;
    khd.kcq_busy[sched_domain]--;
  }
}

/** A token came back to a domain this hctx waits on: run the hardware queues from kblockd. */
function kyber_domain_wake(kqd: kyber_queue_data, wait: sbq_wait): void {
  sbitmap_del_wait_queue(wait);
  // SIMPLIFIED: the queue's run (under SQ_SCHED, the current CPU's hctx and any with leftovers,
  // block/blk-mq.c blk_mq_run_hw_queues) stands for blk_mq_run_hw_queue of the waiter's hctx.
  bpf_ufq_run_hw_queues(kqd.q);
}

function kyber_get_domain_token(kqd: kyber_queue_data, khd: kyber_hctx_data): number {
  const sched_domain = khd.cur_domain;
  const domain_tokens = kqd.domain_tokens[sched_domain];
  const wait = khd.domain_wait[sched_domain];
  let nr = __sbitmap_queue_get(domain_tokens);
  // No token: wait for one, and try again in case one was freed before we were on the list.
  if (nr < 0 && wait.sbq === null) {
    sbitmap_add_wait_queue(domain_tokens, wait);
    nr = __sbitmap_queue_get(domain_tokens);
  }
  // A token after all: off the wait list, so every wake-up makes progress.
  if (nr >= 0 && wait.sbq !== null) sbitmap_del_wait_queue(wait);
  return nr;
}

function kyber_dispatch_cur_domain(kqd: kyber_queue_data, khd: kyber_hctx_data): kyber_rq | null {
  const rqs = khd.rqs[khd.cur_domain];
  // Requests already flushed only need a token. Pending kcqs are flushed only once a token is
  // held, so that what stays behind can still take merges.
  if (!list_empty(rqs) || khd.kcq_busy[khd.cur_domain] > 0) {
    const nr = kyber_get_domain_token(kqd, khd);
    if (nr < 0) {
      kqd.trace.throttled[khd.cur_domain]++;
      return null;
    }
    if (list_empty(rqs)) kyber_flush_busy_kcqs(khd, khd.cur_domain, rqs);
    const krq = list_first_entry(rqs).value;
    khd.batching++;
    krq.token = nr;
    list_del_init(krq.queuelist);
    return krq;
  }
  return null;
}

/** One request of this hctx: continue the batch, else start one in the next domain with work. */
export function kyber_dispatch_request(kqd: kyber_queue_data, khd: kyber_hctx_data): kyber_rq | null {
  if (khd.batching < kyber_batch_size[khd.cur_domain]) {
    const krq = kyber_dispatch_cur_domain(kqd, khd);
    if (krq !== null) return krq;
  }
  // Batch used up, domain empty or out of tokens: the next domain, wrapping back to this one.
  khd.batching = 0;
  for (let i = 0; i < KYBER_NUM_DOMAINS; i++) {
    khd.cur_domain = khd.cur_domain === KYBER_NUM_DOMAINS - 1 ? 0 : khd.cur_domain + 1;
    const krq = kyber_dispatch_cur_domain(kqd, khd);
    if (krq !== null) return krq;
  }
  return null;
}

export function kyber_has_work(khd: kyber_hctx_data): boolean {
  for (let i = 0; i < KYBER_NUM_DOMAINS; i++) if (!list_empty(khd.rqs[i]) || khd.kcq_busy[i] > 0) return true;
  return false;
}

/**
 * dispatch_req, called from each dispatch iteration: Kyber's state is per hctx, and UFQ passes
 * only the queue, so the hctx being run is asked for (proposed kfunc); all of them in turn if
 * the elevator cannot say. rev-2+ kernels drop the reference handed over with the request.
 */
export function kyber_dispatch_req(I: KyberInstance, q: BlkQueue): BlkRequest | null {
  const kqd = kyber_data(I, q);
  const h = bpf_ufq_current_hctx(q);
  let krq: kyber_rq | null = null;
  if (h >= 0) {
    const khd = kqd.khds[h];
    if (khd !== undefined) krq = kyber_dispatch_request(kqd, khd);
  } else {
    for (const khd of kqd.khds) {
      if (khd !== undefined) krq = kyber_dispatch_request(kqd, khd);
      if (krq !== null) break;
    }
  }
  if (krq === null) return null;
  if (ufq_revision(q) >= 2) krq.ref = false;
  return krq.rq;
}

/** has_req, called from the elevator's has_work: the running hctx's kyber_has_work. */
export function kyber_has_req(I: KyberInstance, q: BlkQueue): boolean {
  const kqd = I.data.get(q);
  if (kqd === undefined) return false;
  const h = bpf_ufq_current_hctx(q);
  if (h >= 0) {
    const khd = kqd.khds[h];
    return khd !== undefined && kyber_has_work(khd);
  }
  return kqd.khds.some((khd) => khd !== undefined && kyber_has_work(khd));
}
