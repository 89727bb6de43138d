// Kyber's constants, tunables and state (block/kyber-iosched.c, in its order): the scheduling
// domains with their token depths, latency targets and batch sizes, the latency histogram
// layout, and the per-queue, per-hctx, per-ctx and per-request structures. The scheduler that
// uses them is kyber.ts.

import type {
  BlkQueue,
  BlkRequest,
  ListHead,
  ListNode,
  sbitmap_queue,
  sbq_wait,
  timer_list,
} from '../lib/index.js';

// --- constants (block/kyber-iosched.c) ---

/** Scheduling domains, by request operation. */
export const KYBER_READ = 0;
export const KYBER_WRITE = 1;
export const KYBER_DISCARD = 2;
export const KYBER_OTHER = 3;
export const KYBER_NUM_DOMAINS = 4;
export const kyber_domain_names = ['READ', 'WRITE', 'DISCARD', 'OTHER'] as const;

/** Share of nr_requests async requests may hold, percent: 25% stays for sync I/O. */
export const KYBER_ASYNC_PERCENT = 75;
/** Device-wide tokens per domain, the initial and largest depth, requests. */
export const kyber_depth: readonly number[] = [256, 128, 64, 16];
/** Latency targets per measured domain, ns: read 2 ms and write 10 ms (tunable), discard 5 s. */
export const kyber_latency_targets: readonly number[] = [2_000_000, 10_000_000, 5_000_000_000];
/** Requests dispatched in a row from one domain, requests. */
export const kyber_batch_size: readonly number[] = [16, 8, 1, 1];

// Latency histograms (total and device latency, per domain but OTHER) have buckets relative to
// the domain's target T:
//
//   bucket   0        1        2        3      |  4          5          6          7
//   latency  <= T/4   <= T/2   <= 3T/4  <= T   |  <= 5T/4    <= 3T/2    <= 7T/4    > 7T/4
//            ---------------- good -----------    ----------------- bad ------------------
/** A bucket is T >> KYBER_LATENCY_SHIFT wide. */
export const KYBER_LATENCY_SHIFT = 2;
/** Buckets at or under the target. */
export const KYBER_GOOD_BUCKETS = 1 << KYBER_LATENCY_SHIFT;
export const KYBER_LATENCY_BUCKETS = 2 << KYBER_LATENCY_SHIFT;
/** Histogram types: from allocation, and from issue to the driver. */
export const KYBER_TOTAL_LATENCY = 0;
export const KYBER_IO_LATENCY = 1;
/** calculate_percentile: samples that make a percentile worth taking before the window ends. */
export const KYBER_ENOUGH_SAMPLES = 500;
/** block/blk-merge.c blk_bio_list_merge: newest requests of a list a bio may merge with. */
export const BIO_LIST_MERGE_CHECKED = 8;

/** The sysfs attributes (queue/iosched/), ns. */
export interface KyberParams {
  /** Read latency target, ns. */
  read_lat_nsec: number;
  /** Write latency target, ns. */
  write_lat_nsec: number;
}

// --- state ---

/** What the kernel keeps in struct request for Kyber: queuelist, and the token in elv.priv[0]. */
export interface kyber_rq {
  rq: BlkRequest;
  readonly queuelist: ListNode<kyber_rq>;
  /** Domain token held from dispatch until finish, or -1. */
  token: number;
  /** The policy holds a reference to the request (ufq-model §3.3). */
  ref: boolean;
}

/** struct kyber_ctx_queue: one software context's requests, per domain. */
export interface kyber_ctx_queue {
  readonly rq_list: ListHead<kyber_rq>[];
  /** This kcq's bit in the hctx's kcq_map, per domain. */
  readonly mapped: boolean[];
}

export interface kyber_hctx_data {
  /** Per domain, requests flushed from the kcqs and waiting for a token. */
  readonly rqs: ListHead<kyber_rq>[];
  cur_domain: number;
  batching: number;
  /** By ctx->index_hw. */
  readonly kcqs: kyber_ctx_queue[];
  /** Set bits of kcq_map, per domain (sbitmap_any_bit_set is count > 0). */
  readonly kcq_busy: number[];
  readonly domain_wait: sbq_wait[];
}

/** Tracepoints kept as counters (kyber_throttled, kyber_adjust, kyber_latency). */
export interface kyber_trace {
  readonly throttled: number[];
  readonly adjust: number[];
  /** Last percentile bucket computed, [domain][type]. */
  readonly latency: number[][];
}

export interface kyber_queue_data {
  readonly q: BlkQueue;
  readonly domain_tokens: sbitmap_queue[];
  /** The per-CPU histograms, kept as one: the timer only ever uses their sum. */
  readonly cpu_latency: Uint32Array[][];
  readonly timer: timer_list;
  readonly latency_buckets: Uint32Array[][];
  /** End of each domain's sampling window, jiffies; 0 = not started. */
  readonly latency_timeout: number[];
  readonly domain_p99: number[];
  /** ns. */
  readonly latency_targets: number[];
  /** Scheduler tags async requests may use. */
  async_depth: number;
  /** By hctx->queue_num (kyber_init_hctx runs on first use). */
  readonly khds: (kyber_hctx_data | undefined)[];
  /** The kcq of each CPU's ctx, for bio merges (blk_mq_get_ctx). */
  readonly kcq_of_cpu: (kyber_ctx_queue | undefined)[];
  readonly rqs: Map<BlkRequest, kyber_rq>;
  readonly pool: kyber_rq[];
  readonly trace: kyber_trace;
}

/** One attached Kyber: its params and q->elevator->elevator_data per queue. */
export interface KyberInstance {
  readonly params: Readonly<KyberParams>;
  readonly data: Map<BlkQueue, kyber_queue_data>;
}
