// The UFQ elevator (block/ufq-iosched.c, ufq-model §2): keeps every scheduled request on its
// ctx list while the policy tracks it too, the one-hit last_merge cache, insert-time and
// bio merges through the policy's hooks, dispatch through dispatch_req with the per-ctx
// round-robin fallback, has_work, finish, ops_stats, and the rev-3 insert-error list. It is
// also the kernel behind the kfuncs (block/ufq-kfunc.c). Revision differences are read from
// ufq/revisions.ts; policy ejection (a simulator feature, DESIGN.md) detaches the hooks.

import {
  type BioImpl,
  bio_end_sector,
  bio_mergeable,
  bio_sectors,
  op_is_sync,
  op_is_write,
} from '../block/bio.js';
import type { Hctx } from '../block/hctx.js';
import { jiffiesAt } from '../block/jiffies.js';
import {
  attempt_merge,
  BIO_MERGE_FAILED,
  BIO_MERGE_OK,
  bio_attempt_back_merge,
  bio_attempt_discard_merge,
  bio_attempt_front_merge,
  blk_attempt_bio_merge,
  blk_rq_merge_ok,
  blk_try_merge,
  bpf_attempt_merge,
  rq_mergeable,
} from '../block/merge.js';
import type { RequestQueue } from '../block/queue.js';
import {
  blk_rq_sectors,
  LIST_CTX,
  LIST_INSERT_ERR,
  list_del_init,
  MQ_RQ_IDLE,
  Request,
  RQF_STARTED,
  type RqList,
} from '../block/request.js';
import {
  type Bio,
  BLK_MQ_INSERT_AT_HEAD,
  type BlkMqAllocData,
  type BlkQueue,
  type BlkRequest,
  type Box,
  ELEVATOR_BACK_MERGE,
  ELEVATOR_DISCARD_MERGE,
  ELEVATOR_FRONT_MERGE,
  ELEVATOR_NO_MERGE,
  type KfuncHost,
  type UfqHookName,
  type UfqKernel,
  type UfqOps,
} from './ops.js';
import { revisionRules, type UfqRevision, type UfqRevisionRules } from './revisions.js';
import { OpsStats } from './stats.js';

/** enum ufq_priv_state: bits of rq->elv.priv[0]. */
export const UFQ_PRIV_NOT_IN_SCHED = 0;
export const UFQ_PRIV_IN_BPF = 1;
export const UFQ_PRIV_IN_UFQ = 2;
export const UFQ_PRIV_IN_SCHED = 3;

/** Why and when a policy was ejected (the run result's `ejected`). */
export interface Ejection {
  reason: string;
  hook: UfqHookName | 'kernel';
  atNs: number;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Why a live request of this queue is not on a ctx or insert-error list (ejection reasons). */
function notQueuedWhy(rq: Request): string {
  if (rq.rq_flags & RQF_STARTED || rq.state !== MQ_RQ_IDLE) return 'was already dispatched';
  if (rq.queued) return 'is on no elevator list';
  return 'was never queued in the elevator';
}

export class UfqElevator implements UfqKernel {
  /** The attached hook table; null after ejection (the kernel zeroes its copy on detach). */
  ops: UfqOps | null;
  readonly rules: UfqRevisionRules;
  readonly stats = new OpsStats();
  /** Requests on ctx lists plus (rev-3) the insert-error list (ufq_data.rqs_count). */
  rqs_count = 0;
  /** Shallow depth for everything but sync reads: always nr_requests (ufq_depth_updated). */
  async_depth: number;
  /** rev-3: requests whose insert_req failed, dispatched before the policy's. */
  readonly insert_err_list: RqList;
  ejected: Ejection | null = null;
  /** Lines written by bpf_printk and by the elevator's own pr_err. */
  readonly log: string[] = [];
  readonly hz: number;
  private readonly attachedOps: UfqOps | null;
  private readonly typeBox: Box<number> = { value: ELEVATOR_NO_MERGE };
  private readonly mergedBox: Box<boolean> = { value: false };
  /** Out-value of try_insert_merge: the request the caller continues with. */
  private insNew: Request | null = null;
  /** Out-value of the rev-1 bio merge: a request freed by coalescing. */
  private freeOut: Request | null = null;
  /** The argument of the limit_depth extension, reused. */
  private readonly allocData: BlkMqAllocData;
  /** queue_num of the hctx whose has_work or dispatch runs now (current_hctx), or -1. */
  private hctxNow = -1;
  /** The policy's last has_req answer was "no" while requests were counted (stall attribution). */
  private hasReqSaidNo = false;
  /** The policy's last dispatch_req returned null (stall attribution). */
  private dispatchGaveNull = false;

