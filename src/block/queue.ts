// The request queue: one simulated block device under blk-mq with the UFQ elevator. It runs
// the submission path (split, plug, plug merge, elevator bio merge, scheduler-tag
// allocation with sleeping, plug flush), the hardware queues (hctx.ts), the device hand-off
// and the completion path (finish, reference drop, tag release, restart), and writes each
// I/O's simulated stage times into an IoRecorder (the IoTable columns). It is the
// `request_queue` policies see. Not here: trace reading and replay timing (sim/, replay/).

import { DOUBLE_FIELD } from '../double-field.js';
import { InvariantError } from '../errors.js';
import type { Engine } from '../sim/engine.js';
import { PRIO } from '../sim/engine.js';
import { Rng } from '../sim/rng.js';
import { FLAG } from '../trace/event.js';
import { NONE } from '../trace/io-table.js';
import { UfqElevator } from '../ufq/elevator.js';
import { BLK_MQ_INSERT_AT_HEAD, type BlkQueue, type KfuncHost, type UfqOps } from '../ufq/ops.js';
import type { UfqRevision } from '../ufq/revisions.js';
import {
  type BioImpl,
  BioPool,
  bio_mergeable,
  bioSegments,
  neverSplitBytes,
  op_is_flush,
  opfFromTrace,
  REQ_ATOMIC,
  REQ_FAILFAST_MASK,
  REQ_FUA,
  REQ_META,
  REQ_NOMERGE,
  REQ_OP_FLUSH,
  REQ_OP_MASK,
  REQ_OP_WRITE,
  REQ_PREFLUSH,
  REQ_RAHEAD,
  REQ_SYNC,
  splitSectors,
} from './bio.js';
import { Ctx } from './ctx.js';
import { BlkFlushQueue, blk_insert_flush, flush_end_io, is_flush_rq, mq_flush_data_end_io } from './flush.js';
import { BLK_STS_OK, BLK_STS_RESOURCE, Hctx } from './hctx.js';
import { jiffiesAt } from './jiffies.js';
import { type QueueLimits, type QueueLimitsInput, resolveLimits } from './limits.js';
import {
  blk_add_rq_to_plug,
  blk_attempt_plug_merge,
  blk_mq_flush_plug_list,
  PlugStats,
  TASK_FINISH_PLUG,
  TASK_START_PLUG,
  Task,
} from './plug.js';
import {
  BLK_MQ_NO_TAG,
  END_IO_FLUSH,
  END_IO_FLUSH_DATA,
  END_IO_NONE,
  LIST_INSERT_ERR,
  LIST_LOCAL,
  MQ_RQ_COMPLETE,
  MQ_RQ_IDLE,
  MQ_RQ_IN_FLIGHT,
  Request,
  RQF_FLUSH_SEQ,
  RQF_SCHED_TAGS,
  RQF_STATS,
  RQF_USE_SCHED,
  RqList,
} from './request.js';
import { RequeueWork } from './requeue.js';

/** One incoming bio, from a trace row (trace/io-table.ts columns). */
export interface BioInput {
  /** Row in the trace's IoTable; the recorder's row for this I/O. */
  io: number;
  /** OP code (trace/event.ts). */
  op: number;
  /** FLAG bits (trace/event.ts). */
  flags: number;
  /** Start sector, 512 B. */
  sector: number;
  bytes: number;
  pid: number;
  comm: string;
  /** CPU the bio was submitted on: its software context. */
  cpu: number;
  /** Kernel-encoded I/O priority. */
  ioprio: number;
}

/** Where simulated stage times go: the IoTable columns of the replay (integer ns, NONE unset). */
export interface IoRecorder {
  tQ: Float64Array;
  tG: Float64Array;
  tI: Float64Array;
  tM: Float64Array;
  tD: Float64Array;
  tC: Float64Array;
  mergedInto: Float64Array;
  requeues: Uint16Array;
  error: Int32Array;
}

/** What the queue hands the device (device/model.ts DeviceRequest has these fields). */
export interface DeviceIo {
  readonly id: number;
  readonly op: number;
  readonly flags: number;
  readonly sector: number;
  readonly bytes: number;
}

/** The device as the queue drives it (device/model.ts DeviceModel satisfies this). */
export interface BlockDevice {
  /** Driver tags per hardware queue. */
  readonly queueDepth: number;
  /** Hardware queues; 1 when absent. */
  readonly nrHwQueues?: number;
  /** false: no volatile write cache, so PREFLUSH/FUA are stripped at submit. Absent: true. */
  readonly volatileWriteCache?: boolean;
  /** true: the device honours FUA (BLK_FEAT_FUA); else FUA becomes a post-flush. Absent: false. */
  readonly fua?: boolean;
  /** 'queued': it will call onComplete later; 'busy': not taken (BLK_STS_RESOURCE). */
  submit(rq: DeviceIo): 'queued' | 'busy' | string;
}

export type DeviceFactory = (onComplete: (rq: DeviceIo, error: number) => void) => BlockDevice;

export interface RequestQueueOptions {
  engine: Engine;
  /** Builds the device, given the completion callback it must call. */
  device: DeviceFactory;
  /** The policy; null (or `none`) for the elevator's own per-ctx round-robin. */
  ops: UfqOps | null;
  /** UFQ kernel revision; default 1 (the RFC). */
  ufqRevision?: UfqRevision;
  limits?: QueueLimitsInput;
  recorder: IoRecorder;
  /** Seeded generator behind bpf_get_prandom_u32. */
  rng?: Rng;
  /** policies/lib's KFUNC_HOST, so argument-less kfuncs reach this queue. */
  kfuncHost?: KfuncHost;
  /** CPUs (software contexts); bios on a larger CPU number wrap around. Default 64. */
  nrCpus?: number;
  /** Eject a policy after this long without dispatch or completion while work waits; 0 off. */
  watchdogNs?: number;
  /** Called when an I/O (all its pieces) completes: the closed-loop replay's wake-up. */
  onBioComplete?: (io: number, error: number) => void;
  /**
   * Where the kernel split I/Os in the recording (io -> cut sectors, ascending; the trace's X
   * events): a bio is cut there as well as where the queue's limits cut it. The kernel's cuts
   * also follow the memory layout of the data (segments), which a trace does not show.
   */
  recordedSplits?: ReadonlyMap<number, readonly number[]> | null;
  /** bpf_printk sink. */
  log?: (line: string) => void;
}

