// What a policy can call, under the kernel's names: request and bio accessors
// (include/linux/blkdev.h, blk-mq.h, bio.h, ioprio.h), the UFQ kfuncs (block/ufq-kfunc.c), the
// BPF helpers it uses (bpf_ktime_get_ns, bpf_get_current_comm, bpf_printk, ...) and BPF hash
// maps with max_entries. The kfuncs reach the simulated kernel through the request's queue
// or, for argument-less helpers, through KFUNC_HOST, which the elevator points at itself
// before each hook. Not here: the elevator (ufq/elevator.ts).

import { REQ_FUA, REQ_OP_MASK, REQ_OP_READ, REQ_PREFLUSH, REQ_SYNC } from '../../kernel-abi.js';

export {
  REQ_ATOMIC,
  REQ_BACKGROUND,
  REQ_FAILFAST_DEV,
  REQ_FAILFAST_DRIVER,
  REQ_FAILFAST_TRANSPORT,
  REQ_FUA,
  REQ_IDLE,
  REQ_INTEGRITY,
  REQ_META,
  REQ_NOMERGE,
  REQ_NOMERGE_FLAGS,
  REQ_NOWAIT,
  REQ_OP_BITS,
  REQ_OP_DISCARD,
  REQ_OP_DRV_IN,
  REQ_OP_DRV_OUT,
  REQ_OP_FLUSH,
  REQ_OP_MASK,
  REQ_OP_READ,
  REQ_OP_SECURE_ERASE,
  REQ_OP_WRITE,
  REQ_OP_WRITE_ZEROES,
  REQ_OP_ZONE_APPEND,
  REQ_PREFLUSH,
  REQ_PRIO,
  REQ_RAHEAD,
  REQ_SYNC,
} from '../../kernel-abi.js';

import type { Bio, BlkQueue, BlkRequest, KfuncHost, UfqKernel } from '../../ufq/ops.js';
import { E2BIG, EEXIST, ENOENT } from './errno.js';

/** The kfuncs' link to the kernel running the current hook (see ufq/ops.ts KfuncHost). */
export const KFUNC_HOST: KfuncHost = { kernel: null };

function kernel(name: string): UfqKernel {
  const k = KFUNC_HOST.kernel;
  if (k === null) throw new Error(`${name} called outside a UFQ hook`);
  return k;
}

// --- constants (include/linux/blk_types.h, include/uapi/linux/ioprio.h) ---

/** rq_data_dir values (include/linux/fs.h READ / WRITE). */
export const READ = 0;
export const WRITE = 1;
/** Bytes per sector shift (include/linux/blk_types.h SECTOR_SHIFT). */
export const SECTOR_SHIFT = 9;
/** enum elv_merge. */
export const ELEVATOR_NO_MERGE = 0;
export const ELEVATOR_FRONT_MERGE = 1;
export const ELEVATOR_BACK_MERGE = 2;
export const ELEVATOR_DISCARD_MERGE = 3;
/** blk_insert_t. */
export const BLK_MQ_INSERT_AT_HEAD = 0x01;
/** enum rqf_flags bits a policy may test (include/linux/blk-mq.h). */
export const RQF_STARTED = 1 << 0;
export const RQF_FLUSH_SEQ = 1 << 1;
export const RQF_SPECIAL_PAYLOAD = 1 << 12;
/** I/O priority classes and the encoding (include/uapi/linux/ioprio.h). */
export const IOPRIO_CLASS_NONE = 0;
export const IOPRIO_CLASS_RT = 1;
export const IOPRIO_CLASS_BE = 2;
export const IOPRIO_CLASS_IDLE = 3;
export const IOPRIO_CLASS_SHIFT = 13;
export const IOPRIO_NR_LEVELS = 8;

// --- accessors ---

/** blk_rq_pos: start sector. */
export function blk_rq_pos(rq: BlkRequest): number {
  return rq.__sector;
}

/** blk_rq_bytes: size in bytes. */
export function blk_rq_bytes(rq: BlkRequest): number {
  return rq.__data_len;
}