  constructor(
    readonly q: RequestQueue,
    ops: UfqOps | null,
    rev: UfqRevision,
    readonly host: KfuncHost,
    insertErrList: RqList,
    private readonly logSink?: (line: string) => void,
  ) {
    this.rules = revisionRules(rev);
    this.ops = ops;
    this.attachedOps = ops;
    this.async_depth = q.nr_requests;
    this.insert_err_list = insertErrList;
    this.hz = q.limits.hz;
    this.allocData = { q, shallow_depth: 0 };
  }

  // --- lifecycle (ufq-model §2.2) -------------------------------------------------------

  /** ufq_init_sched: BPF init_sched if attached (its return value is ignored), depth_updated. */
  init_sched(): void {
    this.async_depth = this.q.nr_requests;
    const ops = this.ops;
    if (ops?.init_sched) {
      this.enter();
      try {
        ops.init_sched(this.q);
      } catch (e) {
        this.eject(`init_sched threw: ${errText(e)}`, 'init_sched');
      }
    }
  }

  /**
   * ufq_exit_sched: BPF exit_sched if attached; warns if requests are still counted.
   * SIMPLIFIED (docs "ejection"): an ejected policy's exit_sched still runs here, standing for
   * the kernel freeing the BPF maps when the program is unloaded.
   */
  exit_sched(): void {
    const ops = this.ops ?? this.attachedOps;
    if (ops?.exit_sched) {
      this.enter();
      try {
        ops.exit_sched(this.q);
      } catch (e) {
        this.pr_err(`exit_sched threw: ${errText(e)}`);
      }
    }
    if (this.rqs_count !== 0) this.q.warn('ufq_exit_sched: rqs_count not zero');
    if (!this.insert_err_list.empty) this.q.warn('ufq_exit_sched: insert_err_list not empty');
  }

  /**
   * ufq_limit_depth: sync reads are not limited; the rest get async_depth (= nr_requests).
   * A policy with the proposed limit_depth member decides instead (ufq/ops.ts UfqOps).
   */
  limit_depth(opf: number): number {
    const ops = this.ops;
    if (ops?.limit_depth) {
      const data = this.allocData;
      data.shallow_depth = 0;
      this.enter();
      try {
        ops.limit_depth(opf, data);
      } catch (e) {
        this.eject(`limit_depth threw: ${errText(e)}`, 'limit_depth');
        return 0;
      }
      const d = data.shallow_depth;
      return Number.isInteger(d) && d > 0 ? d : 0;
    }
    if (op_is_sync(opf) && !op_is_write(opf)) return 0;
    return this.async_depth;
  }

  /** ufq_prepare_request. */
  prepare_request(rq: Request): void {
    rq.elv.priv[0] = UFQ_PRIV_NOT_IN_SCHED;
  }

  // --- insert path (ufq-model §2.3) -------------------------------------------------------

  /** ufq_insert_requests: each request of `list`, in order: insert-merge, queue, hand to the policy. */
  insert_requests(hctx: Hctx, list: RqList, flags: number): void {
    const q = this.q;
    for (let rq0 = list.popHead(); rq0 !== null; rq0 = list.popHead()) {
      const type = this.try_insert_merge(rq0);
      const rq = this.insNew;
      if (type === ELEVATOR_NO_MERGE && rq !== null) {
        // Step B: queue it on its ctx list.
        rq.fifo_time = this.jiffies();
        rq.elv.priv[0] |= UFQ_PRIV_IN_UFQ;
        const ctx = rq.mq_ctx;
        if (flags & BLK_MQ_INSERT_AT_HEAD) ctx.rq_list.addHead(rq);
        else ctx.rq_list.addTail(rq);
        hctx.ctx_map.set(ctx.index_hw);
        q.last_merge = rq;
        this.rqs_count++;
        q.recordInsert(rq);
      }
      // Step C: hand the request (or the merge survivor) to the policy.
      const ops = this.ops;
      if (rq !== null && ops?.insert_req) {
        rq.elv.priv[0] |= UFQ_PRIV_IN_BPF;
        const ret = this.call_insert_req(ops, rq, flags);
        if (this.ops === null) continue;
        if (ret !== 0) {
          this.pr_err(`bpf insert_req error (${ret})`);
          if (!this.rules.insertErrList) this.stats.insert_err_count++;
          // rev-3: park it on the insert-error list; counted only if it moved.
          else if (this.move_to_insert_err(rq)) this.stats.insert_err_count++;
        } else {
          this.stats.insert_ok_count++;
          // QUIRK: a BACK survivor is counted again, with its merged size (ufq-model §6.1).
          this.stats.insert_ok_sectors += blk_rq_sectors(rq);
        }
      }
    }
    q.armWatchdog();
  }