/** Bio and request accounting (conservation law, ufq-model §6.1). */
export interface Conservation {
  /** I/Os submitted. */
  queued: number;
  /** I/Os completed. */
  completed: number;
  /** I/Os whose data joined a request created by another I/O. */
  merged: number;
  /** I/Os not completed: queued - completed. */
  lost: number;
  requests: {
    allocated: number;
    freed: number;
    /** Absorbed into another request by a request-request merge. */
    absorbed: number;
    /** Finished or absorbed but never freed: a reference was leaked (their tags too). */
    leaked: number;
    inflight: number;
  };
  rqs_count: number;
  /** Tasks asleep waiting for a scheduler tag. */
  tagWaiters: number;
}

/** sched_ext's default watchdog timeout (kernel/sched/ext.c SCX_WATCHDOG_MAX_TIMEOUT), 30 s. */
export const DEFAULT_WATCHDOG_NS = 30_000_000_000;
/** Default software contexts when the caller does not say. */
const DEFAULT_NR_CPUS = 64;
/** The task a kblockd run or a completion executes as (SIMPLIFIED: one worker identity). */
const WORKER_COMM = 'kworker/0:1H';

let nextQueueId = 0;

/** A fallback host for callers that use no kfunc-calling policy. */
const PRIVATE_HOST: KfuncHost = { kernel: null };

export class RequestQueue implements BlkQueue {
  /** q->id, unique in the process. */
  readonly id: number;
  readonly nr_requests: number;
  readonly limits: QueueLimits;
  readonly engine: Engine;
  readonly rng: Rng;
  readonly device: BlockDevice;
  readonly elevator: UfqElevator;
  readonly __ufq: UfqElevator;
  readonly hctxs: Hctx[] = [];
  readonly ctxs: Ctx[] = [];
  readonly plugStats = new PlugStats();
  /** The requeue work (q->requeue_work) with its requeue and flush lists. */
  readonly requeueWork: RequeueWork;
  /** blk_queue_write_cache: the device has a volatile write cache, so flushes are sent. */
  readonly writeCache: boolean;
  /** BLK_FEAT_FUA: the device honours FUA itself. */
  readonly supportsFua: boolean;
  /** Counted surprises (reason -> count), like a reader's warnings. */
  readonly warnings: Record<string, number> = {};
  /** q->last_merge. */
  last_merge: Request | null = null;
  /** The task running kernel code now (for bpf_get_current_comm). */
  curPid = 0;
  curComm = WORKER_COMM;
  private curCpu = -1;
  private curHctx: Hctx | null = null;

  private readonly rec: IoRecorder;
  private readonly onBioComplete?: (io: number, error: number) => void;
  private readonly tasks = new Map<number, Task>();
  /** The task task() returned last. */
  private lastTask: Task | null = null;
  private readonly bioPool = new BioPool();
  private readonly rqPool: Request[] = [];
  private readonly allRequests: Request[] = [];
  private rqSeq = 0;
  /** Remaining pieces of split I/Os (io -> pieces not yet completed). */
  private readonly pieces = new Map<number, number>();
  private readonly resumeQueue: Task[] = [];
  private resumeHead = 0;
  private readonly resumeFn: () => void;
  private readonly watchdogFn: () => void;
  private readonly watchdogNs: number;
  /** No bio of this size or less is ever split (bio.ts neverSplitBytes), bytes. */
  private readonly noSplitBytes: number;
  private readonly recordedSplits: ReadonlyMap<number, readonly number[]> | null;
  private watchdogHandle = DOUBLE_FIELD;
  private lastProgressNs = DOUBLE_FIELD;
  /** Completions to report (I/O, error): the first notifyN entries; the arrays never shrink. */
  private notifyIo: number[] = [];
  private notifyErr: number[] = [];
  private notifyN = 0;
  /** The one-request list blk_mq_insert_request hands the elevator. */
  private readonly insertList = new RqList(LIST_LOCAL);
  /** Emptied notification lists kept for the next flush (null while a flush holds them). */
  private spareIo: number[] | null = [];
  private spareErr: number[] | null = [];

  // Conservation counters.
  private nQueued = 0;
  private nCompleted = 0;
  private nMerged = 0;
  private nAllocated = 0;
  private nFreed = 0;
  private nAbsorbed = 0;
  private nInflight = 0;

  constructor(opts: RequestQueueOptions) {
    // An event handle and a time: doubles from the start (DOUBLE_FIELD).
    this.watchdogHandle = -1;
    this.lastProgressNs = 0;
    this.id = nextQueueId++;
    this.engine = opts.engine;
    this.rng = opts.rng ?? new Rng(0);
    this.rec = opts.recorder;
    this.onBioComplete = opts.onBioComplete;
    this.watchdogNs = opts.watchdogNs ?? DEFAULT_WATCHDOG_NS;
    this.device = opts.device((rq, error) => this.completeRequest(rq as Request, error));
    const depth = this.device.queueDepth;
    if (!Number.isInteger(depth) || depth < 1)
      throw new InvariantError(`device queueDepth ${depth} is not >= 1`);
    this.limits = resolveLimits(depth, opts.limits);
    this.nr_requests = this.limits.nr_requests;
    this.noSplitBytes = neverSplitBytes(this.limits);
    this.writeCache = this.device.volatileWriteCache !== false;
    this.supportsFua = this.device.fua === true;
    this.requeueWork = new RequeueWork(this);
    this.recordedSplits = opts.recordedSplits ?? null;
    // One ctx per CPU, grouped evenly onto the hardware queues (block/blk-mq-cpumap.c
    // blk_mq_map_queues). SIMPLIFIED: contiguous CPU ranges, no topology.
    const nrCpus = opts.nrCpus ?? DEFAULT_NR_CPUS;
    const nrHw = Math.max(1, Math.min(this.device.nrHwQueues ?? 1, nrCpus));
    for (let cpu = 0; cpu < nrCpus; cpu++) this.ctxs.push(new Ctx(cpu));
    for (let i = 0; i < nrHw; i++) {
      const h = new Hctx(this, i, this.nr_requests, depth);
      h.adopt(this.ctxs.filter((c) => Math.floor((c.cpu * nrHw) / nrCpus) === i));
      // block/blk-mq.c blk_mq_init_hctx: each hctx gets its flush queue and flush request.
      h.fq = new BlkFlushQueue(this, h.ctxs[0]);
      this.hctxs.push(h);
    }
    this.resumeFn = () => this.resumeOne();
    this.watchdogFn = () => this.watchdogFire();
    this.elevator = new UfqElevator(
      this,
      opts.ops,
      opts.ufqRevision ?? 1,
      opts.kfuncHost ?? PRIVATE_HOST,
      new RqList(LIST_INSERT_ERR),
      opts.log,
    );
    this.__ufq = this.elevator;
    this.elevator.init_sched();
  }