/** blk_rq_sectors: size in sectors. */
export function blk_rq_sectors(rq: BlkRequest): number {
  return rq.__data_len >>> SECTOR_SHIFT;
}

/** blk_rq_stats_sectors. */
export function blk_rq_stats_sectors(rq: BlkRequest): number {
  return rq.stats_sectors;
}

/** req_op: the operation of a request. */
export function req_op(rq: BlkRequest): number {
  return rq.cmd_flags & REQ_OP_MASK;
}

/** op_is_write: low bit of the op. */
export function op_is_write(op: number): boolean {
  return (op & 1) !== 0;
}

/** op_is_sync: reads, and anything with SYNC, FUA or PREFLUSH. */
export function op_is_sync(opf: number): boolean {
  return (opf & REQ_OP_MASK) === REQ_OP_READ || (opf & (REQ_SYNC | REQ_FUA | REQ_PREFLUSH)) !== 0;
}

/** rq_data_dir: WRITE or READ. */
export function rq_data_dir(rq: BlkRequest): number {
  return op_is_write(req_op(rq)) ? WRITE : READ;
}

/** rq_is_sync. */
export function rq_is_sync(rq: BlkRequest): boolean {
  return op_is_sync(rq.cmd_flags);
}

/** req_get_ioprio: the request's (first bio's) I/O priority. */
export function req_get_ioprio(rq: BlkRequest): number {
  return rq.ioprio;
}

/** bio_op. */
export function bio_op(bio: Bio): number {
  return bio.bi_opf & REQ_OP_MASK;
}

/** bio_sectors. */
export function bio_sectors(bio: Bio): number {
  return bio.bi_iter.bi_size >>> SECTOR_SHIFT;
}

/** bio_end_sector. */
export function bio_end_sector(bio: Bio): number {
  return bio.bi_iter.bi_sector + bio_sectors(bio);
}

/** IOPRIO_PRIO_CLASS. */
export function IOPRIO_PRIO_CLASS(ioprio: number): number {
  return (ioprio >> IOPRIO_CLASS_SHIFT) & 7;
}

/** IOPRIO_PRIO_LEVEL (the low 3 bits). */
export function IOPRIO_PRIO_LEVEL(ioprio: number): number {
  return ioprio & 7;
}

/**
 * The UFQ revision of the kernel the policy runs on. Stands for the compile-time choice a
 * BPF build makes against its kernel's headers (each revision has its own source file; a port
 * serving several revisions branches on this).
 */
export function ufq_revision(q: BlkQueue): number {
  return q.__ufq.rev;
}

// --- UFQ kfuncs (block/ufq-kfunc.c) ---

/** bpf_request_acquire: a new reference, or null if the request is being freed. */
export function bpf_request_acquire(rq: BlkRequest): BlkRequest | null {
  return rq.q.__ufq.request_acquire(rq);
}

/** bpf_request_release: drop a reference; the request is freed at zero. */
export function bpf_request_release(rq: BlkRequest): void {
  rq.q.__ufq.request_release(rq);
}

/** rev-1 bpf_request_put: drop a reference without freeing; false if it reached zero. */
export function bpf_request_put(rq: BlkRequest): boolean {
  return rq.q.__ufq.request_put(rq);
}

/** rev-1 bpf_request_from_id: always null (UFQ never fills the elevator hash). */
export function bpf_request_from_id(q: BlkQueue, sector: number): BlkRequest | null {
  return q.__ufq.request_from_id(q, sector);
}

/** rev-2+ bpf_request_bio_try_merge: true only if `bio` merged into `rq` (blk_attempt_bio_merge OK). */
export function bpf_request_bio_try_merge(rq: BlkRequest, bio: Bio, nr_segs: number): boolean {
  return rq.q.__ufq.request_bio_try_merge(rq, bio, nr_segs);
}

/** rev-2+ bpf_request_try_merge: merges `next` into `rq`; returns `next`, unqueued, or null. */
export function bpf_request_try_merge(rq: BlkRequest, next: BlkRequest): BlkRequest | null {
  return rq.q.__ufq.request_try_merge(rq, next);
}