  /**
   * ufq_try_insert_merge: one-hit cache (absorb `rq` behind last_merge only), then the
   * policy's merge_req. Leaves the request to continue with in `insNew` (null after a one-hit
   * merge, `target` after a BACK merge).
   */
  private try_insert_merge(rq: Request): number {
    const q = this.q;
    const rules = this.rules;
    this.insNew = rq;
    if (!rq_mergeable(rq)) return ELEVATOR_NO_MERGE;
    if (q.limits.nomerges === 2) return ELEVATOR_NO_MERGE;

    const last = q.last_merge;
    if (last !== null && (!rules.lastMergeNeedsListed || last.queued)) {
      const free = bpf_attempt_merge(q, last, rq);
      if (free !== null) {
        this.insNew = null;
        return this.insert_merge_done(free, ELEVATOR_BACK_MERGE);
      }
    }
    if (q.limits.nomerges === 1) return ELEVATOR_NO_MERGE;

    const ops = this.ops;
    let target: Request | null = null;
    let type = ELEVATOR_NO_MERGE;
    if (ops?.merge_req) {
      this.typeBox.value = ELEVATOR_NO_MERGE;
      target = this.call_returning_rq(ops, 'merge_req', rq);
      type = this.typeBox.value;
      if (this.ops === null) return ELEVATOR_NO_MERGE;
    }
    // rev-2+: the kernel drops the BPF-owned reference the hook handed over.
    if (target !== null && rules.dropBpfRef && this.drop_bpf_ref(target)) return ELEVATOR_NO_MERGE;
    if (type === ELEVATOR_NO_MERGE || target === null) return ELEVATOR_NO_MERGE;
    if (target === rq) {
      this.eject('merge_req returned the request it was asked to merge', 'merge_req');
      return ELEVATOR_NO_MERGE;
    }
    if (!target.queued) {
      // The kernel would splice or merge a request that is on no list and corrupt its lists.
      this.eject(`merge_req returned request ${target.id}, which ${notQueuedWhy(target)}`, 'merge_req');
      return ELEVATOR_NO_MERGE;
    }

    let free: Request | null;
    if (type === ELEVATOR_FRONT_MERGE) {
      // rq ends where target starts: target is merged into rq, which takes its list slot.
      if (rules.frontMergeSameCtx && (rq.mq_ctx !== target.mq_ctx || rq.mq_hctx !== target.mq_hctx))
        return this.insert_merge_rollback(target);
      free = bpf_attempt_merge(q, rq, target);
      if (free === null) {
        if (!rules.insertMergeRollback) {
          // QUIRK (rev-1): the target, already out of the policy, is orphaned on its ctx list.
          this.pr_err('front merge failed');
          return ELEVATOR_NO_MERGE;
        }
        return this.insert_merge_rollback(target);
      }
      rq.elv.priv[0] |= UFQ_PRIV_IN_UFQ;
      (target.ql_list as RqList).replace(target, rq);
      rq.fifo_time = target.fifo_time;
      q.last_merge = rq;
      q.recordInsert(rq);
    } else if (type === ELEVATOR_BACK_MERGE) {
      free = bpf_attempt_merge(q, target, rq);
      if (free === null) {
        if (!rules.insertMergeRollback) {
          this.pr_err('back merge failed');
          return ELEVATOR_NO_MERGE;
        }
        return this.insert_merge_rollback(target);
      }
      this.insNew = target;
      q.last_merge = target;
    } else {
      // The kernel would reach its success path with nothing to free and crash.
      this.eject(
        `merge_req returned type ${String(type)} with a request (only FRONT ${ELEVATOR_FRONT_MERGE} or BACK ${ELEVATOR_BACK_MERGE} may come with one)`,
        'merge_req',
      );
      return ELEVATOR_NO_MERGE;
    }
    return this.insert_merge_done(free, type);
  }

  private insert_merge_done(free: Request, type: number): number {
    this.stats.merge_request_ok_count++;
    // blk_rq_sectors(free): an absorbed request keeps its own size.
    this.stats.merge_request_ok_sectors += blk_rq_sectors(free);
    this.q.blk_mq_free_request(free);
    return type;
  }

