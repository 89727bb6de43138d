// The hardware queue (struct blk_mq_hw_ctx) and its dispatch loop (block/blk-mq-sched.c
// blk_mq_sched_dispatch_requests, block/blk-mq.c blk_mq_dispatch_rq_list; kernel-blk-mq §6,
// ufq-model §1.3-1.4): leftovers on hctx->dispatch first, then requests pulled from the
// elevator while it has work and driver tags last; a 3 ms re-run when the elevator had work
// but returned nothing; RESTART, so a completion re-runs a queue that ran out of driver tags.
// Runs are synchronous in the submitter's context or asynchronous (kblockd) engine events.

import { DOUBLE_FIELD } from '../double-field.js';
import { PRIO } from '../sim/engine.js';
import type { Ctx } from './ctx.js';
import { CtxMap } from './ctx.js';
import type { BlkFlushQueue } from './flush.js';
import { delayedWorkNs, msecs_to_jiffies } from './jiffies.js';
import { BLK_MQ_RERUN_DELAY_MS } from './limits.js';
import type { RequestQueue } from './queue.js';
import { BLK_MQ_NO_TAG, LIST_HCTX_DISPATCH, LIST_LOCAL, type Request, RqList } from './request.js';
import { TagPool } from './tags.js';

/** blk_status_t results of queue_rq the loop distinguishes. */
export const BLK_STS_OK = 0;
export const BLK_STS_RESOURCE = 9;
export const BLK_STS_DEV_RESOURCE = 13;
export const BLK_STS_IOERR = 10;

// block/blk-mq.c blk_mq_update_dispatch_busy: EWMA weight 8, busy sample 1 << 4.
const EWMA_WEIGHT = 8;
const EWMA_BUSY = 1 << 4;

/** Run-loop counters, for tests and the debug dump. */
export class HctxStats {
  /** Dispatch rounds run (blk_mq_sched_dispatch_requests calls). */
  runs = 0;
  /** 3 ms re-runs armed because the elevator had work but returned nothing. */
  budgetReruns = 0;
  /** 3 ms re-runs armed after a device resource shortage. */
  resourceReruns = 0;
  /** Re-runs triggered by a freed request while RESTART was set. */
  restarts = 0;
}

export class Hctx {
  readonly ctxs: Ctx[] = [];
  ctx_map: CtxMap;
  /** Round-robin cursor of the fallback dispatcher (hctx->dispatch_from). */
  dispatch_from: Ctx | null = null;
  /** Leftovers and bypass requests (hctx->dispatch): served before the elevator. */
  readonly dispatch = new RqList(LIST_HCTX_DISPATCH);
  readonly sched_tags: TagPool;
  /** Driver tags: the device's queue depth. */
  readonly tags: TagPool;
  /** EWMA of "the last dispatch left requests behind" (hctx->dispatch_busy). */
  dispatch_busy = 0;
  /** BLK_MQ_S_SCHED_RESTART. */
  restart = false;
  readonly stats = new HctxStats();
  /** hctx->fq: the flush queue (block/flush.ts); set by the queue once the ctxs are adopted. */
  fq!: BlkFlushQueue;
  /** Pending run_work event handle, or -1. */
  private runHandle = DOUBLE_FIELD;
  private running = false;
  private readonly rqList = new RqList(LIST_LOCAL);
  private readonly hctxList = new RqList(LIST_LOCAL);
  private readonly runWorkFn: () => void;

  constructor(
    readonly q: RequestQueue,
    readonly queue_num: number,
    nr_requests: number,
    queue_depth: number,
  ) {
    this.runHandle = -1; // an event handle: a double from the start (DOUBLE_FIELD)
    this.sched_tags = new TagPool(nr_requests, `hctx${queue_num} sched_tags`);
    this.tags = new TagPool(queue_depth, `hctx${queue_num} tags`);
    this.ctx_map = new CtxMap(1);
    this.runWorkFn = () => this.runWork();
  }

  /** Adopts the ctxs mapped to this hctx, in CPU order (blk_mq_map_swqueue). */
  adopt(ctxs: Ctx[]): void {
    for (const ctx of ctxs) {
      ctx.index_hw = this.ctxs.length;
      ctx.hctx = this;
      this.ctxs.push(ctx);
    }
    this.ctx_map = new CtxMap(Math.max(1, this.ctxs.length));
  }

  get nr_ctx(): number {
    return this.ctxs.length;
  }

  /** A run is queued on kblockd. */
  get runPending(): boolean {
    return this.runHandle >= 0;
  }