  // --- the replay's API ---------------------------------------------------------------------

  /**
   * submit_bio for one trace row: Q now, then split, plug, merge or a new request. If the
   * task is asleep waiting for a tag, the bio waits behind its earlier work.
   */
  submitBio(b: BioInput): void {
    this.submitIo(b.io, b.op, b.flags, b.sector, b.bytes, b.pid, b.comm, b.cpu, b.ioprio);
  }

  /** submitBio with the BioInput fields as arguments (the replay's per-I/O call). */
  submitIo(
    io: number,
    op: number,
    flags: number,
    sector: number,
    bytes: number,
    pid: number,
    comm: string,
    cpu: number,
    ioprio: number,
  ): void {
    const task = this.task(pid, comm);
    const bio = this.bioPool.get();
    bio.io = io;
    bio.bi_iter.bi_sector = sector;
    bio.bi_iter.bi_size = bytes;
    bio.ioBytes = bytes;
    let opf = opfFromTrace(op, flags);
    // block/blk-flush.c blkdev_issue_flush: an empty flush is a bio of op WRITE with PREFLUSH
    // (REQ_OP_FLUSH exists only in requests the flush machinery makes, block/blk-core.c).
    if ((opf & REQ_OP_MASK) === REQ_OP_FLUSH || (bytes === 0 && opf & REQ_PREFLUSH))
      opf = (opf & ~REQ_OP_MASK) | REQ_OP_WRITE | REQ_PREFLUSH;
    bio.bi_opf = opf;
    bio.bi_ioprio = ioprio;
    bio.bi_write_hint = 0;
    bio.bi_next = null;
    bio.pid = pid;
    bio.comm = comm;
    bio.cpu = this.cpuOf(cpu);
    this.nQueued++;
    if (task.blocked) task.backlog.push(bio);
    else this.runTaskBio(task, bio);
  }

  /** blk_start_plug for task `pid` (nested calls are no-ops). */
  blkStartPlug(pid: number, comm = ''): void {
    const task = this.task(pid, comm);
    if (task.blocked) task.backlog.push(TASK_START_PLUG);
    else task.plug.depth++;
  }

  /** blk_finish_plug for task `pid`: the outermost one flushes the plug (U). */
  blkFinishPlug(pid: number): void {
    const task = this.task(pid, '');
    if (task.blocked) task.backlog.push(TASK_FINISH_PLUG);
    else {
      this.enterTask(task, task.cpu);
      this.finishPlug(task);
    }
  }

  /** The task sleeps (schedule()): its plug is flushed "from schedule" (UT). */
  blkScheduleOut(pid: number): void {
    const task = this.tasks.get(pid);
    if (task === undefined || task.blocked || task.plug.rq_count === 0) return;
    this.enterTask(task, task.cpu);
    this.plugStats.fromSchedule++;
    blk_mq_flush_plug_list(this, task.plug, true);
  }

  /**
   * End of input: if work is stuck with nothing scheduled to move it (a policy that never
   * dispatches, an orphan, leaked tags), eject the policy so the fallback drains it. Returns
   * true if that scheduled new events (run the engine again).
   */
  settle(): boolean {
    if (this.engine.pending > 0) return false;
    if (!this.hasWaitingWork()) return false;
    if (this.elevator.ops === null) return false;
    this.elevator.eject(`stalled at end of input with ${this.waitingSummary()}`, 'kernel');
    return this.engine.pending > 0;
  }

  /** Elevator exit after the run (exit_sched); stops timers. */
  exit(): void {
    for (const h of this.hctxs) h.cancelRun();
    if (this.watchdogHandle >= 0) this.engine.cancel(this.watchdogHandle);
    this.watchdogHandle = -1;
    this.elevator.exit_sched();
  }

  /** The policy's own counters (its dump()), or null. */
  policyDump(): Record<string, unknown> | null {
    const ops = this.elevator.ops ?? null;
    return ops?.dump ? ops.dump() : null;
  }

  /** ops_stats under the revision's debugfs labels. */
  opsStats(): Record<string, number> {
    return this.elevator.stats.labelled(this.elevator.rules.rev, this.elevator.rqs_count);
  }

  conservation(): Conservation {
    let leaked = 0;
    for (const r of this.allRequests) if (!r.freed && r.done) leaked++;
    let waiters = 0;
    for (const h of this.hctxs) waiters += h.sched_tags.waiters;
    return {
      queued: this.nQueued,
      completed: this.nCompleted,
      merged: this.nMerged,
      lost: this.nQueued - this.nCompleted,
      requests: {
        allocated: this.nAllocated,
        freed: this.nFreed,
        absorbed: this.nAbsorbed,
        leaked,
        inflight: this.nInflight,
      },
      rqs_count: this.elevator.rqs_count,
      tagWaiters: waiters,
    };
  }

  /**
   * Structural invariants; throws InvariantError on the first broken one. Cheap enough to call
   * at the end of every run: rqs_count equals the requests on ctx lists and the insert-error
   * list, tags in use equal the live requests holding them, no tag pool over its depth.
   */
  checkInvariants(): void {
    const elv = this.elevator;
    if (elv.rqs_count < 0) throw new InvariantError(`rqs_count ${elv.rqs_count} < 0`);
    let listed = elv.insert_err_list.count;
    for (const c of this.ctxs) listed += c.rq_list.count;
    if (listed !== elv.rqs_count)
      throw new InvariantError(`rqs_count ${elv.rqs_count} but ${listed} requests on ctx and error lists`);
    for (const h of this.hctxs) {
      let sched = 0;
      // The flush command borrows a scheduler tag but holds its own driver tag while it runs.
      let drv = h.fq.flush_rq.tag !== BLK_MQ_NO_TAG ? 1 : 0;
      for (const r of this.allRequests) {
        if (r.freed || r.mq_hctx !== h) continue;
        if (r.internal_tag !== BLK_MQ_NO_TAG) sched++;
        if (r.tag !== BLK_MQ_NO_TAG) drv++;
      }
      if (sched !== h.sched_tags.used || sched > h.sched_tags.depth)
        throw new InvariantError(
          `hctx${h.queue_num}: ${sched} requests hold sched tags, pool says ${h.sched_tags.used}`,
        );
      if (drv !== h.tags.used || drv > h.tags.depth)
        throw new InvariantError(
          `hctx${h.queue_num}: ${drv} requests hold driver tags, pool says ${h.tags.used}`,
        );
    }
    if (this.nCompleted > this.nQueued) throw new InvariantError('more I/Os completed than queued');
  }