  // rev-2+ rollback: re-insert the detached target with flags 0 (not counted as insert_ok).
  private insert_merge_rollback(target: Request): number {
    const ops = this.ops;
    if (ops?.insert_req) {
      const ret = this.call_insert_req(ops, target, 0);
      if (this.ops !== null && ret !== 0) {
        this.pr_err('rollback insert_req error');
        if (this.move_to_insert_err(target)) this.stats.insert_err_count++;
      }
    }
    return ELEVATOR_NO_MERGE;
  }

  /** rev-3 ufq_move_to_insert_err: off its ctx list, IN_BPF cleared, onto the error list. */
  private move_to_insert_err(rq: Request): boolean {
    if (!(rq.elv.priv[0] & UFQ_PRIV_IN_BPF) || rq.rq_flags & RQF_STARTED || !rq.queued) return false;
    list_del_init(rq);
    const ctx = rq.mq_ctx;
    if (ctx.rq_list.empty) (rq.mq_hctx as Hctx).ctx_map.clear(ctx.index_hw);
    if (this.q.last_merge === rq) this.q.last_merge = null;
    rq.elv.priv[0] &= ~UFQ_PRIV_IN_BPF;
    this.insert_err_list.addTail(rq);
    return true;
  }

  // --- bio merge path (ufq-model §2.4) ----------------------------------------------------

  /** ufq_bio_merge: true if the bio was absorbed and needs no request. */
  bio_merge(bio: BioImpl, nr_segs: number): boolean {
    const q = this.q;
    if (q.limits.nomerges === 2 || !bio_mergeable(bio)) return false;
    return this.rules.bioMergeCounters
      ? this.bio_merge_rev3(bio, nr_segs)
      : this.bio_merge_rev1(bio, nr_segs);
  }

  // rev-1 ufq_sched_try_merge + ufq_bio_merge. No counters.
  private bio_merge_rev1(bio: BioImpl, nr_segs: number): boolean {
    const q = this.q;
    let rq: Request | null = null;
    let type = ELEVATOR_NO_MERGE;
    const last = q.last_merge;
    if (last !== null && blk_rq_merge_ok(last, bio)) {
      type = blk_try_merge(q, last, bio);
      if (type !== ELEVATOR_NO_MERGE) rq = last;
    }
    if (rq === null) {
      if (q.limits.nomerges === 1) return false;
      const ops = this.ops;
      if (ops?.find_req_from_sector) {
        this.enter();
        let found: unknown = null;
        try {
          found = ops.find_req_from_sector(q, bio.bi_iter.bi_sector, bio_end_sector(bio));
        } catch (e) {
          this.eject(`find_req_from_sector threw: ${errText(e)}`, 'find_req_from_sector');
          return false;
        }
        const cand = this.ownRequest(found, 'find_req_from_sector');
        if (cand !== null && blk_rq_merge_ok(cand, bio)) {
          rq = cand;
          type = blk_try_merge(q, cand, bio);
        } else return false;
      }
      if (rq === null || type === ELEVATOR_NO_MERGE) return false;
    }
    this.freeOut = null;
    const ret = this.sched_merge_fn(rq, bio, nr_segs, type);
    const free = this.freeOut as Request | null;
    if (free !== null) {
      // SIMPLIFIED (docs "ufq"): the kernel frees it while still linked on its ctx list; the
      // model unlinks it so the list stays sound. Unreachable with ufq_simple (no next_req).
      if (free.queued) {
        list_del_init(free);
        if (free.mq_ctx.rq_list.empty) (free.mq_hctx as Hctx).ctx_map.clear(free.mq_ctx.index_hw);
      }
      q.blk_mq_free_request(free);
      this.rqs_count--;
    }
    return ret;
  }

  // block/blk-merge.c blk_mq_sched_merge_fn with ufq_merged_request, and the rev-1 hooks
  // next_req / former_req for coalescing.
  private sched_merge_fn(rq: Request, bio: BioImpl, nr_segs: number, type: number): boolean {
    const q = this.q;
    if (type === ELEVATOR_BACK_MERGE) {
      if (bio_attempt_back_merge(q, rq, bio, nr_segs) !== BIO_MERGE_OK) return false;
      const next = this.neighbour('next_req', rq);
      this.freeOut = next !== null ? attempt_merge(q, rq, next, false) : null;
      if (this.freeOut === null) this.merged_request(rq, ELEVATOR_BACK_MERGE);
      return true;
    }
    if (type === ELEVATOR_FRONT_MERGE) {
      if (bio_attempt_front_merge(q, rq, bio, nr_segs) !== BIO_MERGE_OK) return false;
      const prev = this.neighbour('former_req', rq);
      this.freeOut = prev !== null ? attempt_merge(q, prev, rq, false) : null;
      if (this.freeOut === null) this.merged_request(rq, ELEVATOR_FRONT_MERGE);
      return true;
    }
    if (type === ELEVATOR_DISCARD_MERGE) return bio_attempt_discard_merge(q, rq, bio) === BIO_MERGE_OK;
    return false;
  }