  /** block/blk-mq.c blk_mq_hctx_has_pending: dispatch list, any ctx bit, or elevator work. */
  hasPending(): boolean {
    return !this.dispatch.empty || this.ctx_map.weight > 0 || this.q.elevator.has_work(this);
  }

  /**
   * block/blk-mq.c blk_mq_run_hw_queue: nothing if nothing is pending; inline unless `async`
   * (or the caller's CPU is not on this hctx, or a run is already on the stack).
   */
  run(async: boolean): void {
    if (!this.hasPending()) return;
    if (async || this.running || this.q.currentHctx() !== this) {
      this.modDelayedRun(0);
      return;
    }
    this.dispatchRequests();
  }

  /**
   * block/blk-mq.c blk_mq_delay_run_hw_queue: (re)arm run_work `delayNs` from now. Like
   * mod_delayed_work, this moves an already pending run, later or earlier.
   */
  modDelayedRun(delayNs: number): void {
    const e = this.q.engine;
    if (this.runHandle >= 0) e.cancel(this.runHandle);
    this.runHandle = e.after(delayNs, this.runWorkFn, PRIO.NORMAL);
  }

  /** block/blk-mq.c blk_mq_delay_run_hw_queues, per hctx: leaves a pending run untouched. */
  delayRunIfIdle(delayNs: number): void {
    if (this.runHandle >= 0) return;
    this.runHandle = this.q.engine.after(delayNs, this.runWorkFn, PRIO.NORMAL);
  }

  /** Cancels a pending run (queue teardown). */
  cancelRun(): void {
    if (this.runHandle >= 0) this.q.engine.cancel(this.runHandle);
    this.runHandle = -1;
  }

  // block/blk-mq.c blk_mq_run_work_fn: kblockd runs the queue in worker context.
  private runWork(): void {
    this.runHandle = -1;
    this.q.enterWorker(this);
    this.dispatchRequests();
  }

  /**
   * block/blk-mq-sched.c blk_mq_sched_dispatch_requests: a round, once more if it found
   * hctx->dispatch refilled, and then an async re-run if that happens again.
   */
  dispatchRequests(): void {
    const prevRunning = this.running;
    this.running = true;
    try {
      this.stats.runs++;
      if (this.schedDispatch() === -1) {
        if (this.schedDispatch() === -1) this.modDelayedRun(0);
      }
    } finally {
      this.running = prevRunning;
    }
  }

  // block/blk-mq-sched.c __blk_mq_sched_dispatch_requests. Returns -1 for -EAGAIN, 0 or 1.
  private schedDispatch(): number {
    const list = this.rqList;
    if (!this.dispatch.empty) {
      list.spliceTail(this.dispatch);
      // Leftovers mean the device pushed back: let the next completion re-run us.
      this.restart = true;
      if (!this.dispatchRqList(list)) return 0;
    }
    return this.doDispatchSched();
  }

  // block/blk-mq-sched.c blk_mq_do_dispatch_sched: rounds while they make progress.
  // SIMPLIFIED: no need_resched() and no 1 s slice; simulated time does not pass in a round.
  private doDispatchSched(): number {
    let ret: number;
    do {
      ret = this.dispatchSchedRound();
    } while (ret === 1);
    return ret;
  }

  // block/blk-mq-sched.c __blk_mq_do_dispatch_sched + elevator_dispatch_one_request +
  // elevator_finish_dispatch.
  private dispatchSchedRound(): number {
    const q = this.q;
    const elv = q.elevator;
    const list = this.rqList;
    const max_dispatch = this.dispatch_busy ? 1 : q.nr_requests;
    let count = 0;
    let multi_hctxs = false;
    let run_queue = false;
    let busy = false;
    do {
      if (!elv.has_work(this)) break;
      if (!this.dispatch.empty) {
        busy = true;
        break;
      }
      // No dispatch budget: only SCSI implements it (SIMPLIFIED, docs "budget").
      const rq = elv.dispatch_request(this);
      if (rq === null) {
        run_queue = true;
        break;
      }
      list.addTail(rq);
      count++;
      if (rq.mq_hctx !== this) multi_hctxs = true;
      // Without a driver tag, stop pulling: the device cannot take more now.
      if (!getDriverTag(rq)) break;
    } while (count < max_dispatch);

    let dispatched = false;
    if (count === 0) {
      if (run_queue) {
        // The elevator had work but returned nothing: poll again in 3 ms (rounded to ticks).
        this.stats.budgetReruns++;
        q.delayRunHwQueues(this, this.rerunDelayNs());
      }
    } else if (multi_hctxs) {
      dispatched = this.dispatchMultiHctx(list);
    } else {
      dispatched = this.dispatchRqList(list);
    }
    if (busy) return -1;
    return dispatched ? 1 : 0;
  }

