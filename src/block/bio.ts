// The simulated bio: one submitted I/O (or one piece of a split one), pooled so the hot path
// allocates nothing, plus the kernel's op and flag encoding (include/linux/blk_types.h) and
// the trace-to-kernel flag mapping. Not here: merging (merge.ts) and the request (request.ts).

import {
  REQ_ATOMIC,
  REQ_FUA,
  REQ_META,
  REQ_NOMERGE_FLAGS,
  REQ_OP_DISCARD,
  REQ_OP_MASK,
  REQ_OP_READ,
  REQ_OP_SECURE_ERASE,
  REQ_OP_WRITE,
  REQ_OP_WRITE_ZEROES,
  REQ_PREFLUSH,
  REQ_RAHEAD,
  REQ_SYNC,
} from '../kernel-abi.js';

export {
  REQ_ATOMIC,
  REQ_BACKGROUND,
  REQ_FAILFAST_DEV,
  REQ_FAILFAST_DRIVER,
  REQ_FAILFAST_MASK,
  REQ_FAILFAST_TRANSPORT,
  REQ_FUA,
  REQ_IDLE,
  REQ_INTEGRITY,
  REQ_META,
  REQ_NOMERGE,
  REQ_NOMERGE_FLAGS,
  REQ_NOWAIT,
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
  REQ_POLLED,
  REQ_PREFLUSH,
  REQ_PRIO,
  REQ_RAHEAD,
  REQ_SYNC,
} from '../kernel-abi.js';

import { DOUBLE_FIELD } from '../double-field.js';
import { FLAG } from '../trace/event.js';
import type { Bio } from '../ufq/ops.js';
import type { QueueLimits } from './limits.js';

/** bi_opf from a trace row's OP code and FLAG bits (trace/event.ts). */
export function opfFromTrace(op: number, flags: number): number {
  let opf = op & REQ_OP_MASK;
  if (flags & FLAG.SYNC) opf |= REQ_SYNC;
  if (flags & FLAG.META) opf |= REQ_META;
  if (flags & FLAG.RAHEAD) opf |= REQ_RAHEAD;
  if (flags & FLAG.FUA) opf |= REQ_FUA;
  if (flags & FLAG.PREFLUSH) opf |= REQ_PREFLUSH;
  if (flags & FLAG.ATOMIC) opf |= REQ_ATOMIC;
  return opf;
}

/** include/linux/blk_types.h op_is_write: the op's low bit. */
export function op_is_write(opf: number): boolean {
  return (opf & 1) !== 0;
}

/** include/linux/blk_types.h op_is_sync: reads, and anything with SYNC, FUA or PREFLUSH. */
export function op_is_sync(opf: number): boolean {
  return (opf & REQ_OP_MASK) === REQ_OP_READ || (opf & (REQ_SYNC | REQ_FUA | REQ_PREFLUSH)) !== 0;
}

/** include/linux/blk_types.h op_is_flush: FUA or PREFLUSH. */
export function op_is_flush(opf: number): boolean {
  return (opf & (REQ_FUA | REQ_PREFLUSH)) !== 0;
}

/** include/linux/bio.h bio_mergeable: no NOMERGE-class flag. */
export function bio_mergeable(bio: BioImpl): boolean {
  return (bio.bi_opf & REQ_NOMERGE_FLAGS) === 0;
}

export class BioIterImpl {
  bi_sector = DOUBLE_FIELD;
  bi_size = 0;

  constructor() {
    this.bi_sector = 0; // a double from the start (DOUBLE_FIELD)
  }
}

/** A bio. Fields a policy may read are typed by `Bio` in ufq/ops.ts. */
export class BioImpl implements Bio {
  readonly bi_iter = new BioIterImpl();
  bi_opf = 0;
  bi_ioprio = 0;
  /** Write hint of the submitter (always 0: traces do not carry it). */
  bi_write_hint = 0;
  bi_next: BioImpl | null = null;
  pid = 0;
  comm = '';
  /** Row of the I/O in the trace's IoTable; split pieces share it. */
  io = -1;
  /** Software context (the trace's CPU). */
  cpu = 0;
  /** Physical segments (see bioSegments). */
  nr_segs = 1;
  /** Bytes of the whole I/O this piece belongs to, for completion accounting. */
  ioBytes = 0;
  /** Free-list link while pooled. */
  poolNext: BioImpl | null = null;
}

/** Sectors of a bio (bio_sectors). */
export function bio_sectors(bio: BioImpl): number {
  return bio.bi_iter.bi_size / 512;
}

/** End sector of a bio (bio_end_sector). */
export function bio_end_sector(bio: BioImpl): number {
  return bio.bi_iter.bi_sector + bio.bi_iter.bi_size / 512;
}

/**
 * Physical segments of a bio (block/blk-merge.c bio_split_rw_at counts them from the bvecs).
 * SIMPLIFIED (docs/simplifications.md "segments"): traces do not show memory layout, so data is
 * taken as physically contiguous up to max_segment_size: ceil(bytes / max_segment_size).
 * Discards count one segment, write-zeroes and empty flushes none (blk_recalc_rq_segments).
 */
export function bioSegments(opf: number, bytes: number, lim: QueueLimits): number {
  const op = opf & REQ_OP_MASK;
  if (op === REQ_OP_DISCARD || op === REQ_OP_SECURE_ERASE) return 1;
  if (op === REQ_OP_WRITE_ZEROES || bytes === 0) return 0;
  return Math.ceil(bytes / lim.max_segment_size);
}

/**
 * Largest front piece of `bio`, sectors, or 0 when no split is needed (block/blk-merge.c
 * get_max_io_size / bio_split_rw_at / __bio_split_discard with no chunk_sectors, 512 B blocks).
 */
export function splitSectors(bio: BioImpl, lim: QueueLimits): number {
  const op = bio.bi_opf & REQ_OP_MASK;
  const sectors = bio.bi_iter.bi_size / 512;
  if (op === REQ_OP_DISCARD || op === REQ_OP_SECURE_ERASE) {
    return sectors > lim.max_discard_sectors ? lim.max_discard_sectors : 0;
  }
  if (op !== REQ_OP_READ && op !== REQ_OP_WRITE) return 0;
  const max = rwSplitSectors(lim);
  return sectors > max ? max : 0;
}

/** Largest read or write piece, sectors: the byte limit and the segment limit both bound it (bio_split_rw_at). */
function rwSplitSectors(lim: QueueLimits): number {
  return Math.min(lim.max_sectors, Math.floor((lim.max_segments * lim.max_segment_size) / 512));
}

/** Bytes up to which splitSectors returns 0 for every op: the smaller of its two limits. */
export function neverSplitBytes(lim: QueueLimits): number {
  return Math.min(rwSplitSectors(lim), lim.max_discard_sectors) * 512;
}

/** Pool of bios: the hot path takes and returns them instead of allocating. */
export class BioPool {
  private free: BioImpl | null = null;
  /** Bios taken and not yet returned. */
  live = 0;

  get(): BioImpl {
    this.live++;
    const b = this.free;
    if (b === null) return new BioImpl();
    this.free = b.poolNext;
    b.poolNext = null;
    return b;
  }

  put(b: BioImpl): void {
    this.live--;
    b.bi_next = null;
    b.io = -1;
    b.comm = '';
    b.poolNext = this.free;
    this.free = b;
  }
}