  // --- submission path (block/blk-core.c, block/blk-mq.c blk_mq_submit_bio) -------------------

  private task(pid: number, comm: string): Task {
    // Consecutive bios mostly come from one task: skip the map then.
    let t = this.lastTask !== null && this.lastTask.pid === pid ? this.lastTask : this.tasks.get(pid);
    if (t === undefined) {
      t = new Task(pid, comm);
      this.tasks.set(pid, t);
    } else if (comm !== '' && t.comm !== comm) t.comm = comm;
    this.lastTask = t;
    return t;
  }

  private cpuOf(cpu: number): number {
    const n = this.ctxs.length;
    if (cpu >= 0 && cpu < n) return cpu;
    this.warn('bio CPU beyond nrCpus (wrapped)');
    return ((cpu % n) + n) % n;
  }

  private enterTask(task: Task, cpu = this.curCpu): void {
    this.curPid = task.pid;
    this.curComm = task.comm;
    this.curCpu = cpu;
    this.curHctx = null;
  }

  /** Kernel code now runs in a kblockd worker or completion context on `hctx`. */
  enterWorker(hctx: Hctx | null): void {
    this.curPid = 0;
    this.curComm = WORKER_COMM;
    this.curCpu = -1;
    this.curHctx = hctx;
  }

  /** The CPU running kernel code now (a task's trace CPU), -1 in a worker context. */
  get currentCpu(): number {
    return this.curCpu;
  }

  /** The hctx of the CPU running now (a run is inline only there). */
  currentHctx(): Hctx | null {
    if (this.curHctx !== null) return this.curHctx;
    return this.curCpu >= 0 ? this.ctxs[this.curCpu].hctx : null;
  }

  // submit_bio -> submit_bio_noacct -> submit_bio_noacct_nocheck: Q, then every piece.
  private runTaskBio(task: Task, bio: BioImpl): void {
    task.cpu = bio.cpu;
    this.enterTask(task, bio.cpu);
    const rec = this.rec;
    if (rec.tQ[bio.io] === NONE) rec.tQ[bio.io] = this.engine.now;
    // block/blk-core.c submit_bio_noacct: without a volatile write cache PREFLUSH and FUA
    // mean nothing; an empty flush then completes at once.
    if (!this.writeCache && bio.bi_opf & (REQ_PREFLUSH | REQ_FUA)) {
      bio.bi_opf &= ~(REQ_PREFLUSH | REQ_FUA);
      if (bio.bi_iter.bi_size === 0) {
        this.bioEndio(bio, 0);
        this.flushNotifications();
        return;
      }
    }
    this.submitPieces(task, bio);
    this.flushNotifications();
  }

  /** The front piece's sectors, the nearer of the limits' cut (`split`; 0 = none) and a recorded one. */
  private recordedCut(piece: BioImpl, split: number): number {
    const cuts = this.recordedSplits?.get(piece.io);
    if (cuts === undefined) return split;
    const start = piece.bi_iter.bi_sector;
    const end = start + piece.bi_iter.bi_size / 512;
    for (const at of cuts) {
      if (at <= start) continue;
      if (at >= end) break;
      return split === 0 ? at - start : Math.min(split, at - start);
    }
    return split;
  }

  /**
   * block/blk-merge.c bio_split_to_limits, then one __submit_bio per piece: each under the
   * task's plug, or its own implicit plug (6.10+ __submit_bio). False if the task fell asleep.
   */
  private submitPieces(task: Task, first: BioImpl): boolean {
    let rest: BioImpl | null = first;
    while (rest !== null) {
      let piece: BioImpl = rest;
      rest = null;
      let split = piece.bi_iter.bi_size > this.noSplitBytes ? splitSectors(piece, this.limits) : 0;
      if (this.recordedSplits !== null) split = this.recordedCut(piece, split);
      if (split > 0) {
        // The front piece is cut off, marked NOMERGE, and goes first; the remainder follows.
        const front = this.bioPool.get();
        front.io = piece.io;
        front.bi_iter.bi_sector = piece.bi_iter.bi_sector;
        front.bi_iter.bi_size = split * 512;
        front.ioBytes = piece.ioBytes;
        front.bi_opf = piece.bi_opf | REQ_NOMERGE;
        front.bi_ioprio = piece.bi_ioprio;
        front.bi_write_hint = piece.bi_write_hint;
        front.pid = piece.pid;
        front.comm = piece.comm;
        front.cpu = piece.cpu;
        piece.bi_iter.bi_sector += split;
        piece.bi_iter.bi_size -= split * 512;
        this.pieces.set(piece.io, (this.pieces.get(piece.io) ?? 1) + 1);
        rest = piece;
        piece = front;
      }
      piece.nr_segs = bioSegments(piece.bi_opf, piece.bi_iter.bi_size, this.limits);
      const implicit = task.plug.depth === 0;
      if (implicit) task.plug.depth = 1;
      if (this.blk_mq_submit_bio(task, piece)) {
        task.waitRest = rest;
        task.waitImplicit = implicit;
        return false;
      }
      if (implicit) this.finishPlug(task);
    }
    return true;
  }

  // block/blk-mq.c blk_mq_submit_bio for one piece. True if the task fell asleep for a tag.
  private blk_mq_submit_bio(task: Task, bio: BioImpl): boolean {
    if (this.limits.nomerges !== 2 && bio_mergeable(bio)) {
      if (blk_attempt_plug_merge(this, task.plug, bio, bio.nr_segs)) return false;
      if (this.elevator.bio_merge(bio, bio.nr_segs)) return false;
    }
    const rq = this.allocRequest(bio);
    if (rq === null) return this.sleepForTag(task, bio);
    this.startRequest(task, rq, bio);
    return false;
  }

