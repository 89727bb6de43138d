// The flush state machine (block/blk-flush.c, v6.17; kernel-blk-mq §2.4, which this file
// details where the spec says it was not read): a PREFLUSH or FUA request becomes a
// sequence of up to three steps, a cache flush before (PREFLUSH), its data (DATA) and a cache
// flush after (POSTFLUSH, for FUA on a device without FUA support), chosen from the request
// and the device's write cache. Each hardware queue has one flush queue: requests waiting for
// a flush gather on the pending list while at most one flush command (fq->flush_rq) runs, so
// all that arrive during a flush share the next one. Not here: the requeue work that carries
// flush commands and DATA steps to the dispatch lists (requeue.ts) and the device.

import { InvariantError } from '../errors.js';
import { REQ_FAILFAST_MASK, REQ_FUA, REQ_OP_FLUSH, REQ_PREFLUSH, REQ_SYNC } from './bio.js';
import type { Ctx } from './ctx.js';
import type { Hctx } from './hctx.js';
import type { RequestQueue } from './queue.js';
import {
  BLK_MQ_NO_TAG,
  blk_rq_sectors,
  END_IO_FLUSH,
  END_IO_FLUSH_DATA,
  LIST_FLUSH,
  list_del_init,
  MQ_RQ_IDLE,
  Request,
  RQF_FLUSH_SEQ,
  RqList,
} from './request.js';

// block/blk-flush.c enum: the steps of a sequence, one bit each, in the order they run.
/** The flush before the data is in progress. */
export const REQ_FSEQ_PREFLUSH = 1 << 0;
/** The data write is in progress. */
export const REQ_FSEQ_DATA = 1 << 1;
/** The flush after the data is in progress. */
export const REQ_FSEQ_POSTFLUSH = 1 << 2;
/** The sequence is over. */
export const REQ_FSEQ_DONE = 1 << 3;
export const REQ_FSEQ_ACTIONS = REQ_FSEQ_PREFLUSH | REQ_FSEQ_DATA | REQ_FSEQ_POSTFLUSH;
/** block/blk-flush.c FLUSH_PENDING_TIMEOUT = 5 * HZ: seconds a flush may be held back by C2. */
export const FLUSH_PENDING_TIMEOUT_S = 5;

/** struct blk_flush_queue: one per hardware queue (hctx->fq). */
export class BlkFlushQueue {
  /** Which of flush_queue[] takes requests waiting for the next flush. */
  flush_pending_idx = 0;
  /** Which of flush_queue[] the running flush serves; equal to pending_idx when none runs. */
  flush_running_idx = 0;
  /** jiffies when the pending list last became non-empty. */
  flush_pending_since = 0;
  /** Requests in their DATA step (C2 holds flushes back while any is). */
  flush_data_in_flight = 0;
  /** An error kept for flush_end_io when the flush request had other references. */
  rq_status = 0;
  readonly flush_queue: readonly [RqList, RqList] = [new RqList(LIST_FLUSH), new RqList(LIST_FLUSH)];
  /** The one flush command of this queue, re-initialised for every flush (never pooled). */
  readonly flush_rq: Request;
  /** Flush commands issued (blk_kick_flush got past C1-C3). */
  issued = 0;

  constructor(q: RequestQueue, ctx: Ctx) {
    this.flush_rq = new Request(q, ctx);
    // Not in the request pool: allocation never hands it out.
    this.flush_rq.freed = false;
  }

  /** A flush command is in flight (C1). */
  get running(): boolean {
    return this.flush_pending_idx !== this.flush_running_idx;
  }
}

/** block/blk-flush.c blk_get_flush_queue: the flush queue of the ctx's hctx. */
function blk_get_flush_queue(ctx: Ctx): BlkFlushQueue {
  return ctx.hctx.fq;
}

/** block/blk-flush.c blk_flush_cur_seq: the first step not yet done (1 << ffz(seq)). */
export function blk_flush_cur_seq(rq: Request): number {
  const todo = ~rq.flush_seq;
  return todo & -todo;
}

/** block/blk-flush.c is_flush_rq: the request is a flush command. */
export function is_flush_rq(rq: Request): boolean {
  return rq.end_io === END_IO_FLUSH;
}

/** block/blk-mq.h blk_mq_put_driver_tag: only a request that also holds a scheduler tag gives it back. */
function blk_mq_put_driver_tag(rq: Request): void {
  if (rq.tag === BLK_MQ_NO_TAG || rq.internal_tag === BLK_MQ_NO_TAG) return;
  (rq.mq_hctx as Hctx).tags.put(rq.tag);
  rq.tag = BLK_MQ_NO_TAG;
}

