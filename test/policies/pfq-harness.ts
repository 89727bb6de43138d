// A hand-driven kernel for calling PFQ's hooks directly: the clock, the current task's comm and
// the prandom draws are set by the test, requests are plain objects, and the request kfuncs do
// the minimum (references, priv[1], an adjacency-only bio merge). Used where a test needs exact
// control of time and randomness; end-to-end tests use test/block/harness.ts instead.
import type { Bio, BlkQueue, BlkRequest, Box } from '../../src/policies/lib/index.js';
import { KFUNC_HOST, REQ_META, REQ_OP_READ, REQ_SYNC } from '../../src/policies/lib/index.js';
import { type PfqOps, type PfqParams, pfq } from '../../src/policies/pfq/index.js';
import type { UfqKernel } from '../../src/ufq/ops.js';

export const BE4 = (2 << 13) | 4;

export interface FakeRq {
  q: BlkQueue;
  __sector: number;
  __data_len: number;
  cmd_flags: number;
  rq_flags: number;
  ioprio: number;
  mq_ctx: { cpu: number; index_hw: number };
  mq_hctx: { queue_num: number };
  fifo_time: number;
  stats_sectors: number;
  bio: { bi_ioprio: number; bi_write_hint: number; bi_opf: number } | null;
  elv: { priv: [number, unknown] };
  ref: number;
  /** Test label. */
  name: string;
}

const CTX0 = { cpu: 0, index_hw: 0 };
const HCTX0 = { queue_num: 0 };

export class FakeKernel implements UfqKernel {
  readonly rev = 3;
  readonly hz = 1000;
  now = 0;
  comm = 'fio';
  /** Values prandom_u32 returns, in order; `draw` once they run out. */
  draws: number[] = [];
  draw = 0;
  drawsTaken = 0;
  /** false: bpf_request_bio_try_merge refuses (a size limit, say). */
  bioMergeOk = true;
  readonly lines: string[] = [];
  private nextId = 1;

  queue(): BlkQueue {
    return { id: this.nextId++, nr_requests: 256, __ufq: this };
  }

  request_acquire(rq: BlkRequest): BlkRequest | null {
    const r = rq as unknown as FakeRq;
    if (r.ref <= 0) return null;
    r.ref++;
    return rq;
  }

  request_put(rq: BlkRequest): boolean {
    return --(rq as unknown as FakeRq).ref !== 0;
  }

  request_release(rq: BlkRequest): void {
    (rq as unknown as FakeRq).ref--;
  }

  request_bio_try_merge(rq: BlkRequest, bio: Bio, _nr_segs: number): boolean {
    const r = rq as unknown as FakeRq;
    const start = bio.bi_iter.bi_sector;
    const sectors = bio.bi_iter.bi_size / 512;
    if (!this.bioMergeOk) return false;
    if (r.__sector + r.__data_len / 512 === start) r.__data_len += bio.bi_iter.bi_size;
    else if (start + sectors === r.__sector) {
      r.__sector = start;
      r.__data_len += bio.bi_iter.bi_size;
    } else return false;
    return true;
  }

  request_try_merge(_rq: BlkRequest, _next: BlkRequest): BlkRequest | null {
    return null;
  }

  request_set_elv_priv1(rq: BlkRequest, value: unknown): void {
    (rq as unknown as FakeRq).elv.priv[1] = value;
  }

  request_from_id(): BlkRequest | null {
    return null;
  }

  ktime_get_ns(): number {
    return this.now;
  }

  jiffies(): number {
    return Math.floor((this.now * this.hz) / 1e9);
  }

  current_comm(): string {
    return this.comm;
  }

  current_pid(): number {
    return 1;
  }

  prandom_u32(): number {
    this.drawsTaken++;
    return this.draws.length > 0 ? (this.draws.shift() as number) : this.draw;
  }

  printk(line: string): void {
    this.lines.push(line);
  }
}

export interface RqOpts {
  op?: number;
  sync?: boolean;
  meta?: boolean;
  ioprio?: number;
  noBio?: boolean;
  ctx?: { cpu: number; index_hw: number };
  flags?: number;
  name?: string;
}

/** A request of `sectors` at `sector` (default: 8-sector BE/4 read). */
export function mkrq(k: FakeKernel, q: BlkQueue, sector: number, sectors = 8, o: RqOpts = {}): BlkRequest {
  const op = o.op ?? REQ_OP_READ;
  const cmd_flags = op | (o.sync ? REQ_SYNC : 0) | (o.meta ? REQ_META : 0) | (o.flags ?? 0);
  const ioprio = o.ioprio ?? BE4;
  const r: FakeRq = {
    q,
    __sector: sector,
    __data_len: sectors * 512,
    cmd_flags,
    rq_flags: 0,
    ioprio,
    mq_ctx: o.ctx ?? CTX0,
    mq_hctx: HCTX0,
    fifo_time: k.jiffies(),
    stats_sectors: 0,
    bio: o.noBio ? null : { bi_ioprio: ioprio, bi_write_hint: 0, bi_opf: cmd_flags },
    elv: { priv: [0, null] },
    ref: 1,
    name: o.name ?? String(sector),
  };
  return r as unknown as BlkRequest;
}

