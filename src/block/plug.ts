// Per-task plugging (block/blk-core.c, block/blk-mq.c; kernel-blk-mq §3): the task, its
// plug list, the plug merge, adding a request with the count and size flush limits, and the
// flush that hands each (hctx, ctx) group to the elevator. Not here: the submission path that
// decides when to plug (queue.ts).

import { type BioImpl, REQ_OP_MASK } from './bio.js';
import type { Ctx } from './ctx.js';
import type { Hctx } from './hctx.js';
import { BLK_MAX_REQUEST_COUNT, BLK_PLUG_FLUSH_SIZE } from './limits.js';
import { BIO_MERGE_OK, blk_attempt_bio_merge, type MergeHost } from './merge.js';
import { LIST_LOCAL, LIST_PLUG, type Request, RqList } from './request.js';

/** struct blk_plug. */
export class Plug {
  /** Nesting of blk_start_plug calls: only the outermost one is a real plug. */
  depth = 0;
  readonly mq_list = new RqList(LIST_PLUG);
  rq_count = 0;
  /** Requests for more than one queue (always false: one queue per simulation). */
  multiple_queues = false;
  has_elevator = false;
  // Scratch lists for the flush, owned here so a flush allocates nothing.
  readonly group = new RqList(LIST_LOCAL);
  readonly others = new RqList(LIST_LOCAL);
}

/** Backlog markers for plug calls made while the task slept. */
export const TASK_START_PLUG = 1;
export const TASK_FINISH_PLUG = 2;

/** A submitting task (current): its plug and, while it sleeps for a tag, its pending work. */
export class Task {
  readonly plug = new Plug();
  /** Sleeping in tag allocation: later submissions wait in `backlog`, in order. */
  blocked = false;
  /** The bio whose request allocation is waiting for a tag. */
  waitBio: BioImpl | null = null;
  /** The rest of a split bio still to submit after `waitBio`. */
  waitRest: BioImpl | null = null;
  /** `waitBio` was submitted under an implicit plug that must be finished on wake-up. */
  waitImplicit = false;
  /** Work submitted while asleep: bios and TASK_*_PLUG markers. */
  readonly backlog: (BioImpl | number)[] = [];
  backlogHead = 0;
  /** CPU of the task's latest bio (where its plug calls run). */
  cpu = 0;

  constructor(
    readonly pid: number,
    public comm: string,
  ) {}
}

/** Plug counters (U and UT events in blktrace terms). */
export class PlugStats {
  /** Flushes from blk_finish_plug, including the implicit per-bio plug of 6.10+. */
  explicit = 0;
  /** Flushes forced while adding a request (count or size limit). */
  limit = 0;
  /** Flushes because the task slept (UT). */
  fromSchedule = 0;
}

/** What a plug flush needs from the queue. */
export interface PlugHost extends MergeHost {
  readonly plugStats: PlugStats;
  /** Hands one (hctx, ctx) group to the elevator and runs the hctx (blk_mq_dispatch_list). */
  insertPlugGroup(hctx: Hctx, list: RqList, fromSchedule: boolean): void;
}

/**
 * block/blk-merge.c blk_attempt_plug_merge: only the most recently plugged request is tried
 * (5.16+), with no elevator involved.
 */
export function blk_attempt_plug_merge(q: MergeHost, plug: Plug, bio: BioImpl, nr_segs: number): boolean {
  const rq = plug.mq_list.last;
  if (rq === null) return false;
  return blk_attempt_bio_merge(q, rq, bio, nr_segs) === BIO_MERGE_OK;
}

/** block/blk-mq.c blk_plug_max_rq_count: 32 requests, twice that with several queues. */
function blk_plug_max_rq_count(plug: Plug): number {
  return plug.multiple_queues ? BLK_MAX_REQUEST_COUNT * 2 : BLK_MAX_REQUEST_COUNT;
}

/**
 * block/blk-mq.c blk_add_rq_to_plug: flush first when the plug holds the maximum count, or
 * (merges allowed) when its first request has reached 128 KiB.
 * QUIRK: rq_list_peek returns the list head, i.e. the oldest plugged request, so the size
 * rule looks at the first request, not the one just grown by plug merges.
 */
export function blk_add_rq_to_plug(q: PlugHost, plug: Plug, rq: Request): void {
  const first = plug.mq_list.first;
  if (plug.rq_count > 0 && first !== null) {
    if (
      plug.rq_count >= blk_plug_max_rq_count(plug) ||
      (q.limits.nomerges !== 2 && first.__data_len >= BLK_PLUG_FLUSH_SIZE)
    ) {
      q.plugStats.limit++;
      blk_mq_flush_plug_list(q, plug, false);
    }
  }
  plug.has_elevator = true;
  plug.mq_list.addTail(rq);
  plug.rq_count++;
}

/**
 * block/blk-mq.c blk_mq_flush_plug_list with an elevator (blk_mq_dispatch_list): repeatedly
 * take every request sharing the first one's (hctx, ctx), in order, insert that group, and
 * run its hctx (synchronously unless the flush is from schedule).
 */
export function blk_mq_flush_plug_list(q: PlugHost, plug: Plug, from_schedule: boolean): void {
  if (plug.rq_count === 0) return;
  plug.rq_count = 0;
  const list = plug.mq_list;
  const group = plug.group;
  const others = plug.others;
  while (!list.empty) {
    const head = list.first as Request;
    const hctx = head.mq_hctx as Hctx;
    const ctx: Ctx = head.mq_ctx;
    for (let rq = list.popHead(); rq !== null; rq = list.popHead()) {
      if (rq.mq_hctx === hctx && rq.mq_ctx === ctx) group.addTail(rq);
      else others.addTail(rq);
    }
    list.spliceTail(others);
    q.insertPlugGroup(hctx, group, from_schedule);
  }
}

/** Op of a bio, for the flush-request test in the submission path. */
export function bio_op(bio: BioImpl): number {
  return bio.bi_opf & REQ_OP_MASK;
}