// block/blk-flush.c blk_flush_restore_request: the data step left rq->bio NULL; the bio is
// biotail again, and the request is an ordinary one for its final completion.
function blk_flush_restore_request(rq: Request): void {
  rq.bio = rq.biotail;
  if (rq.bio !== null) rq.__sector = rq.bio.bi_iter.bi_sector;
  rq.rq_flags &= ~RQF_FLUSH_SEQ;
  rq.end_io = rq.flush_saved_end_io;
}

/**
 * block/blk-flush.c blk_flush_complete_seq: `rq` finished the steps in `seq`; queue it for its
 * next step (a flush: the pending list; DATA: the requeue list; DONE: it ends), then see
 * whether a flush can be issued.
 */
function blk_flush_complete_seq(
  q: RequestQueue,
  rq: Request,
  fq: BlkFlushQueue,
  seq: number,
  error: number,
): void {
  const pending = fq.flush_queue[fq.flush_pending_idx];
  if (rq.flush_seq & seq) throw new InvariantError(`request ${rq.id} completed flush step ${seq} twice`);
  rq.flush_seq |= seq;
  const cmd_flags = rq.cmd_flags;
  // An error ends the sequence at once.
  const next = error === 0 ? blk_flush_cur_seq(rq) : REQ_FSEQ_DONE;
  switch (next) {
    case REQ_FSEQ_PREFLUSH:
    case REQ_FSEQ_POSTFLUSH:
      if (pending.empty) fq.flush_pending_since = q.jiffies();
      pending.addTail(rq);
      break;
    case REQ_FSEQ_DATA:
      // The data goes back through blk_mq_insert_request from the requeue work.
      fq.flush_data_in_flight++;
      list_del_init(rq);
      q.requeueWork.addRequest(rq);
      break;
    case REQ_FSEQ_DONE:
      list_del_init(rq);
      blk_flush_restore_request(rq);
      q.endRequest(rq, error);
      break;
    default:
      throw new InvariantError(`request ${rq.id}: flush step ${next} after ${rq.flush_seq}`);
  }
  blk_kick_flush(q, fq, cmd_flags);
}

/**
 * block/blk-flush.c flush_end_io: the flush command ended. Its driver tag goes back, the
 * running list becomes free for the next flush, and every request it served moves on to its
 * next step, in list order.
 */
export function flush_end_io(q: RequestQueue, flush_rq: Request, error: number): void {
  const fq = blk_get_flush_queue(flush_rq.mq_ctx);
  // block/blk-flush.c flush_end_io: another holder of a reference (a timeout scan) ends it later.
  if (--flush_rq.ref !== 0) {
    fq.rq_status = error;
    return;
  }
  flush_rq.state = MQ_RQ_IDLE;
  if (fq.rq_status !== 0) {
    error = fq.rq_status;
    fq.rq_status = 0;
  }
  // With an elevator the flush borrowed a scheduler tag and took its own driver tag.
  blk_mq_put_driver_tag(flush_rq);
  flush_rq.internal_tag = BLK_MQ_NO_TAG;
  // A request that found no driver tag waits on hctx->dispatch. The kernel re-runs that hctx
  // from kblockd until a tag is free (block/blk-mq.c blk_mq_dispatch_rq_list, no_tag with
  // unshared tags; kernel-blk-mq §6.4); here it runs when one is freed (hctx.ts). The flush's tag
  // is one: no request is freed here, so the restart a free would bring is made now.
  (flush_rq.mq_hctx as Hctx).schedRestart();
  if (!fq.running) throw new InvariantError('a flush ended while none was running');
  const running = fq.flush_queue[fq.flush_running_idx];
  fq.flush_running_idx ^= 1;
  // list_for_each_entry_safe: the next entry is taken before the current one moves on (a
  // flush issued from inside the loop makes this list the pending one again).
  let rq = running.first;
  while (rq !== null) {
    const n: Request | null = rq.ql_next;
    const seq = blk_flush_cur_seq(rq);
    if (seq !== REQ_FSEQ_PREFLUSH && seq !== REQ_FSEQ_POSTFLUSH)
      throw new InvariantError(`request ${rq.id} on the running flush list at step ${seq}`);
    running.del(rq);
    blk_flush_complete_seq(q, rq, fq, seq, error);
    rq = n;
  }
}

/**
 * block/blk-flush.c blk_kick_flush: issue a flush for the pending list if C1 no flush runs,
 * and C2 no request is in its DATA step, unless C3 the pending list has waited
 * FLUSH_PENDING_TIMEOUT. `flags` are the cmd_flags of the request that caused the kick.
 */