  private neighbour(hook: 'next_req' | 'former_req', rq: Request): Request | null {
    const ops = this.ops;
    const fn = ops?.[hook];
    if (!ops || !fn) return null;
    this.enter();
    let r: unknown = null;
    try {
      r = fn.call(ops, this.q, rq);
    } catch (e) {
      this.eject(`${hook} threw: ${errText(e)}`, hook);
      return null;
    }
    return this.ownRequest(r, hook);
  }

  // ufq_merged_request: tell the policy (req_merged), remember the request.
  private merged_request(rq: Request, type: number): void {
    const ops = this.ops;
    if (ops?.req_merged) {
      this.enter();
      try {
        ops.req_merged(this.q, rq, type);
      } catch (e) {
        this.eject(`req_merged threw: ${errText(e)}`, 'req_merged');
      }
    }
    this.q.last_merge = rq;
  }

  // rev-2+ ufq_bio_merge.
  private bio_merge_rev3(bio: BioImpl, nr_segs: number): boolean {
    const q = this.q;
    const stats = this.stats;
    const last = q.last_merge;
    if (last?.queued && blk_rq_merge_ok(last, bio)) {
      const m = blk_attempt_bio_merge(q, last, bio, nr_segs);
      if (m === BIO_MERGE_OK) {
        stats.merge_bio_ok_count++;
        stats.merge_bio_ok_sectors += bio_sectors(bio);
        return true;
      }
      if (m === BIO_MERGE_FAILED) return false;
    }
    if (q.limits.nomerges === 1) return false;
    const ops = this.ops;
    if (!ops?.merge_bio) return false;
    const box = this.mergedBox;
    box.value = false;
    const sectors = bio_sectors(bio);
    this.enter();
    let r: unknown = null;
    try {
      r = ops.merge_bio(q, bio, nr_segs, box);
    } catch (e) {
      this.eject(`merge_bio threw: ${errText(e)}`, 'merge_bio');
      // The bio may already be in a request: report what the hook did.
      return box.value;
    }
    if (!box.value) return false;
    stats.merge_bio_ok_count++;
    stats.merge_bio_ok_sectors += sectors;
    const rq = this.ownRequest(r, 'merge_bio');
    if (rq !== null) {
      if (rq.queued) {
        // QUIRK: unlinked without clearing the ctx bit (ufq_bio_merge).
        list_del_init(rq);
        this.rqs_count--;
      }
      if (this.drop_bpf_ref(rq)) return true;
      q.blk_mq_free_request(rq);
      stats.merge_request_ok_count++;
      // QUIRK: the bio's size, not the freed request's (ufq-model §2.4).
      stats.merge_request_ok_sectors += sectors;
    }
    return true;
  }

  // --- dispatch (ufq-model §2.5) ----------------------------------------------------------

  /** ufq_dispatch_request: a request to send to the device, or null. */
  dispatch_request(hctx: Hctx): Request | null {
    const q = this.q;
    let rq: Request | null = null;
    this.hctxNow = hctx.queue_num;
    if (this.rules.insertErrList) {
      rq = this.insert_err_list.popHead();
      if (rq !== null) {
        // Failed inserts go first, ahead of anything the policy holds.
        rq.rq_flags |= RQF_STARTED;
        if (q.last_merge === rq) q.last_merge = null;
        this.stats.insert_err_handled++;
        this.rqs_count--;
        return rq;
      }
    }
    const ops = this.ops;
    if (ops?.dispatch_req) {
      this.enter();
      let r: unknown = null;
      try {
        r = ops.dispatch_req(q);
      } catch (e) {
        this.eject(`dispatch_req threw: ${errText(e)}`, 'dispatch_req');
        return null;
      }
      this.dispatchGaveNull = r === null || r === undefined;
      if (r === null || r === undefined) {
        this.stats.dispatch_null_count++;
        return null;
      }
      rq = this.rules.dispatchValidate ? this.validate_rev3(r) : this.validate_rev1(r);
      if (rq === null) return null;
      list_del_init(rq);
      rq.rq_flags |= RQF_STARTED;
      if (q.last_merge === rq) q.last_merge = null;
      // QUIRK: the bit checked is the request's own ctx, whichever list it sat on.
      const ctx = rq.mq_ctx;
      if (ctx.rq_list.empty) (rq.mq_hctx as Hctx).ctx_map.clear(ctx.index_hw);
      this.stats.dispatch_ok_count++;
      this.stats.dispatch_ok_sectors += blk_rq_sectors(rq);
      rq.elv.priv[0] &= ~UFQ_PRIV_IN_UFQ;
    } else {
      rq = this.dequeue_from_ctx(hctx, hctx.dispatch_from);
      if (rq !== null) {
        let idx = rq.mq_ctx.index_hw + 1;
        if (idx === hctx.nr_ctx) idx = 0;
        hctx.dispatch_from = hctx.ctxs[idx];
      }
    }
    if (rq !== null) this.rqs_count--;
    return rq;
  }