  // block/blk-mq-sched.c: sort the batch by hctx (stable), send each hctx's part.
  private dispatchMultiHctx(list: RqList): boolean {
    const rqs = list.toArray();
    for (const rq of rqs) list.del(rq);
    rqs.sort((a, b) => (a.mq_hctx as Hctx).queue_num - (b.mq_hctx as Hctx).queue_num);
    for (const rq of rqs) list.addTail(rq);
    let dispatched = false;
    const part = this.hctxList;
    while (!list.empty) {
      const h = (list.first as Request).mq_hctx as Hctx;
      while (!list.empty && (list.first as Request).mq_hctx === h) part.addTail(list.popHead() as Request);
      dispatched = h.dispatchRqList(part) || dispatched;
      // Whatever h could not send is now on h.dispatch; part is empty again.
    }
    return dispatched;
  }

  /**
   * block/blk-mq.c blk_mq_dispatch_rq_list: send requests in order while each gets a driver
   * tag and the device accepts it. Leftovers go to hctx->dispatch. Returns true if the whole
   * list went out.
   */
  dispatchRqList(list: RqList): boolean {
    if (list.empty) return false;
    const q = this.q;
    let needs_resource = false;
    do {
      const rq = list.first as Request;
      if (!getDriverTag(rq)) {
        // blk_mq_mark_tag_wait, unshared tags: ask for a re-run at the next completion,
        // then retry once in case a tag was freed meanwhile.
        this.restart = true;
        if (!getDriverTag(rq)) break;
      }
      list.del(rq);
      const ret = q.queueRq(this, rq);
      if (ret === BLK_STS_OK) continue;
      if (ret === BLK_STS_RESOURCE || ret === BLK_STS_DEV_RESOURCE) {
        needs_resource = ret === BLK_STS_RESOURCE;
        // blk_mq_handle_dev_resource: back to the head, driver tag returned, 'R'.
        list.addHead(rq);
        q.requeueBookkeeping(rq);
        break;
      }
      q.endRequest(rq, ret);
    } while (!list.empty);

    if (!list.empty) {
      this.dispatch.spliceTail(list);
      // Unshared tags: the kernel re-runs the hctx from kblockd while no driver tag is free
      // (no_tag, and no tag wait queue to join), so it dispatches as soon as one is. Here
      // RESTART stands for that polling: every driver tag freed re-runs it (a freed request,
      // block/blk-mq-sched.h blk_mq_sched_restart, or a finished flush, block/flush.ts).
      if (!this.restart) this.run(true);
      else if (needs_resource) {
        this.stats.resourceReruns++;
        this.modDelayedRun(this.rerunDelayNs());
      }
      this.updateDispatchBusy(true);
      return false;
    }
    this.updateDispatchBusy(false);
    return true;
  }

  // The 3 ms re-run as the kernel arms it: block/blk-mq.c blk_mq_delay_run_hw_queue queues
  // run_work msecs_to_jiffies(3) jiffies out, so it runs at a timer tick (block/jiffies.ts).
  private rerunDelayNs(): number {
    const q = this.q;
    const hz = q.limits.hz;
    return delayedWorkNs(q.engine.now, msecs_to_jiffies(BLK_MQ_RERUN_DELAY_MS, hz), hz);
  }

  // block/blk-mq.c blk_mq_update_dispatch_busy.
  private updateDispatchBusy(busy: boolean): void {
    let ewma = this.dispatch_busy;
    if (!ewma && !busy) return;
    ewma *= EWMA_WEIGHT - 1;
    if (busy) ewma += EWMA_BUSY;
    this.dispatch_busy = Math.floor(ewma / EWMA_WEIGHT);
  }

  /** block/blk-mq-sched.h blk_mq_sched_restart: a freed request re-runs a waiting hctx. */
  schedRestart(): void {
    if (!this.restart) return;
    this.restart = false;
    this.stats.restarts++;
    this.run(true);
  }
}

/** block/blk-mq.h blk_mq_get_driver_tag: from the request's own hctx (unshared tags). */
export function getDriverTag(rq: Request): boolean {
  if (rq.tag !== BLK_MQ_NO_TAG) return true;
  const tag = (rq.mq_hctx as Hctx).tags.get(0);
  if (tag < 0) return false;
  rq.tag = tag;
  return true;
}