  /**
   * block/blk-mq.c __blk_mq_alloc_requests with an elevator: a scheduler tag, shallow-limited by
   * limit_depth, and prepare_request, for every op but REQ_OP_FLUSH (which no bio carries: an
   * empty flush is a WRITE with PREFLUSH and goes through both). Null if no tag is free.
   */
  private allocRequest(bio: BioImpl): Request | null {
    const ctx = this.ctxs[bio.cpu];
    const hctx = ctx.hctx;
    const op = bio.bi_opf & REQ_OP_MASK;
    const useSched = op !== REQ_OP_FLUSH;
    const shallow = useSched ? this.elevator.limit_depth(bio.bi_opf) : 0;
    const tag = hctx.sched_tags.get(shallow);
    if (tag < 0) return null;
    let rq = this.rqPool.pop();
    if (rq === undefined) {
      rq = new Request(this, ctx);
      this.allRequests.push(rq);
    }
    rq.freed = false;
    rq.id = ++this.rqSeq;
    rq.mq_ctx = ctx;
    rq.mq_hctx = hctx;
    rq.cmd_flags = bio.bi_opf;
    rq.rq_flags = RQF_SCHED_TAGS | (useSched ? RQF_USE_SCHED : 0);
    rq.tag = BLK_MQ_NO_TAG;
    rq.internal_tag = tag;
    rq.stats_sectors = 0;
    rq.io_start_time_ns = 0;
    rq.start_time_ns = this.engine.now;
    rq.nr_phys_segments = 0;
    rq.fifo_time = 0;
    rq.state = MQ_RQ_IDLE;
    rq.ref = 1;
    rq.bpfRefs = 0;
    rq.end_io = END_IO_NONE;
    rq.flush_seq = 0;
    rq.elv.priv[0] = 0;
    rq.elv.priv[1] = null;
    rq.issued = false;
    rq.done = false;
    this.nAllocated++;
    if (useSched) this.elevator.prepare_request(rq);
    return rq;
  }

  // block/blk-mq-tag.c blk_mq_get_tag: run the queue, retry, then sleep; io_schedule()
  // flushes the task's plug "from schedule" (UT).
  private sleepForTag(task: Task, bio: BioImpl): boolean {
    const hctx = this.ctxs[bio.cpu].hctx;
    hctx.run(false);
    this.enterTask(task, bio.cpu);
    const rq = this.allocRequest(bio);
    if (rq !== null) {
      this.startRequest(task, rq, bio);
      return false;
    }
    task.blocked = true;
    task.waitBio = bio;
    hctx.sched_tags.wait(task);
    if (task.plug.rq_count > 0) {
      this.plugStats.fromSchedule++;
      blk_mq_flush_plug_list(this, task.plug, true);
    }
    this.armWatchdog();
    return true;
  }

  // The rest of blk_mq_submit_bio once a request exists: G, fill it, then the flush machinery
  // or the plug.
  private startRequest(task: Task, rq: Request, bio: BioImpl): void {
    const rec = this.rec;
    const now = this.engine.now;
    if (rec.tG[bio.io] === NONE) rec.tG[bio.io] = now;
    // block/blk-mq.c blk_mq_bio_to_request.
    if (bio.bi_opf & REQ_RAHEAD) rq.cmd_flags |= REQ_FAILFAST_MASK;
    rq.bio = bio;
    rq.biotail = bio;
    bio.bi_next = null;
    rq.__sector = bio.bi_iter.bi_sector;
    rq.__data_len = bio.bi_iter.bi_size;
    rq.nr_phys_segments = bio.nr_segs;
    rq.ioprio = bio.bi_ioprio;
    rq.pid = bio.pid;
    rq.comm = bio.comm;
    rq.io0 = bio.io;
    // block/blk-mq.c blk_mq_submit_bio: PREFLUSH/FUA requests go to the flush machinery before
    // the plug; those it hands back (no flush before their data) continue as usual.
    // (An empty FUA bio on a device that honours FUA needs nothing and ends inside; the task's
    // submission reports the completion when it returns.)
    if (op_is_flush(bio.bi_opf) && blk_insert_flush(this, rq)) return;
    blk_add_rq_to_plug(this, task.plug, rq);
  }

  private finishPlug(task: Task): void {
    if (task.plug.depth === 0) return;
    if (--task.plug.depth > 0) return;
    if (task.plug.rq_count === 0) return;
    this.plugStats.explicit++;
    blk_mq_flush_plug_list(this, task.plug, false);
  }

  /** Plug flush, one (hctx, ctx) group: insert through the elevator, run the hctx. */
  insertPlugGroup(hctx: Hctx, list: RqList, fromSchedule: boolean): void {
    this.elevator.insert_requests(hctx, list, 0);
    hctx.run(fromSchedule);
  }

  // A freed scheduler tag woke a sleeper: it retries its allocation (in its own context).
  private resumeOne(): void {
    const task = this.resumeQueue[this.resumeHead];
    this.resumeQueue[this.resumeHead++] = undefined as unknown as Task;
    if (this.resumeHead === this.resumeQueue.length) {
      this.resumeQueue.length = 0;
      this.resumeHead = 0;
    }
    const bio = task.waitBio as BioImpl;
    this.enterTask(task, bio.cpu);
    const rq = this.allocRequest(bio);
    const hctx = this.ctxs[bio.cpu].hctx;
    if (rq === null) {
      const pool = hctx.sched_tags;
      if (pool.available === 0) {
        // Another allocation took the tag first: this sleeper is still the next in line.
        pool.rewait(task);
        return;
      }
      // A tag is free, but not for this sleeper (its shallow depth, limit_depth): it sleeps
      // again at the back (block/blk-mq-tag.c blk_mq_get_tag: prepare_to_wait_exclusive), and
      // the tag goes to the next sleeper, as sbitmap's batched wake-ups would reach it; once
      // each sleeper has had a try the tag stays free until the next one comes back.
      pool.wait(task);
      if (pool.handOns++ < pool.waiters - 1) {
        const next = pool.wake() as Task | undefined;
        if (next !== undefined) {
          this.resumeQueue.push(next);
          this.engine.after(0, this.resumeFn, PRIO.NORMAL);
        }
      }
      return;
    }
    task.blocked = false;
    task.waitBio = null;
    this.startRequest(task, rq, bio);
    if (task.waitImplicit) {
      task.waitImplicit = false;
      this.finishPlug(task);
    }
    const rest = task.waitRest;
    task.waitRest = null;
    if (rest !== null && !this.submitPieces(task, rest)) {
      this.flushNotifications();
      return;
    }
    // Work the task submitted while it slept, in order, until it sleeps again.
    while (!task.blocked && task.backlogHead < task.backlog.length) {
      const item = task.backlog[task.backlogHead++];
      if (item === TASK_START_PLUG) task.plug.depth++;
      else if (item === TASK_FINISH_PLUG) this.finishPlug(task);
      else this.runTaskBio(task, item as BioImpl);
    }
    if (task.backlogHead === task.backlog.length) {
      task.backlog.length = 0;
      task.backlogHead = 0;
    }
    this.flushNotifications();
  }