  // rev-1 trusts the returned pointer. A request that is not queued here would corrupt the
  // kernel's lists, so the model ejects the policy instead.
  private validate_rev1(r: unknown): Request | null {
    const rq = this.ownRequest(r, 'dispatch_req');
    if (rq === null) return null;
    const l = rq.ql_list;
    if (rq.freed || l === null || (l.kind !== LIST_CTX && l.kind !== LIST_INSERT_ERR)) {
      this.eject(`dispatch_req returned request ${rq.id}, which ${notQueuedWhy(rq)}`, 'dispatch_req');
      return null;
    }
    return rq;
  }

  // rev-3: ownership and state checks, dispatch_bad_state_count, recovery to the owner.
  private validate_rev3(r: unknown): Request | null {
    const stats = this.stats;
    if (!(r instanceof Request) || r.q !== this.q) {
      stats.dispatch_bad_state_count++;
      if (r instanceof Request && !r.freed) {
        // block/ufq-iosched.c ufq_recover_bad_dispatch: to its own queue's insert-error list, kicked
        // (blk_mq_run_hw_queues from this CPU: the owner's hctx for it, block/blk-mq.c).
        const owner = r.q as unknown as RequestQueue;
        if (owner.elevator instanceof UfqElevator && owner.elevator.move_to_insert_err(r))
          owner.runHwQueues(this.q.runningCpu());
        this.drop_bpf_ref(r);
      }
      return null;
    }
    if (r.freed) {
      stats.dispatch_bad_state_count++;
      return null;
    }
    if (this.drop_bpf_ref(r)) return null;
    if (r.state !== MQ_RQ_IDLE || r.rq_flags & RQF_STARTED || !r.queued) {
      stats.dispatch_bad_state_count++;
      return null;
    }
    return r;
  }

  /**
   * block/blk-mq.c blk_mq_dequeue_from_ctx (UFQ-patched dispatch_rq_from_ctx): the head of the
   * first non-empty ctx at or after `start`, wrapping; STARTED; last_merge cleared.
   */
  private dequeue_from_ctx(hctx: Hctx, start: Hctx['dispatch_from']): Request | null {
    const map = hctx.ctx_map;
    const first = start === null ? 0 : start.index_hw;
    const n = hctx.nr_ctx;
    for (let i = 0; i < n; i++) {
      let b = first + i;
      if (b >= n) b -= n;
      if (!map.test(b)) continue;
      const ctx = hctx.ctxs[b];
      const rq = ctx.rq_list.popHead();
      // A set bit over an empty list (left by a QUIRK above) is skipped, not cleared.
      if (rq === null) continue;
      if (ctx.rq_list.empty) map.clear(b);
      rq.rq_flags |= RQF_STARTED;
      if (this.q.last_merge === rq) this.q.last_merge = null;
      return rq;
    }
    return null;
  }

  /** ufq_has_work (ufq-model §2.6). */
  has_work(hctx: Hctx): boolean {
    const rqs_count = this.rqs_count;
    this.hctxNow = hctx.queue_num;
    const ops = this.ops;
    if (!this.rules.hasWorkFalsePending) {
      if (ops?.has_req) return this.call_has_req(ops, rqs_count);
      return rqs_count > 0;
    }
    if (ops === null) return rqs_count > 0;
    const p = ops.has_req ? this.call_has_req(ops, rqs_count) : rqs_count > 0;
    if (!p && rqs_count > 0 && this.ops !== null) this.stats.has_work_false_pending_count++;
    return p || !this.insert_err_list.empty;
  }

  // --- completion (ufq-model §2.8) --------------------------------------------------------

  /** ufq_finish_request: completions and merge victims that reached the policy. */
  finish_request(rq: Request): void {
    if (!(rq.elv.priv[0] & UFQ_PRIV_IN_BPF)) return;
    const ops = this.ops;
    if (ops?.finish_req) {
      this.enter();
      try {
        ops.finish_req(rq);
      } catch (e) {
        this.eject(`finish_req threw: ${errText(e)}`, 'finish_req');
      }
    }
    this.stats.finish_ok_count++;
    this.stats.finish_ok_sectors += rq.stats_sectors;
  }

