// The UFQ policy hook table (`UfqOps`, struct ufq_iosched_ops member for member) and what a
// policy sees: the request, bio, queue and context views with the kernel's field names, and
// the kernel services behind the kfuncs (`UfqKernel`). Types only, plus the kernel's enum
// values; the elevator that calls the hooks is ufq/elevator.ts.
// Sources: block/ufq-iosched.h (rev-1 linux-riscv/linux, rev-3 linux-blktests/linux-block),
// ufq-model §3.

/** enum elv_merge (include/linux/elevator.h). */
export const ELEVATOR_NO_MERGE = 0;
export const ELEVATOR_FRONT_MERGE = 1;
export const ELEVATOR_BACK_MERGE = 2;
export const ELEVATOR_DISCARD_MERGE = 3;

/** blk_insert_t bit: insert at the head of the queue (block/blk-mq.h; the BPF sources define it locally). */
export const BLK_MQ_INSERT_AT_HEAD = 0x01;

/** A C out-parameter (`int *type`, `bool *merged`): the hook sets `value`. */
export interface Box<T> {
  value: T;
}

/** struct bvec_iter, as much as a policy reads. */
export interface BioIter {
  /** Start sector (512 B). */
  readonly bi_sector: number;
  /** Remaining bytes. */
  readonly bi_size: number;
}

/** struct bio as a policy sees it (read-only, like a BPF context). */
export interface Bio {
  readonly bi_iter: BioIter;
  /** Operation (low 8 bits, REQ_OP_*) and REQ_* flags. */
  readonly bi_opf: number;
  /** Kernel-encoded I/O priority (class << 13 | level). */
  readonly bi_ioprio: number;
  /** Write lifetime hint (enum rw_hint); traces carry none, so 0. */
  readonly bi_write_hint: number;
  /** Next bio of the same request, or null. */
  readonly bi_next: Bio | null;
  /** Submitting task (not a kernel field: the trace's pid and comm). */
  readonly pid: number;
  readonly comm: string;
}

/** struct blk_mq_ctx: one software context per CPU of the trace. */
export interface BlkMqCtx {
  readonly cpu: number;
  /** Index of this ctx in its hctx (ctx->index_hw[type]). */
  readonly index_hw: number;
}

/** struct blk_mq_hw_ctx: one hardware queue. */
export interface BlkMqHwCtx {
  readonly queue_num: number;
}

/** struct request as a policy sees it. Only kfuncs change it (bpf_request_set_elv_priv1). */
export interface BlkRequest {
  readonly q: BlkQueue;
  /** Start sector (512 B); moves down on a front merge. */
  readonly __sector: number;
  /** Size in bytes; 0 once the request has completed (blk_update_request). */
  readonly __data_len: number;
  /** Operation (low 8 bits) and REQ_* flags. */
  readonly cmd_flags: number;
  /** RQF_* flags (block/blk-mq.h). */
  readonly rq_flags: number;
  /** I/O priority of the request's first bio. */
  readonly ioprio: number;
  readonly mq_ctx: BlkMqCtx;
  readonly mq_hctx: BlkMqHwCtx | null;
  /** Jiffies at UFQ insertion; a front insert-merge survivor inherits the target's. */
  readonly fifo_time: number;
  /** Sectors at dispatch when queue statistics are on, else 0 (blk_mq_start_request). */
  readonly stats_sectors: number;
  /** Time the request was allocated (or the earlier one of a merged pair), ns. */
  readonly start_time_ns: number;
  /** Time of its latest issue to the driver while queue statistics are on, else 0, ns. */
  readonly io_start_time_ns: number;
  /** Driver tag, -1 when none (BLK_MQ_NO_TAG). */
  readonly tag: number;
  /** Scheduler tag, -1 when none. */
  readonly internal_tag: number;
  /** First bio, or null after completion or when absorbed by another request. */
  readonly bio: Bio | null;
  /** rq->elv.priv[0] (UFQ state bits) and priv[1] (free for the policy, rev-3 kfunc). */
  readonly elv: { readonly priv: readonly [number, unknown] };
  /** Submitting task of the first bio (not a kernel field). */
  readonly pid: number;
  readonly comm: string;
}

/** struct request_queue as a policy sees it. */
export interface BlkQueue {
  /** q->id: policies key their per-disk state by it. */
  readonly id: number;
  /** Scheduler tags per hardware queue. */
  readonly nr_requests: number;
  /** The kernel behind the request kfuncs of this queue. */
  readonly __ufq: UfqKernel;
}

/**
 * The kernel side of the kfuncs (block/ufq-kfunc.c) and BPF helpers, for one queue. A policy
 * never calls these directly; policies/lib/kfuncs.ts wraps them under the kernel's names.
 */