  // --- merge event sinks (block/merge.ts MergeHost) -----------------------------------------

  /** A bio joined `rq`: M or F for that I/O. */
  bioMerged(bio: BioImpl, _rq: Request): void {
    const rec = this.rec;
    if (rec.tM[bio.io] === NONE) rec.tM[bio.io] = this.engine.now;
  }

  /** `next` is absorbed into `rq` (block_rq_merge, M for its I/Os): they now ride on `rq`. */
  requestMerged(next: Request, _rq: Request): void {
    const rec = this.rec;
    const now = this.engine.now;
    for (let b = next.bio; b !== null; b = b.bi_next) {
      if (rec.tM[b.io] === NONE) rec.tM[b.io] = now;
      if (b === next.biotail) break;
    }
    next.done = true;
    this.nAbsorbed++;
  }

  /** The elevator queued `rq` (I). UFQ kernels emit no I event; the model records it anyway. */
  recordInsert(rq: Request): void {
    const rec = this.rec;
    if (rq.io0 >= 0 && rec.tI[rq.io0] === NONE) rec.tI[rq.io0] = this.engine.now;
  }

  // --- dispatch to the device (hctx.ts calls these) ------------------------------------------

  /**
   * The driver's queue_rq with blk_mq_start_request: D for every I/O of the request,
   * stats_sectors when queue statistics are on. BLK_STS_RESOURCE if the device is busy.
   */
  queueRq(_hctx: Hctx, rq: Request): number {
    const now = this.engine.now;
    rq.op = rq.cmd_flags & REQ_OP_MASK;
    rq.flags = traceFlags(rq.cmd_flags);
    rq.sector = rq.__sector;
    rq.bytes = rq.__data_len;
    const first = !rq.issued;
    // A flush command carries no bio: its D belongs to the empty flushes it serves.
    const flushCmd = is_flush_rq(rq);
    if (first && !flushCmd) this.recordIssue(rq, now);
    rq.state = MQ_RQ_IN_FLIGHT;
    if (this.limits.queue_stats) {
      rq.io_start_time_ns = now;
      rq.stats_sectors = rq.__data_len / 512;
      rq.rq_flags |= RQF_STATS;
    }
    this.nInflight++;
    this.lastProgressNs = now;
    const r = this.device.submit(rq);
    if (r === 'busy') {
      // Refused before it started: no D after all.
      this.nInflight--;
      rq.state = MQ_RQ_IDLE;
      rq.stats_sectors = 0;
      rq.rq_flags &= ~RQF_STATS;
      if (first && !flushCmd) this.unrecordIssue(rq, now);
      return BLK_STS_RESOURCE;
    }
    rq.issued = true;
    if (first && flushCmd) this.recordFlushIssue(rq, now);
    return BLK_STS_OK;
  }

  /**
   * A flush command went to the device: D for each empty flush it serves (the requests on its
   * flush queue's running list without data), as a trace shows an fsync's flush: its Q and G,
   * then the flush command's D (D FN), then its own C. Data requests keep the D of their DATA
   * step.
   */
  private recordFlushIssue(flush_rq: Request, now: number): void {
    const rec = this.rec;
    const fq = (flush_rq.mq_hctx as Hctx).fq;
    const running = fq.flush_queue[fq.flush_running_idx];
    for (let r = running.first; r !== null; r = r.ql_next) {
      const b = r.bio;
      if (b !== null && r.__data_len === 0 && rec.tD[b.io] === NONE) rec.tD[b.io] = now;
    }
  }

  /**
   * D for every I/O of the request; each one but the head (first bio) is recorded as merged
   * into the head's row, as trace pairing does at D (btt/trace_issue.c).
   */
  private recordIssue(rq: Request, now: number): void {
    const rec = this.rec;
    const head = (rq.bio as BioImpl).io;
    for (let b = rq.bio; b !== null; b = b.bi_next) {
      const io = b.io;
      if (rec.tD[io] === NONE) rec.tD[io] = now;
      if (io !== head && rec.mergedInto[io] === NONE) {
        rec.mergedInto[io] = head;
        this.nMerged++;
      }
    }
  }

  // The device refused the request before starting it: no D after all.
  private unrecordIssue(rq: Request, now: number): void {
    const rec = this.rec;
    const head = (rq.bio as BioImpl).io;
    for (let b = rq.bio; b !== null; b = b.bi_next) {
      const io = b.io;
      if (rec.tD[io] === now) rec.tD[io] = NONE;
      if (io !== head && rec.mergedInto[io] === head) {
        rec.mergedInto[io] = NONE;
        this.nMerged--;
      }
    }
  }

  /** block/blk-mq.c __blk_mq_requeue_request: driver tag back, R, idle again. */
  requeueBookkeeping(rq: Request): void {
    const hctx = rq.mq_hctx as Hctx;
    if (rq.tag !== BLK_MQ_NO_TAG) {
      hctx.tags.put(rq.tag);
      rq.tag = BLK_MQ_NO_TAG;
    }
    const rec = this.rec;
    for (let b = rq.bio; b !== null; b = b.bi_next) rec.requeues[b.io]++;
    if (rq.state !== MQ_RQ_IDLE) {
      rq.state = MQ_RQ_IDLE;
      this.nInflight--;
    }
  }

  /**
   * blk_mq_requeue_request + the requeue work: the request goes back through the elevator at
   * the head (BLK_MQ_INSERT_AT_HEAD), from kblockd. QUIRK: RQF_STARTED stays set, as the
   * kernel leaves it (ufq-model §2.10: uncertain whether mainline clears it).
   */
  requeueRequest(rq: Request): void {
    this.requeueBookkeeping(rq);
    this.requeueWork.addRequest(rq);
  }

