// The simulated struct request and the intrusive list it sits on (a request is on at most
// one list at a time: a plug, a ctx list, hctx->dispatch, the UFQ insert-error list or a local
// dispatch batch, like rq->queuelist). Requests are pooled and reused, as the kernel reuses
// its static_rqs, so a policy holding a stale pointer sees a recycled request there too.

import { DOUBLE_FIELD } from '../double-field.js';
import type { BlkQueue, BlkRequest } from '../ufq/ops.js';
import type { BioImpl } from './bio.js';
import type { Ctx } from './ctx.js';
import type { Hctx } from './hctx.js';

// enum rqf_flags (include/linux/blk-mq.h, 6.x order).
export const RQF_STARTED = 1 << 0;
export const RQF_FLUSH_SEQ = 1 << 1;
export const RQF_MIXED_MERGE = 1 << 2;
export const RQF_DONTPREP = 1 << 3;
export const RQF_SCHED_TAGS = 1 << 4;
export const RQF_USE_SCHED = 1 << 5;
export const RQF_FAILED = 1 << 6;
export const RQF_QUIET = 1 << 7;
export const RQF_IO_STAT = 1 << 8;
export const RQF_PM = 1 << 9;
export const RQF_HASHED = 1 << 10;
export const RQF_STATS = 1 << 11;
export const RQF_SPECIAL_PAYLOAD = 1 << 12;
/** Request flags that forbid merging (include/linux/blk-mq.h RQF_NOMERGE_FLAGS). */
export const RQF_NOMERGE_FLAGS = RQF_STARTED | RQF_FLUSH_SEQ | RQF_SPECIAL_PAYLOAD;

/** enum mq_rq_state (include/linux/blk-mq.h). */
export const MQ_RQ_IDLE = 0;
export const MQ_RQ_IN_FLIGHT = 1;
export const MQ_RQ_COMPLETE = 2;

/** BLK_MQ_NO_TAG. */
export const BLK_MQ_NO_TAG = -1;

/** What kind of list a request is on (for validation and invariants). */
export const LIST_PLUG = 1;
export const LIST_CTX = 2;
export const LIST_HCTX_DISPATCH = 3;
export const LIST_INSERT_ERR = 4;
export const LIST_LOCAL = 5;
/** A flush queue's pending or running list (block/blk-flush.c fq->flush_queue[]). */
export const LIST_FLUSH = 6;
/** The queue's requeue or flush list, waiting for the requeue work (q->requeue_list, q->flush_list). */
export const LIST_REQUEUE = 7;

/**
 * rq->end_io: what runs when the request ends, in place of freeing it (block/blk-mq.c
 * __blk_mq_end_request). Only the flush machinery sets one (block/blk-flush.c).
 */
export const END_IO_NONE = 0;
/** mq_flush_data_end_io: the DATA step of a flush sequence ended. */
export const END_IO_FLUSH_DATA = 1;
/** flush_end_io: a flush command (fq->flush_rq) ended. */
export const END_IO_FLUSH = 2;

/** A list head of requests (struct list_head of queuelist entries), O(1) everywhere. */
export class RqList {
  first: Request | null = null;
  last: Request | null = null;
  count = 0;

  constructor(readonly kind: number) {}

  get empty(): boolean {
    return this.first === null;
  }

  /** list_add_tail. */
  addTail(rq: Request): void {
    rq.ql_list = this;
    rq.ql_prev = this.last;
    rq.ql_next = null;
    if (this.last === null) this.first = rq;
    else this.last.ql_next = rq;
    this.last = rq;
    this.count++;
  }

  /** list_add (at the head). */
  addHead(rq: Request): void {
    rq.ql_list = this;
    rq.ql_next = this.first;
    rq.ql_prev = null;
    if (this.first === null) this.last = rq;
    else this.first.ql_prev = rq;
    this.first = rq;
    this.count++;
  }

  /** list_del_init of an entry of this list. */
  del(rq: Request): void {
    const p = rq.ql_prev;
    const n = rq.ql_next;
    if (p === null) this.first = n;
    else p.ql_next = n;
    if (n === null) this.last = p;
    else n.ql_prev = p;
    rq.ql_list = null;
    rq.ql_prev = null;
    rq.ql_next = null;
    this.count--;
  }

