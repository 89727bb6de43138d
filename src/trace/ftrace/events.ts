// The block tracepoints (include/trace/events/block.h; trace-formats §3.2) and what each one
// becomes: the body layout to parse, the ACT code, and whether blktrace would mark it as a
// request event (FLAG.FS). Events that carry nothing for I/O timing are counted and skipped.
import { ACT } from '../event.js';

/** Body layouts. */
export const TP = {
  /** `maj,min RWBS SECTOR + NSECT [COMM]` */
  BIO: 1,
  /** block_bio_complete: `maj,min RWBS SECTOR + NSECT [ERR]` */
  BIO_ERR: 2,
  /** `maj,min RWBS BYTES (CMD) SECTOR + NSECT [PRIO] [COMM]` */
  RQ: 3,
  /** `maj,min RWBS (CMD) SECTOR + NSECT [PRIO] [ERR]` */
  RQ_ERR: 4,
  /** block_plug: `[COMM]` */
  PLUG: 5,
  /** block_unplug: `[COMM] NR_RQ` */
  UNPLUG: 6,
  /** block_split: `maj,min RWBS SECTOR / NEW_SECTOR [COMM]` */
  SPLIT: 7,
  /** `maj,min RWBS SECTOR + NSECT <- (maj,min) OLD_SECTOR [NR_BIOS]` */
  REMAP: 8,
  /** Counted and skipped. */
  SKIP: 9,
} as const;

export interface TracepointEvent {
  readonly name: string;
  readonly layout: number;
  readonly act: number;
  /** A request event: blktrace sets the FS (or PC) category on it (trace-formats §1.5). */
  readonly request: boolean;
  /** Warning reason when skipped. */
  readonly skipReason: string;
}

function ev(name: string, layout: number, act: number, request = false): TracepointEvent {
  return { name, layout, act, request, skipReason: `tracepoint: ${name} events skipped (no I/O stage)` };
}

/** Request-event names with special handling in the decoder. */
export const RQ_COMPLETE = 'block_rq_complete';
export const RQ_ERROR = 'block_rq_error';

const EVENTS: TracepointEvent[] = [
  ev('block_bio_queue', TP.BIO, ACT.Q),
  ev('block_bio_backmerge', TP.BIO, ACT.M),
  ev('block_bio_frontmerge', TP.BIO, ACT.F),
  ev('block_getrq', TP.BIO, ACT.G),
  ev('block_sleeprq', TP.BIO, ACT.S), // old kernels
  ev('block_bio_bounce', TP.BIO, ACT.B), // old kernels
  ev('block_bio_complete', TP.BIO_ERR, ACT.C), // a bio completion: no FS, as in blktrace
  ev('block_rq_insert', TP.RQ, ACT.I, true),
  ev('block_rq_issue', TP.RQ, ACT.D, true),
  // A request merged into another (blk-merge.c attempt_merge): FS tells it from a bio merge.
  ev('block_rq_merge', TP.RQ, ACT.M, true),
  ev('block_rq_requeue', TP.RQ_ERR, ACT.R, true),
  ev(RQ_COMPLETE, TP.RQ_ERR, ACT.C, true),
  ev(RQ_ERROR, TP.RQ_ERR, ACT.C, true),
  ev('block_plug', TP.PLUG, ACT.P),
  // The explicit/implicit distinction is a tracepoint argument that TP_printk does not print
  // (block.h block_unplug), so every unplug reads as U (UNPLUG_IO), blktrace's common case.
  ev('block_unplug', TP.UNPLUG, ACT.U),
  ev('block_split', TP.SPLIT, ACT.X),
  ev('block_bio_remap', TP.REMAP, ACT.A),
  ev('block_rq_remap', TP.REMAP, ACT.A),
  ev('block_io_start', TP.SKIP, 0),
  ev('block_io_done', TP.SKIP, 0),
  ev('block_touch_buffer', TP.SKIP, 0),
  ev('block_dirty_buffer', TP.SKIP, 0),
  ev('block_rq_tag_wait', TP.SKIP, 0),
  ev('blkdev_zone_mgmt', TP.SKIP, 0),
  ev('disk_zone_wplug_add_bio', TP.SKIP, 0),
  ev('blk_zone_wplug_bio', TP.SKIP, 0),
  ev('blk_zone_append_update_request_bio', TP.SKIP, 0),
];

/** Events by name length, so a lookup compares a few names in place (no substring). */
const BY_LENGTH: TracepointEvent[][] = [];
for (const e of EVENTS) {
  const bucket = BY_LENGTH[e.name.length] ?? [];
  bucket.push(e);
  BY_LENGTH[e.name.length] = bucket;
}

/** The tracepoint named s[start, end), or undefined when it is not a known block event. */
export function lookupEvent(s: Uint8Array, start: number, end: number): TracepointEvent | undefined {
  const bucket = BY_LENGTH[end - start];
  if (bucket === undefined) return undefined;
  for (let j = 0; j < bucket.length; j++) {
    // Compared from the end: the names share their `block_` / `block_rq_` openings.
    const name = bucket[j].name;
    let i = end - start - 1;
    while (i >= 0 && s[start + i] === name.charCodeAt(i)) i--;
    if (i < 0) return bucket[j];
  }
  return undefined;
}