  /**
   * block/blk-mq.c blk_mq_insert_request, with the elevator every queue here has: a flush
   * command goes to the head of hctx->dispatch, anything else to the elevator.
   */
  blk_mq_insert_request(rq: Request, flags: number): void {
    // block/blk-mq.c blk_mq_insert_request: REQ_OP_FLUSH bypasses the scheduler, at the head.
    if ((rq.cmd_flags & REQ_OP_MASK) === REQ_OP_FLUSH) {
      this.blk_mq_request_bypass_insert(rq, BLK_MQ_INSERT_AT_HEAD);
      return;
    }
    const list = this.insertList;
    list.addTail(rq);
    this.elevator.insert_requests(rq.mq_hctx as Hctx, list, flags);
  }

  /** block/blk-mq.c blk_mq_request_bypass_insert: onto hctx->dispatch, at the head or the tail. */
  blk_mq_request_bypass_insert(rq: Request, flags: number): void {
    const dispatch = (rq.mq_hctx as Hctx).dispatch;
    if (flags & BLK_MQ_INSERT_AT_HEAD) dispatch.addHead(rq);
    else dispatch.addTail(rq);
  }

  /** blk_rq_init for a flush command (block/blk-flush.c blk_kick_flush): a fresh request. */
  initFlushRequest(rq: Request): void {
    rq.id = ++this.rqSeq;
    rq.tag = BLK_MQ_NO_TAG;
    rq.internal_tag = BLK_MQ_NO_TAG;
    rq.cmd_flags = 0;
    rq.rq_flags = 0;
    rq.end_io = END_IO_NONE;
    rq.flush_seq = 0;
    // (sector_t)-1 in the kernel; a flush has no sector, and devices read 0 more safely.
    rq.__sector = 0;
    rq.__data_len = 0;
    rq.bio = null;
    rq.biotail = null;
    rq.nr_phys_segments = 0;
    rq.stats_sectors = 0;
    rq.io_start_time_ns = 0;
    rq.start_time_ns = this.engine.now;
    rq.state = MQ_RQ_IDLE;
    rq.issued = false;
    rq.done = false;
    rq.io0 = -1;
  }

  /** jiffies now, at the queue's HZ. */
  jiffies(): number {
    return jiffiesAt(this.engine.now, this.limits.hz);
  }

  /** blk_mq_delay_run_hw_queues under an SQ scheduler: this CPU's hctx and any with leftovers. */
  delayRunHwQueues(cur: Hctx, delayNs: number): void {
    for (const h of this.hctxs) if (h === cur || !h.dispatch.empty) h.delayRunIfIdle(delayNs);
  }

  /**
   * blk_mq_run_hw_queues(q, async) (by default async, from kblockd). UFQ sets QUEUE_FLAG_SQ_SCHED, so only the hctx
   * of `cpu` (default: the CPU running now) and any hctx with leftovers on its dispatch list
   * run, and those in `also`. With no CPU known (-1) every hctx runs, as the kernel does with
   * no preferred hctx.
   */
  runHwQueues(cpu: number = this.runningCpu(), async = true, also?: ReadonlySet<Hctx>): void {
    // block/blk-mq.c blk_mq_run_hw_queues: blk_mq_get_sq_hctx is the current CPU's hctx.
    const sq = cpu >= 0 ? this.ctxs[cpu % this.ctxs.length].hctx : null;
    for (const h of this.hctxs)
      if (sq === null || h === sq || !h.dispatch.empty || also?.has(h)) h.run(async);
  }

  /**
   * Ejection's kick: every hardware queue runs from kblockd. Not the kernel's rule (rev-1
   * detach runs no queue, rev-3 runs the detaching CPU's hctx only): the per-ctx fallback
   * drains only the ctxs of the hctx it runs on, so a narrower kick would leave requests on
   * the other hctxs' ctxs and the 3 ms re-run polling the emptied one for ever.
   */
  kickEveryHwQueue(): void {
    for (const h of this.hctxs) h.run(true);
  }

  /** The CPU kernel code runs on now: the task's, else the first CPU of the worker's hctx, else -1. */
  runningCpu(): number {
    if (this.curCpu >= 0) return this.curCpu;
    const h = this.curHctx;
    return h !== null ? h.ctxs[0].cpu : -1;
  }

  // --- completion (block/blk-mq.c) ---------------------------------------------------------

  // The device finished `rq`: blk_mq_complete_request -> blk_mq_end_request.
  private completeRequest(rq: Request, error: number): void {
    if (rq.freed || rq.state !== MQ_RQ_IN_FLIGHT)
      throw new InvariantError(`device completed request ${rq.id}, which is not in flight`);
    this.enterWorker(rq.mq_hctx);
    this.nInflight--;
    this.lastProgressNs = this.engine.now;
    rq.state = MQ_RQ_COMPLETE;
    this.endRequest(rq, error);
    this.flushNotifications();
  }

  /**
   * blk_mq_end_request: every bio completes (C), finish_request, then the request is freed, or
   * its end_io runs instead (the flush machinery's requests, block/flush.ts).
   */
  endRequest(rq: Request, error: number): void {
    if (rq.state === MQ_RQ_IN_FLIGHT) this.nInflight--;
    rq.state = MQ_RQ_COMPLETE;
    if (rq.rq_flags & RQF_FLUSH_SEQ) {
      // block/blk-mq.c blk_update_request: a request in a flush sequence keeps its bio unended
      // (it ends with the whole sequence); biotail still points at it.
      rq.bio = null;
    } else {
      rq.done = true;
      // blk_update_request: all bios end; the request keeps no data.
      let b = rq.bio;
      while (b !== null) {
        const next: BioImpl | null = b.bi_next;
        this.bioEndio(b, error);
        b = next;
      }
      rq.bio = null;
      rq.biotail = null;
    }
    rq.__data_len = 0;
    // block/blk-mq.c __blk_mq_end_request: finish_request before end_io, so a sequenced data
    // request reaches the elevator's finish hook once, at the end of its DATA step.
    this.blk_mq_finish_request(rq);
    const end_io = rq.end_io;
    if (end_io === END_IO_FLUSH) flush_end_io(this, rq, error);
    else if (end_io === END_IO_FLUSH_DATA) mq_flush_data_end_io(this, rq, error);
    else this.blk_mq_free_request(rq);
  }