  /** Removes and returns the first entry, or null. */
  popHead(): Request | null {
    const rq = this.first;
    if (rq !== null) this.del(rq);
    return rq;
  }

  /** list_replace_init: `nw` takes `old`'s place; `old` ends on no list. */
  replace(old: Request, nw: Request): void {
    nw.ql_list = this;
    nw.ql_prev = old.ql_prev;
    nw.ql_next = old.ql_next;
    if (old.ql_prev === null) this.first = nw;
    else old.ql_prev.ql_next = nw;
    if (old.ql_next === null) this.last = nw;
    else old.ql_next.ql_prev = nw;
    old.ql_list = null;
    old.ql_prev = null;
    old.ql_next = null;
  }

  /** list_splice_tail_init: moves every entry of `from` to the back of this list. */
  spliceTail(from: RqList): void {
    for (let rq = from.popHead(); rq !== null; rq = from.popHead()) this.addTail(rq);
  }

  /** Entries front to back (tests, dumps). */
  toArray(): Request[] {
    const out: Request[] = [];
    for (let rq = this.first; rq !== null; rq = rq.ql_next) out.push(rq);
    return out;
  }
}

/** Unlinks `rq` from whatever list it is on (list_del_init); harmless when on none. */
export function list_del_init(rq: Request): void {
  const l = rq.ql_list;
  if (l !== null) l.del(rq);
}

/**
 * A request. Kernel-named fields are what policies read (typed by BlkRequest); `id`, `op`,
 * `flags`, `sector` and `bytes` are the device's view, filled at dispatch.
 */
export class Request implements BlkRequest {
  q: BlkQueue;
  // --- device view (device/model.ts DeviceRequest) ---
  /** Unique per allocation in a run, increasing. */
  id = 0;
  op = 0;
  /** Trace FLAG bits (trace/event.ts). */
  flags = 0;
  sector = DOUBLE_FIELD;
  bytes = 0;
  // --- kernel fields ---
  __sector = DOUBLE_FIELD;
  __data_len = 0;
  cmd_flags = 0;
  rq_flags = 0;
  ioprio = 0;
  mq_ctx: Ctx;
  mq_hctx: Hctx | null = null;
  fifo_time = 0;
  stats_sectors = 0;
  start_time_ns = DOUBLE_FIELD;
  io_start_time_ns = DOUBLE_FIELD;
  tag = BLK_MQ_NO_TAG;
  internal_tag = BLK_MQ_NO_TAG;
  nr_phys_segments = 0;
  bio: BioImpl | null = null;
  biotail: BioImpl | null = null;
  readonly elv: { priv: [number, unknown] } = { priv: [0, null] };
  pid = 0;
  comm = '';
  /** enum mq_rq_state. */
  state = MQ_RQ_IDLE;
  /** rq->end_io (END_IO_*). */
  end_io = END_IO_NONE;
  /** rq->flush.seq: the REQ_FSEQ_* steps of its flush sequence done so far (block/flush.ts). */
  flush_seq = 0;
  /** rq->flush.saved_end_io: end_io to restore when the flush sequence is over. */
  flush_saved_end_io = END_IO_NONE;
  /** rq->ref: the block layer holds one from allocation; kfuncs add and drop more. */
  ref = 0;
  /** References taken through kfuncs and not yet dropped (released when a policy is ejected). */
  bpfRefs = 0;
  // --- simulator bookkeeping ---
  /** IoTable row of the bio that created the request: its identity in the results. */
  io0 = -1;
  /** True while the request is in the pool (freed). */
  freed = true;
  /** Sent to the device at least once (D recorded). */
  issued = false;
  /** Completed or absorbed by a merge: what remains is only the reference count. */
  done = false;
  ql_list: RqList | null = null;
  ql_prev: Request | null = null;
  ql_next: Request | null = null;

  constructor(q: BlkQueue, ctx: Ctx) {
    this.q = q;
    this.mq_ctx = ctx;
    // Sectors and times: doubles from the start (DOUBLE_FIELD).
    this.sector = 0;
    this.__sector = 0;
    this.start_time_ns = 0;
    this.io_start_time_ns = 0;
  }

  /** On any list (!list_empty(&rq->queuelist)). */
  get queued(): boolean {
    return this.ql_list !== null;
  }
}

/** Sectors of a request (blk_rq_sectors). */
export function blk_rq_sectors(rq: Request): number {
  return rq.__data_len / 512;
}