  // --- ejection ---------------------------------------------------------------------------

  /**
   * Detaches a misbehaving policy the way the kernel detaches a BPF scheduler: the hook table
   * is zeroed, the references its maps held are released, and the queues are kicked so the
   * round-robin fallback drains what it held. A simulator feature (DESIGN.md).
   */
  eject(reason: string, hook: UfqHookName | 'kernel'): void {
    if (this.ops === null) return;
    this.ejected = { reason, hook, atNs: this.q.engine.now };
    this.ops = null;
    this.pr_err(`policy ejected from ${hook}: ${reason}`);
    this.q.releaseBpfRefs();
    this.q.kickEveryHwQueue();
  }

  /**
   * The watchdog's ejection (block/queue.ts): requests waited `waitedNs` with no dispatch or
   * completion. Blamed on has_req if its last answer was "no" while requests were counted, on
   * dispatch_req if it last returned null, else on the kernel (leaked tags, an orphan).
   */
  ejectStalled(waitedNs: number, waiting: string): void {
    const ms = Math.round(waitedNs / 1e6);
    if (this.ops?.has_req && this.hasReqSaidNo)
      this.eject(`has_req said no work for ${ms} ms while requests waited: ${waiting}`, 'has_req');
    else if (this.ops?.dispatch_req && this.dispatchGaveNull)
      this.eject(`dispatch_req returned null for ${ms} ms while requests waited: ${waiting}`, 'dispatch_req');
    else this.eject(`no dispatch or completion for ${ms} ms with ${waiting}`, 'kernel');
  }

  // --- hook call helpers ------------------------------------------------------------------

  /** Points the argument-less kfuncs at this queue. */
  private enter(): void {
    this.host.kernel = this;
  }

  private call_insert_req(ops: UfqOps, rq: Request, flags: number): number {
    this.enter();
    try {
      return (ops.insert_req as NonNullable<UfqOps['insert_req']>)(this.q, rq, flags) | 0;
    } catch (e) {
      this.eject(`insert_req threw: ${errText(e)}`, 'insert_req');
      return 0;
    }
  }

  private call_has_req(ops: UfqOps, rqs_count: number): boolean {
    this.enter();
    try {
      const p = !!(ops.has_req as NonNullable<UfqOps['has_req']>)(this.q, rqs_count);
      this.hasReqSaidNo = !p && rqs_count > 0;
      return p;
    } catch (e) {
      this.eject(`has_req threw: ${errText(e)}`, 'has_req');
      return rqs_count > 0;
    }
  }

  private call_returning_rq(ops: UfqOps, hook: 'merge_req', rq: Request): Request | null {
    this.enter();
    let r: unknown = null;
    try {
      r = (ops.merge_req as NonNullable<UfqOps['merge_req']>)(this.q, rq, this.typeBox);
    } catch (e) {
      this.eject(`${hook} threw: ${errText(e)}`, hook);
      return null;
    }
    return this.ownRequest(r, hook);
  }

  /** A hook's returned request if it is a live request of this queue; else eject, null. */
  private ownRequest(r: unknown, hook: UfqHookName): Request | null {
    if (r === null || r === undefined) return null;
    if (r instanceof Request && r.q === this.q && !r.freed) return r;
    let what = 'something that is not a request';
    if (r instanceof Request)
      what = r.q !== this.q ? 'a request of another queue' : `request ${r.id} after it was freed`;
    this.eject(`${hook} returned ${what}`, hook);
    return null;
  }

  /**
   * rev-2+: drop the BPF-owned reference a hook handed to the kernel. True if that was the
   * last reference (the kernel warns and frees the request; the caller gives up on it).
   */
  private drop_bpf_ref(rq: Request): boolean {
    if (rq.bpfRefs === 0) {
      // The kernel would drop the block layer's own reference and free a request in use.
      // SIMPLIFIED (docs "ufq"): the model keeps the request and gives up on it instead.
      this.q.warn('ufq: hook returned a request the policy held no reference to');
      return true;
    }
    rq.bpfRefs--;
    if (--rq.ref > 0) return false;
    this.q.warn('ufq: hook returned a request whose last reference was the policy’s');
    this.q.__blk_mq_free_request(rq);
    return true;
  }

  private pr_err(msg: string): void {
    this.printk(`ufq-iosched: ${msg}`);
  }

  // --- UfqKernel: the kfuncs' kernel side (block/ufq-kfunc.c) ------------------------------