  private bioEndio(bio: BioImpl, error: number): void {
    const io = bio.io;
    this.bioPool.put(bio);
    const left = this.pieces.size === 0 ? undefined : this.pieces.get(io);
    if (left !== undefined) {
      if (left > 1) {
        this.pieces.set(io, left - 1);
        if (error !== 0) this.rec.error[io] = error;
        return;
      }
      this.pieces.delete(io);
    }
    const rec = this.rec;
    rec.tC[io] = this.engine.now;
    if (error !== 0) rec.error[io] = error;
    this.nCompleted++;
    if (this.onBioComplete !== undefined) {
      this.notifyIo[this.notifyN] = io;
      this.notifyErr[this.notifyN++] = rec.error[io];
    }
  }

  // Completion callbacks run after the kernel work of this completion is done.
  private flushNotifications(): void {
    const cb = this.onBioComplete;
    const n = this.notifyN;
    if (cb === undefined || n === 0) return;
    if (n === 1) {
      // The common case: one I/O per request.
      const io = this.notifyIo[0];
      const err = this.notifyErr[0];
      this.notifyN = 0;
      cb(io, err);
      return;
    }
    // Swapped out first: a callback may submit I/O whose completion lands here again. The
    // lists are reused, so the usual flush allocates nothing.
    const ios = this.notifyIo;
    const errs = this.notifyErr;
    this.notifyIo = this.spareIo ?? [];
    this.notifyErr = this.spareErr ?? [];
    this.spareIo = null;
    this.spareErr = null;
    this.notifyN = 0;
    for (let i = 0; i < n; i++) cb(ios[i], errs[i]);
    this.spareIo = ios;
    this.spareErr = errs;
  }

  /** block/blk-mq.c blk_mq_finish_request: the elevator's finish hook, at most once per request. */
  private blk_mq_finish_request(rq: Request): void {
    if (rq.rq_flags & RQF_USE_SCHED) {
      rq.rq_flags &= ~RQF_USE_SCHED;
      this.elevator.finish_request(rq);
    }
  }

  /** block/blk-mq.c blk_mq_free_request: finish_request once, then drop the block layer's reference. */
  blk_mq_free_request(rq: Request): void {
    this.blk_mq_finish_request(rq);
    rq.state = MQ_RQ_IDLE;
    if (--rq.ref === 0) this.__blk_mq_free_request(rq);
  }

  /** block/blk-mq.c __blk_mq_free_request: tags back (waking a sleeper), restart, pool. */
  __blk_mq_free_request(rq: Request): void {
    if (rq.freed) throw new InvariantError(`request ${rq.id} freed twice`);
    const hctx = rq.mq_hctx as Hctx;
    if (rq.tag !== BLK_MQ_NO_TAG) {
      hctx.tags.put(rq.tag);
      rq.tag = BLK_MQ_NO_TAG;
    }
    if (rq.internal_tag !== BLK_MQ_NO_TAG) {
      hctx.sched_tags.put(rq.internal_tag);
      rq.internal_tag = BLK_MQ_NO_TAG;
      const sleeper = hctx.sched_tags.wake() as Task | undefined;
      if (sleeper !== undefined) {
        this.resumeQueue.push(sleeper);
        this.engine.after(0, this.resumeFn, PRIO.NORMAL);
      }
    }
    if (this.last_merge === rq) {
      this.last_merge = null;
      this.warn('last_merge pointed at a freed request');
    }
    rq.state = MQ_RQ_IDLE;
    rq.freed = true;
    rq.mq_hctx = null;
    rq.bio = null;
    rq.biotail = null;
    this.nFreed++;
    this.rqPool.push(rq);
    hctx.schedRestart();
  }

  /** Ejection: drop every reference the policy's maps held (kptr destructors). */
  releaseBpfRefs(): void {
    for (const r of this.allRequests) {
      if (r.freed || r.bpfRefs === 0) continue;
      r.ref -= r.bpfRefs;
      r.bpfRefs = 0;
      if (r.ref <= 0) {
        r.ref = 0;
        this.__blk_mq_free_request(r);
      }
    }
  }

  // --- watchdog -----------------------------------------------------------------------------

  /** Arms the stall watchdog while work waits (one pending event at most). */
  armWatchdog(): void {
    if (this.watchdogHandle >= 0 || this.watchdogNs <= 0 || this.elevator.ops === null) return;
    if (!this.hasWaitingWork()) return;
    this.watchdogHandle = this.engine.after(this.watchdogNs, this.watchdogFn, PRIO.LATE);
  }

  private watchdogFire(): void {
    this.watchdogHandle = -1;
    if (this.elevator.ops === null || !this.hasWaitingWork()) return;
    const now = this.engine.now;
    if (now - this.lastProgressNs >= this.watchdogNs) {
      this.elevator.ejectStalled(this.watchdogNs, this.waitingSummary());
      return;
    }
    this.watchdogHandle = this.engine.at(this.lastProgressNs + this.watchdogNs, this.watchdogFn, PRIO.LATE);
  }

  private hasWaitingWork(): boolean {
    if (this.elevator.rqs_count > 0) return true;
    for (const h of this.hctxs) if (h.sched_tags.waiters > 0 || !h.dispatch.empty) return true;
    return false;
  }

  private waitingSummary(): string {
    const c = this.conservation();
    return `${c.rqs_count} queued requests, ${c.tagWaiters} tasks waiting for tags, ${c.requests.leaked} leaked requests`;
  }

  /** Counts a surprise under `reason`. */
  warn(reason: string): void {
    this.warnings[reason] = (this.warnings[reason] ?? 0) + 1;
  }
}

/** Trace FLAG bits of a request's cmd_flags, for the device (inverse of opfFromTrace). */
function traceFlags(cmd_flags: number): number {
  let f = 0;
  if (cmd_flags & REQ_SYNC) f |= FLAG.SYNC;
  if (cmd_flags & REQ_META) f |= FLAG.META;
  if (cmd_flags & REQ_RAHEAD) f |= FLAG.RAHEAD;
  if (cmd_flags & REQ_FUA) f |= FLAG.FUA;
  if (cmd_flags & REQ_PREFLUSH) f |= FLAG.PREFLUSH;
  if (cmd_flags & REQ_ATOMIC) f |= FLAG.ATOMIC;
  return f;
}
