// The queue's requeue work (block/blk-mq.c blk_mq_requeue_work): one kblockd work item per
// request queue that re-inserts requeued requests and the flush machinery's DATA steps at the
// head of the elevator, puts flush commands on hctx->dispatch, and runs the hardware queues.
// Kicks while it is pending are absorbed (mod_delayed_work with no delay). Not here: the
// flush state machine itself (flush.ts).

import { PRIO } from '../sim/engine.js';
import { BLK_MQ_INSERT_AT_HEAD } from '../ufq/ops.js';
import type { Hctx } from './hctx.js';
import type { RequestQueue } from './queue.js';
import { LIST_LOCAL, LIST_REQUEUE, type Request, RQF_DONTPREP, RqList } from './request.js';

export class RequeueWork {
  /** q->requeue_list: requeued requests and DATA steps of flush sequences. */
  readonly requeue_list = new RqList(LIST_REQUEUE);
  /** q->flush_list: flush commands issued by blk_kick_flush. */
  readonly flush_list = new RqList(LIST_REQUEUE);
  private pending = false;
  /** The hctx of the CPU that queued the work: kblockd is per-CPU, so the work runs there. */
  private hctx: Hctx | null = null;
  private readonly rqList = new RqList(LIST_LOCAL);
  /** Hardware queues whose elevator got a request back in the current run. */
  private readonly inserted = new Set<Hctx>();
  private readonly flushes = new RqList(LIST_LOCAL);
  private readonly runFn: () => void;

  constructor(private readonly q: RequestQueue) {
    this.runFn = () => this.run();
  }

  /** list_add_tail onto q->requeue_list, then blk_mq_kick_requeue_list. */
  addRequest(rq: Request): void {
    this.requeue_list.addTail(rq);
    this.kick(rq.mq_hctx as Hctx);
  }

  /** block/blk-flush.c blk_kick_flush: list_add_tail onto q->flush_list, then the kick. */
  addFlush(flush_rq: Request): void {
    this.flush_list.addTail(flush_rq);
    this.kick(flush_rq.mq_hctx as Hctx);
  }

  /**
   * block/blk-mq.c blk_mq_kick_requeue_list: queue the work now unless it already is. It runs
   * on the CPU running now, or on `fallback`'s when no CPU is known.
   */
  kick(fallback: Hctx): void {
    if (this.pending) return;
    this.pending = true;
    this.hctx = this.q.currentHctx() ?? fallback;
    this.q.engine.after(0, this.runFn, PRIO.NORMAL);
  }

  // block/blk-mq.c blk_mq_requeue_work.
  private run(): void {
    this.pending = false;
    const q = this.q;
    q.enterWorker(this.hctx);
    this.hctx = null;
    const rqs = this.rqList;
    const flushes = this.flushes;
    rqs.spliceTail(this.requeue_list);
    flushes.spliceTail(this.flush_list);
    const inserted = this.inserted;
    for (let rq = rqs.popHead(); rq !== null; rq = rqs.popHead()) {
      // A request the driver already prepared bypasses the elevator.
      if (rq.rq_flags & RQF_DONTPREP) q.blk_mq_request_bypass_insert(rq, 0);
      else {
        inserted.add(rq.mq_hctx as Hctx);
        q.blk_mq_insert_request(rq, BLK_MQ_INSERT_AT_HEAD);
      }
    }
    for (let rq = flushes.popHead(); rq !== null; rq = flushes.popHead()) q.blk_mq_insert_request(rq, 0);
    // SIMPLIFIED (docs/simplifications.md "run loop"; kernel-blk-mq §6.5): under SQ_SCHED the
    // kernel runs only the worker CPU's hctx here. UFQ's per-ctx fallback (no dispatch hook)
    // drains only the ctxs of the hctx it runs on, so a request put back on another hctx's ctx
    // would wait for that hctx's next run: in a trace's last I/Os, for ever. Those hctxs run too.
    q.runHwQueues(q.runningCpu(), false, inserted);
    inserted.clear();
  }
}