/** rev-3 bpf_request_set_elv_priv1. */
export function bpf_request_set_elv_priv1(rq: BlkRequest, value: unknown): void {
  rq.q.__ufq.request_set_elv_priv1(rq, value);
}

// --- BPF helpers ---

/** bpf_ktime_get_ns: simulated time, ns. */
export function bpf_ktime_get_ns(): number {
  return kernel('bpf_ktime_get_ns').ktime_get_ns();
}

/** bpf_jiffies64. */
export function bpf_jiffies64(): number {
  return kernel('bpf_jiffies64').jiffies();
}

/** CONFIG_HZ of the simulated kernel (a BPF program reads it as a __kconfig extern). */
export function CONFIG_HZ(): number {
  return kernel('CONFIG_HZ').hz;
}

/** bpf_get_current_comm: name of the task running the hook. */
export function bpf_get_current_comm(): string {
  return kernel('bpf_get_current_comm').current_comm();
}

/** The task's pid (lower half of bpf_get_current_pid_tgid). */
export function bpf_get_current_pid(): number {
  return kernel('bpf_get_current_pid').current_pid();
}

/**
 * bpf_get_smp_processor_id: the CPU running the hook, which is the trace's CPU of the task
 * submitting; -1 in a kblockd or completion worker (the model ties those to no CPU) or when
 * the elevator does not say.
 */
export function bpf_get_smp_processor_id(): number {
  const k = kernel('bpf_get_smp_processor_id');
  return k.current_cpu ? k.current_cpu() : -1;
}

/** bpf_get_prandom_u32: from the run's seeded generator. */
export function bpf_get_prandom_u32(): number {
  return kernel('bpf_get_prandom_u32').prandom_u32();
}

/** bpf_printk: %d %i %u %x %s %p (with l/ll) are filled from `args`; one line to the run's log. */
export function bpf_printk(fmt: string, ...args: unknown[]): void {
  let i = 0;
  const line = fmt.replace(/%l{0,2}[diuxsp]/g, (spec) => {
    const v = args[i++];
    return spec.endsWith('x') && typeof v === 'number' ? v.toString(16) : String(v);
  });
  kernel('bpf_printk').printk(line);
}

// --- BPF hash maps ---

/** bpf_map_update_elem flags. */
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;

/** A BPF_MAP_TYPE_HASH with its max_entries: one entry too many fails as in the kernel. */
export class BpfHashMap<K, V> {
  private readonly m = new Map<K, V>();

  constructor(readonly max_entries: number) {}

  get size(): number {
    return this.m.size;
  }

  /** Entries (dumps). */
  entries(): IterableIterator<[K, V]> {
    return this.m.entries();
  }

  lookup(key: K): V | null {
    return this.m.get(key) ?? null;
  }

  update(key: K, value: V, flags: number): number {
    const has = this.m.has(key);
    if (flags === BPF_NOEXIST && has) return -EEXIST;
    if (flags === BPF_EXIST && !has) return -ENOENT;
    if (!has && this.m.size >= this.max_entries) return -E2BIG;
    this.m.set(key, value);
    return 0;
  }

  delete(key: K): number {
    return this.m.delete(key) ? 0 : -ENOENT;
  }
}

/** bpf_map_lookup_elem: the value stored under `key` (the object itself), or null. */
export function bpf_map_lookup_elem<K, V>(map: BpfHashMap<K, V>, key: K): V | null {
  return map.lookup(key);
}

/** bpf_map_update_elem: 0, -EEXIST (BPF_NOEXIST), -ENOENT (BPF_EXIST) or -E2BIG (full). */
export function bpf_map_update_elem<K, V>(map: BpfHashMap<K, V>, key: K, value: V, flags: number): number {
  return map.update(key, value, flags);
}

/** bpf_map_delete_elem: 0 or -ENOENT. */
export function bpf_map_delete_elem<K, V>(map: BpfHashMap<K, V>, key: K): number {
  return map.delete(key);
}