/** A bio as merge_bio sees it. */
export function mkbio(sector: number, sectors = 8, o: { op?: number; ioprio?: number } = {}): Bio {
  return {
    bi_iter: { bi_sector: sector, bi_size: sectors * 512 },
    bi_opf: o.op ?? REQ_OP_READ,
    bi_ioprio: o.ioprio ?? BE4,
    bi_write_hint: 0,
    bi_next: null,
    pid: 1,
    comm: 'fio',
  };
}

export interface Rig {
  k: FakeKernel;
  ops: PfqOps;
  q: BlkQueue;
}

/** A fresh PFQ instance on one fake disk, initialised. */
export function rig(params: Partial<PfqParams> = {}): Rig {
  const k = new FakeKernel();
  KFUNC_HOST.kernel = k;
  const ops = pfq(params);
  const q = k.queue();
  (ops.init_sched as NonNullable<PfqOps['init_sched']>)(q);
  return { k, ops, q };
}

export function insert(r: Rig, rq: BlkRequest, flags = 0): number {
  KFUNC_HOST.kernel = r.k;
  return (r.ops.insert_req as NonNullable<PfqOps['insert_req']>)(r.q, rq, flags);
}

export function dispatch(r: Rig): BlkRequest | null {
  KFUNC_HOST.kernel = r.k;
  return (r.ops.dispatch_req as NonNullable<PfqOps['dispatch_req']>)(r.q);
}

/** Dispatches until null; the dispatched requests' sectors. */
export function dispatchAll(r: Rig): number[] {
  const out: number[] = [];
  for (let rq = dispatch(r); rq !== null; rq = dispatch(r)) out.push(rq.__sector);
  return out;
}

export function hasReq(r: Rig, rqs_count = 0): boolean {
  KFUNC_HOST.kernel = r.k;
  return !!(r.ops.has_req as NonNullable<PfqOps['has_req']>)(r.q, rqs_count);
}

export function finish(
  r: Rig,
  rq: BlkRequest,
  stats_sectors = (rq as unknown as FakeRq).__data_len / 512,
): void {
  KFUNC_HOST.kernel = r.k;
  (rq as unknown as FakeRq).stats_sectors = stats_sectors;
  (r.ops.finish_req as NonNullable<PfqOps['finish_req']>)(rq);
}

export function mergeReq(r: Rig, rq: BlkRequest): { target: BlkRequest | null; type: number } {
  KFUNC_HOST.kernel = r.k;
  const type: Box<number> = { value: -1 };
  const target = (r.ops.merge_req as NonNullable<PfqOps['merge_req']>)(r.q, rq, type);
  return { target, type: type.value };
}

export function mergeBio(r: Rig, bio: Bio): { freed: BlkRequest | null; merged: boolean } {
  KFUNC_HOST.kernel = r.k;
  const merged: Box<boolean> = { value: false };
  const freed = (r.ops.merge_bio as NonNullable<PfqOps['merge_bio']>)(r.q, bio, 1, merged);
  return { freed, merged: merged.value };
}

export interface DiskDump {
  vtime: number;
  min_vtime: number;
  last_sector: number;
  nr_active: number;
  nr_queued_total: number;
  urgent: number;
  in_service_qid: number | null;
  in_service_dispatched: number;
  waiting_idle: boolean;
  idle_queue_qid: number | null;
  idle_deadline_ns: number;
  counters: Record<string, number>;
  weights: number[];
  queues: { qid: number; vtime: number; nr_queued: number; in_tree: boolean }[];
}

/** The disk's state from dump(). */
export function disk(r: Rig): DiskDump {
  const d = (r.ops.dump as NonNullable<PfqOps['dump']>)() as { disks: Record<string, DiskDump> };
  return d.disks[String(r.q.id)];
}

/** A queue's state from dump(), or a blank one. */
export function queueOf(
  r: Rig,
  qid: number,
): { qid: number; vtime: number; nr_queued: number; in_tree: boolean } {
  return disk(r).queues.find((x) => x.qid === qid) ?? { qid, vtime: 0, nr_queued: 0, in_tree: false };
}

/** qid = class x 24 + level x 3 + type (ufq-model §5.1), written out for the tests. */
export function qidOf(pq_class: number, level: number, type: number): number {
  return pq_class * 24 + level * 3 + type;
}