export interface UfqKernel {
  /** UFQ revision this kernel implements (1 or 3). */
  readonly rev: number;
  /** bpf_request_acquire: takes a reference unless the count is already zero. */
  request_acquire(rq: BlkRequest): BlkRequest | null;
  /** rev-1 bpf_request_put: drops a reference; false if it reached zero (never frees). */
  request_put(rq: BlkRequest): boolean;
  /** bpf_request_release: drops a reference and frees the request at zero. */
  request_release(rq: BlkRequest): void;
  /** rev-2+ bpf_request_bio_try_merge: true only if the bio merged into `rq`. */
  request_bio_try_merge(rq: BlkRequest, bio: Bio, nr_segs: number): boolean;
  /** rev-2+ bpf_request_try_merge: merges `next` into `rq`; returns `next` (unlinked) or null. */
  request_try_merge(rq: BlkRequest, next: BlkRequest): BlkRequest | null;
  /** rev-3 bpf_request_set_elv_priv1. */
  request_set_elv_priv1(rq: BlkRequest, value: unknown): void;
  /** rev-1 bpf_request_from_id: elevator hash lookup, which UFQ never fills (always null). */
  request_from_id(q: BlkQueue, sector: number): BlkRequest | null;
  /** bpf_ktime_get_ns: simulated time, ns. */
  ktime_get_ns(): number;
  /** jiffies at HZ. */
  jiffies(): number;
  /** HZ of the simulated kernel. */
  readonly hz: number;
  /** bpf_get_current_comm / bpf_get_current_pid_tgid of the task running the hook. */
  current_comm(): string;
  current_pid(): number;
  /** bpf_get_prandom_u32, from the run's seeded generator. */
  prandom_u32(): number;
  /** bpf_printk: one line to the run's debug log. */
  printk(line: string): void;
  // Not UFQ kfuncs: simulator services for what the hooks lack (policies/lib timer.ts and
  // elevator.ts; docs/policies-bfq.md). Optional, so a kernel stand-in may leave them out.
  /** A one-shot timer `delayNs` ns from now; `fn` runs as a hook would, never after ejection. Returns a handle. */
  timer_start?(delayNs: number, fn: () => void): number;
  /** Cancels a pending timer; false if it already ran or was cancelled. */
  timer_cancel?(handle: number): boolean;
  /** blk_mq_run_hw_queues(q, true): under SQ_SCHED, this CPU's hctx and any with leftovers. */
  run_hw_queues?(): void;
  /** blk_queue_nonrot: the device is not rotational. */
  readonly nonrot?: boolean;
  /** bpf_get_smp_processor_id: the CPU running the hook; -1 in a worker tied to no trace CPU. */
  current_cpu?(): number;
  /** hctx->queue_num of the hardware queue whose has_work or dispatch is running, else -1. */
  current_hctx?(): number;
}

/** struct blk_mq_alloc_data, as much as limit_depth reads and sets. */
export interface BlkMqAllocData {
  readonly q: BlkQueue;
  /** Scheduler tags this allocation may use; 0 = no limit. */
  shallow_depth: number;
}

/**
 * Where the argument-less kfuncs (bpf_ktime_get_ns, bpf_get_current_comm, ...) find the kernel:
 * the elevator points `kernel` at itself before each hook call.
 */
export interface KfuncHost {
  kernel: UfqKernel | null;
}

/**
 * struct ufq_iosched_ops: a policy's hook table. Every member but `name` is optional; a missing
 * hook behaves as the kernel behaves when the BPF program leaves it NULL (ufq-model §3).
 * rev-1 calls find_req_from_sector, former_req, next_req and req_merged; rev-2+ calls
 * merge_bio instead.
 */
export interface UfqOps {
  /** Non-empty, at most 15 characters (name[16]). */
  name: string;
  /** Elevator init while attached; the return value is ignored. */
  init_sched?(q: BlkQueue): number;
  /** Elevator exit; the return value is ignored. */
  exit_sched?(q: BlkQueue): number;
  /** 0: the policy now tracks `rq`; non-zero (negative errno): insert error (ufq-model §2.9). */
  insert_req?(q: BlkQueue, rq: BlkRequest, flags: number): number;
  /** A request previously inserted and already removed from the policy, or null. */
  dispatch_req?(q: BlkQueue): BlkRequest | null;
  /** Should dispatch be attempted; `rqs_count` is the elevator's queued count. */
  has_req?(q: BlkQueue, rqs_count: number): boolean | number;
  /** Called when a request the policy saw is freed (completion or merge victim). */
  finish_req?(rq: BlkRequest): void;
  /** A queued request adjacent to `rq`, already detached, with `type` FRONT or BACK; or null. */
  merge_req?(q: BlkQueue, rq: BlkRequest, type: Box<number>): BlkRequest | null;
  /** rev-2+: merge `bio` itself and set `merged`; may return a coalesced request to free. */
  merge_bio?(q: BlkQueue, bio: Bio, nr_segs: number, merged: Box<boolean>): BlkRequest | null;
  /** rev-1: a queued request the bio [start, end) may merge with, or null. */
  find_req_from_sector?(q: BlkQueue, start: number, end: number): BlkRequest | null;
  /** rev-1: the request before `rq` in the policy's order (coalescing after a front merge). */
  former_req?(q: BlkQueue, rq: BlkRequest): BlkRequest | null;
  /** rev-1: the request after `rq` (coalescing after a back merge). */
  next_req?(q: BlkQueue, rq: BlkRequest): BlkRequest | null;
  /** rev-1: a bio merged into `rq` and no coalescing happened. */
  req_merged?(q: BlkQueue, rq: BlkRequest, type: number): void;
  /**
   * Not a UFQ hook: the kernel's elevator_mq_ops.limit_depth, a proposed extension. Called at
   * scheduler-tag allocation for a request that will enter the elevator, with
   * `data.shallow_depth` 0 (no limit); may lower it. Absent: UFQ's own rule (ufq-model §2.2).
   */
  limit_depth?(opf: number, data: BlkMqAllocData): void;
  /** Not a kernel hook: plain state and counters for debugging, goldens and the loader's stats. */
  dump?(): Record<string, unknown>;
}

/** Hook names in the kernel's declaration order (for ejection records and docs). */
export type UfqHookName = Exclude<keyof UfqOps, 'name' | 'dump'>;