  get rev(): number {
    return this.rules.rev;
  }

  private needRev(name: string, revs: readonly number[]): void {
    if (!revs.includes(this.rules.rev))
      throw new Error(`kfunc ${name} is not available in UFQ rev-${this.rules.rev}`);
  }

  request_acquire(rq: BlkRequest): BlkRequest | null {
    const r = rq as Request;
    // req_ref_inc_not_zero.
    if (r.ref <= 0) return null;
    r.ref++;
    r.bpfRefs++;
    return r;
  }

  request_put(rq: BlkRequest): boolean {
    this.needRev('bpf_request_put', [1]);
    const r = rq as Request;
    if (r.bpfRefs > 0) r.bpfRefs--;
    // QUIRK (rev-1): reaching zero here frees nothing.
    return --r.ref !== 0;
  }

  request_release(rq: BlkRequest): void {
    const r = rq as Request;
    if (r.bpfRefs > 0) r.bpfRefs--;
    if (--r.ref === 0) this.q.__blk_mq_free_request(r);
  }

  request_bio_try_merge(rq: BlkRequest, bio: Bio, nr_segs: number): boolean {
    this.needRev('bpf_request_bio_try_merge', [3]);
    const r = rq as Request;
    if (!(r instanceof Request) || r.q !== this.q || r.freed) return false;
    return blk_attempt_bio_merge(this.q, r, bio as BioImpl, nr_segs) === BIO_MERGE_OK;
  }

  request_try_merge(rq: BlkRequest, next: BlkRequest): BlkRequest | null {
    this.needRev('bpf_request_try_merge', [3]);
    const r = rq as Request;
    const n = next as Request;
    if (r.q !== this.q || n.q !== this.q) return null;
    if (r.mq_ctx !== n.mq_ctx || r.mq_hctx !== n.mq_hctx) return null;
    const free = bpf_attempt_merge(this.q, r, n);
    if (free !== null) {
      if (this.q.last_merge === free) this.q.last_merge = null;
      // QUIRK: unlinked and uncounted without checking it was listed, ctx bit left alone.
      list_del_init(free);
      this.rqs_count--;
    }
    return free;
  }

  request_set_elv_priv1(rq: BlkRequest, value: unknown): void {
    this.needRev('bpf_request_set_elv_priv1', [3]);
    (rq as Request).elv.priv[1] = value;
  }

  request_from_id(_q: BlkQueue, _sector: number): BlkRequest | null {
    this.needRev('bpf_request_from_id', [1]);
    // The elevator sector hash it looks in is never filled by UFQ.
    return null;
  }

  ktime_get_ns(): number {
    return this.q.engine.now;
  }

  jiffies(): number {
    return jiffiesAt(this.q.engine.now, this.hz);
  }

  current_comm(): string {
    return this.q.curComm;
  }

  current_pid(): number {
    return this.q.curPid;
  }

  prandom_u32(): number {
    return this.q.rng.nextU32();
  }

  printk(line: string): void {
    if (this.log.length < 10000) this.log.push(line);
    this.logSink?.(line);
  }

  // --- simulator services behind policies/lib timer.ts and elevator.ts (not UFQ kfuncs) ---

  /** bpf_timer's kernel side: `fn` runs as a hook of the policy that armed it, if still attached. */
  timer_start(delayNs: number, fn: () => void): number {
    const armedBy = this.ops;
    // kernel/bpf/helpers.c bpf_timer_start: an hrtimer on the arming CPU (migration not modelled).
    const armedOn = this.q.currentHctx();
    return this.q.engine.after(delayNs, () => {
      if (this.ops === null || this.ops !== armedBy) return;
      // Timer callbacks run in interrupt context on that CPU, not in a submitting task.
      this.q.enterWorker(armedOn);
      this.enter();
      try {
        fn();
      } catch (e) {
        this.eject(`timer callback threw: ${errText(e)}`, 'kernel');
      }
    });
  }

  timer_cancel(handle: number): boolean {
    return this.q.engine.cancel(handle);
  }

  run_hw_queues(): void {
    this.q.runHwQueues();
  }

  /** The CPU of the task running kernel code now (the trace's CPU), -1 in a worker. */
  current_cpu(): number {
    return this.q.currentCpu;
  }

  /** The hctx of the has_work or dispatch call in progress (set on entry, stale after). */
  current_hctx(): number {
    return this.hctxNow;
  }

  /** From the device profile's `rotational` when the device has one; else non-rotational. */
  get nonrot(): boolean {
    const dev = this.q.device as { profile?: { rotational?: unknown } };
    return dev.profile?.rotational !== true;
  }
}