function blk_kick_flush(q: RequestQueue, fq: BlkFlushQueue, flags: number): void {
  const pending = fq.flush_queue[fq.flush_pending_idx];
  // C1
  if (fq.running || pending.empty) return;
  // C2 and C3 (time_before(jiffies, since + timeout))
  const timeout = FLUSH_PENDING_TIMEOUT_S * q.limits.hz;
  if (fq.flush_data_in_flight > 0 && q.jiffies() - (fq.flush_pending_since + timeout) < 0) return;
  // The pending list becomes the running one; later arrivals queue on the other.
  fq.flush_pending_idx ^= 1;
  fq.issued++;
  const first_rq = pending.first as Request;
  const flush_rq = fq.flush_rq;
  q.initFlushRequest(flush_rq);
  flush_rq.mq_ctx = first_rq.mq_ctx;
  flush_rq.mq_hctx = first_rq.mq_hctx;
  // With an elevator the flush borrows the first request's scheduler tag (the two are never
  // in flight together); its driver tag comes at dispatch.
  flush_rq.internal_tag = first_rq.internal_tag;
  // SIMPLIFIED: REQ_DRV (a driver-private flag) is not modelled.
  flush_rq.cmd_flags = REQ_OP_FLUSH | REQ_PREFLUSH | (flags & REQ_FAILFAST_MASK);
  flush_rq.rq_flags |= RQF_FLUSH_SEQ;
  flush_rq.end_io = END_IO_FLUSH;
  flush_rq.ref = 1;
  q.requeueWork.addFlush(flush_rq);
}

/**
 * block/blk-flush.c mq_flush_data_end_io: the DATA step ended (its bio is kept for the end of
 * the sequence). The driver tag goes back at once; the scheduler tag stays until DONE.
 */
export function mq_flush_data_end_io(q: RequestQueue, rq: Request, error: number): void {
  const hctx = rq.mq_hctx as Hctx;
  const fq = blk_get_flush_queue(rq.mq_ctx);
  blk_mq_put_driver_tag(rq);
  fq.flush_data_in_flight--;
  blk_flush_complete_seq(q, rq, fq, REQ_FSEQ_DATA, error);
  // block/blk-flush.c mq_flush_data_end_io: a freed driver tag may unblock a waiting hctx.
  hctx.schedRestart();
}

// block/blk-flush.c blk_rq_init_flush: mark the request part of a flush sequence.
function blk_rq_init_flush(rq: Request): void {
  rq.flush_seq = 0;
  rq.rq_flags |= RQF_FLUSH_SEQ;
  rq.flush_saved_end_io = rq.end_io;
  rq.end_io = END_IO_FLUSH_DATA;
}

/**
 * block/blk-flush.c blk_insert_flush, called from blk_mq_submit_bio for a request with
 * PREFLUSH or FUA before it would join the plug. True if the flush machinery took it; false if
 * it goes on as a normal request (its data needs no flush before it).
 */
export function blk_insert_flush(q: RequestQueue, rq: Request): boolean {
  const fq = blk_get_flush_queue(rq.mq_ctx);
  const supports_fua = q.supportsFua;
  let policy = 0;
  if (blk_rq_sectors(rq) > 0) policy |= REQ_FSEQ_DATA;
  // PREFLUSH needs a flush only with a volatile write cache; FUA becomes a post-flush only
  // where the device cannot honour it.
  if (q.writeCache) {
    if (rq.cmd_flags & REQ_PREFLUSH) policy |= REQ_FSEQ_PREFLUSH;
    if (rq.cmd_flags & REQ_FUA && !supports_fua) policy |= REQ_FSEQ_POSTFLUSH;
  }
  // The driver sees neither PREFLUSH nor an FUA it cannot honour; dropping them keeps the
  // request accounted as sync.
  rq.cmd_flags &= ~REQ_PREFLUSH;
  if (!supports_fua) rq.cmd_flags &= ~REQ_FUA;
  rq.cmd_flags |= REQ_SYNC;
  switch (policy) {
    case 0:
      // Nothing to do (an empty FUA bio on a device that honours FUA): it ends now.
      q.endRequest(rq, 0);
      return true;
    case REQ_FSEQ_DATA:
      return false;
    case REQ_FSEQ_DATA | REQ_FSEQ_POSTFLUSH:
      // No flush before: the data goes the normal way and the post-flush follows its end.
      blk_rq_init_flush(rq);
      rq.flush_seq |= REQ_FSEQ_PREFLUSH;
      fq.flush_data_in_flight++;
      return false;
    default:
      blk_rq_init_flush(rq);
      blk_flush_complete_seq(q, rq, fq, REQ_FSEQ_ACTIONS & ~policy, 0);
      return true;
  }
}
