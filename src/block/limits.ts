// Queue limits and sysfs knobs with the kernel's defaults (kernel-blk-mq §1.3), resolved once
// at queue creation into a plain object the hot paths trust. Field names are the sysfs names
// and units (`nr_requests`, `max_sectors_kb`, `nomerges`), as the CLI flags are.

import { UfqReplayError } from '../errors.js';

/** include/linux/blkdev.h BLKDEV_DEFAULT_RQ: requests per hctx before a scheduler doubles it. */
export const BLKDEV_DEFAULT_RQ = 128;
/** include/linux/blkdev.h BLKDEV_MIN_RQ. */
export const BLKDEV_MIN_RQ = 4;
/** block/blk-mq-sched.h MAX_SCHED_RQ = 16 * BLKDEV_DEFAULT_RQ. */
export const MAX_SCHED_RQ = 16 * BLKDEV_DEFAULT_RQ;
/**
 * Default max_sectors_kb: 1280 KiB = 2560 sectors (BLK_DEF_MAX_SECTORS_CAP before the 6.15
 * rework raised it to 4 MiB; the sample traces' queues report 1280).
 */
export const DEFAULT_MAX_SECTORS_KB = 1280;
/** include/linux/blkdev.h BLK_MAX_SEGMENTS. */
export const BLK_MAX_SEGMENTS = 128;
/** include/linux/blkdev.h BLK_MAX_SEGMENT_SIZE, bytes. */
export const BLK_MAX_SEGMENT_SIZE = 65536;
/** block/blk-settings.c: one discard range per request unless the driver says more. */
export const DEFAULT_MAX_DISCARD_SEGMENTS = 1;
/** Default discard size limit, sectors (UINT_MAX bytes >> 9, i.e. no practical limit). */
export const DEFAULT_MAX_DISCARD_SECTORS = 0xffffffff >>> 9;
/** block/blk.h BLK_MAX_REQUEST_COUNT: plug flush limit, requests (doubled with several queues). */
export const BLK_MAX_REQUEST_COUNT = 32;
/** block/blk.h BLK_PLUG_FLUSH_SIZE: plug flush size limit, bytes (128 KiB). */
export const BLK_PLUG_FLUSH_SIZE = 128 * 1024;
/**
 * block/blk-mq.c BLK_MQ_RESOURCE_DELAY and block/blk-mq-sched.c BLK_MQ_BUDGET_DELAY, ms. The
 * kernel arms the re-run for msecs_to_jiffies of it, on the timer wheel (block/jiffies.ts).
 */
export const BLK_MQ_RERUN_DELAY_MS = 3;
/** CONFIG_HZ default (ufq-model §6 item 9 suggests 1000). */
export const DEFAULT_HZ = 1000;

/** What a caller may set; every field is optional and defaults as the kernel does. */
export interface QueueLimitsInput {
  /** Scheduler tags per hctx (sysfs nr_requests); default 2 x min(queue depth, 128). */
  nr_requests?: number;
  /** Largest request, KiB (sysfs max_sectors_kb). */
  max_sectors_kb?: number;
  max_segments?: number;
  /** Bytes per segment; also how a bio's segment count is estimated (see bio.ts). */
  max_segment_size?: number;
  max_discard_segments?: number;
  max_discard_sectors?: number;
  /** 0 all merges, 1 one-hit cache only (noxmerges), 2 none (sysfs nomerges). */
  nomerges?: number;
  /** QUEUE_FLAG_STATS: on (wbt registers a stats callback) makes stats_sectors non-zero. */
  queue_stats?: boolean;
  /** CONFIG_HZ, for jiffies (fifo_time). */
  hz?: number;
}

/** Resolved limits. */
export interface QueueLimits {
  readonly nr_requests: number;
  readonly max_sectors_kb: number;
  /** max_sectors_kb * 2, sectors. */
  readonly max_sectors: number;
  readonly max_segments: number;
  readonly max_segment_size: number;
  readonly max_discard_segments: number;
  readonly max_discard_sectors: number;
  readonly nomerges: 0 | 1 | 2;
  readonly queue_stats: boolean;
  readonly hz: number;
}

function bad(field: string, value: unknown, expected: string): never {
  throw new UfqReplayError('FLAG_INVALID', `${field} ${String(value)} is invalid, expected ${expected}`, {
    hint: `set ${field} to ${expected}`,
  });
}

function int(field: string, v: number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min || v > max) bad(field, v, `an integer in ${min}..${max}`);
  return v;
}

/**
 * Limits for a queue whose device has `queueDepth` driver tags per hctx. Throws FLAG_INVALID
 * for an out-of-range value given by the caller (nr_requests 4..2048, block/blk-mq-sched.h;
 * max_sectors_kb >= 4, block/blk-settings.c minimum of 8 sectors).
 */
export function resolveLimits(queueDepth: number, input: QueueLimitsInput = {}): QueueLimits {
  // block/blk-mq-sched.c blk_mq_init_sched: default nr_requests = 2 x min(queue_depth, 128),
  // unclamped; a value written to sysfs must lie in BLKDEV_MIN_RQ..MAX_SCHED_RQ.
  const dfltNr = 2 * Math.min(queueDepth, BLKDEV_DEFAULT_RQ);
  const nr_requests = int('nr_requests', input.nr_requests, dfltNr, BLKDEV_MIN_RQ, MAX_SCHED_RQ);
  const max_sectors_kb = int('max_sectors_kb', input.max_sectors_kb, DEFAULT_MAX_SECTORS_KB, 4, 1 << 22);
  const nomerges = int('nomerges', input.nomerges, 0, 0, 2) as 0 | 1 | 2;
  return {
    nr_requests,
    max_sectors_kb,
    max_sectors: max_sectors_kb * 2,
    max_segments: int('max_segments', input.max_segments, BLK_MAX_SEGMENTS, 1, 65535),
    max_segment_size: int('max_segment_size', input.max_segment_size, BLK_MAX_SEGMENT_SIZE, 512, 2 ** 31),
    max_discard_segments: int(
      'max_discard_segments',
      input.max_discard_segments,
      DEFAULT_MAX_DISCARD_SEGMENTS,
      1,
      65535,
    ),
    max_discard_sectors: int(
      'max_discard_sectors',
      input.max_discard_sectors,
      DEFAULT_MAX_DISCARD_SECTORS,
      1,
      2 ** 32,
    ),
    nomerges,
    queue_stats: input.queue_stats ?? true,
    hz: int('hz', input.hz, DEFAULT_HZ, 24, 10000),
  };
}
