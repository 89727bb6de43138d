// The blktrace action word (trace-formats §1.5-§1.7): category bits, the cgroup bit, action and
// notify codes, and their mapping to the normalised OP and FLAG columns and back. The RWBS
// string is derived here too (§1.6). No byte handling: callers pass decoded numbers.
import { ACT, FLAG, OP } from '../event.js';

/** Category bits (BLK_TC_*), as they sit in `action >>> 16` (include/uapi/linux/blktrace_api.h). */
export const TC = {
  READ: 1 << 0,
  WRITE: 1 << 1,
  FLUSH: 1 << 2,
  SYNC: 1 << 3,
  QUEUE: 1 << 4,
  REQUEUE: 1 << 5,
  ISSUE: 1 << 6,
  COMPLETE: 1 << 7,
  FS: 1 << 8,
  PC: 1 << 9,
  NOTIFY: 1 << 10,
  AHEAD: 1 << 11,
  META: 1 << 12,
  DISCARD: 1 << 13,
  DRV_DATA: 1 << 14,
  FUA: 1 << 15,
  // v8 only (provisional, trace-formats §1.12): bits above 15 land in the high action word.
  ZONE_APPEND: 1 << 16,
  ZONE_RESET: 1 << 17,
  ZONE_RESET_ALL: 1 << 18,
  ZONE_FINISH: 1 << 19,
  ZONE_OPEN: 1 << 20,
  ZONE_CLOSE: 1 << 21,
  WRITE_ZEROES: 1 << 22,
} as const;

/** Category bits are stored shifted left by this many bits in the action word. */
export const TC_SHIFT = 16;
/** __BLK_TA_CGROUP / __BLK_TN_CGROUP: the PDU starts with a u64 cgroup id. */
export const TA_CGROUP = 0x100;
/** Size of that cgroup id, bytes. */
export const CGROUP_ID_BYTES = 8;
/** Notify codes (__BLK_TN_*), valid when the NOTIFY category is set. */
export const TN = { PROCESS: 0, TIMESTAMP: 1, MESSAGE: 2 } as const;
/** TASK_COMM_LEN: bytes of a PROCESS note's name (include/linux/sched.h). */
export const COMM_BYTES = 16;
/** Highest action code per version: DRV_DATA (17) in v7, ZONE_UNPLUG (19) in v8. */
export const MAX_ACTION_V7 = ACT.DRV;
export const MAX_ACTION_V8 = ACT.ZU;

// v8 operation categories, checked before the v7 direction bits (trace-formats §1.12).
const ZONE_OPS: ReadonlyArray<readonly [number, number]> = [
  [TC.ZONE_APPEND, OP.ZONE_APPEND],
  [TC.ZONE_RESET_ALL, OP.ZONE_RESET_ALL],
  [TC.ZONE_RESET, OP.ZONE_RESET],
  [TC.ZONE_FINISH, OP.ZONE_FINISH],
  [TC.ZONE_OPEN, OP.ZONE_OPEN],
  [TC.ZONE_CLOSE, OP.ZONE_CLOSE],
  [TC.WRITE_ZEROES, OP.WRITE_ZEROES],
];
const ZONE_MASK = ZONE_OPS.reduce((m, [bit]) => m | bit, 0);

/**
 * The operation of a record, from its category bits and length, in the order blkparse builds
 * the RWBS letter (trace-formats §1.6): DISCARD, then WRITE, then an empty non-write FLUSH,
 * then READ when there are bytes; anything else (plug, unplug) has no operation.
 */
export function opOf(cats: number, bytes: number): number {
  if ((cats & ZONE_MASK) !== 0) {
    for (const [bit, op] of ZONE_OPS) if ((cats & bit) !== 0) return op;
  }
  if ((cats & TC.DISCARD) !== 0) return OP.DISCARD;
  if ((cats & TC.WRITE) !== 0) return OP.WRITE;
  if ((cats & TC.FLUSH) !== 0 && bytes === 0) return OP.FLUSH;
  if (bytes !== 0) return OP.READ;
  return OP.NONE;
}

/** FLAG bits of a record; a FLUSH category on anything but an empty flush is a pre-flush. */
export function flagsOf(cats: number, op: number, cgroup: boolean): number {
  let f = 0;
  if ((cats & TC.SYNC) !== 0) f |= FLAG.SYNC;
  if ((cats & TC.META) !== 0) f |= FLAG.META;
  if ((cats & TC.AHEAD) !== 0) f |= FLAG.RAHEAD;
  if ((cats & TC.FUA) !== 0) f |= FLAG.FUA;
  if ((cats & TC.FLUSH) !== 0 && op !== OP.FLUSH) f |= FLAG.PREFLUSH;
  if ((cats & TC.PC) !== 0) f |= FLAG.PC;
  if ((cats & TC.FS) !== 0) f |= FLAG.FS;
  if (cgroup) f |= FLAG.CGROUP;
  return f;
}

/** Category the kernel ORs into each action code (BLK_TA_* values, trace-formats §1.5). */
export function baseCategory(action: number): number {
  switch (action) {
    case ACT.R:
      return TC.REQUEUE;
    case ACT.D:
      return TC.ISSUE;
    case ACT.C:
      return TC.COMPLETE;
    case ACT.X:
    case ACT.B:
      return 0;
    case ACT.DRV:
      return TC.DRV_DATA;
    case ACT.m:
      return TC.NOTIFY;
    default:
      return TC.QUEUE;
  }
}

/**
 * Category bits that encode (action, op, flags) in a v7 record: the inverse of opOf/flagsOf.
 * v7 has no zone or write-zeroes categories, so those ops are written as plain writes, and a
 * secure erase as a discard.
 */
export function categoriesFor(action: number, op: number, flags: number): number {
  let cats = baseCategory(action);
  if (action === ACT.m) return cats;
  switch (op) {
    case OP.DISCARD:
    case OP.SECURE_ERASE:
      cats |= TC.WRITE | TC.DISCARD;
      break;
    case OP.FLUSH:
      cats |= TC.READ | TC.FLUSH;
      break;
    case OP.READ:
    case OP.NONE:
      // The kernel records plugs and unplugs with op READ, so they carry the READ bit too.
      cats |= TC.READ;
      break;
    default:
      cats |= TC.WRITE;
  }
  if ((flags & FLAG.PREFLUSH) !== 0) cats |= TC.FLUSH;
  if ((flags & FLAG.SYNC) !== 0) cats |= TC.SYNC;
  if ((flags & FLAG.META) !== 0) cats |= TC.META;
  if ((flags & FLAG.RAHEAD) !== 0) cats |= TC.AHEAD;
  if ((flags & FLAG.FUA) !== 0) cats |= TC.FUA;
  if ((flags & FLAG.PC) !== 0) cats |= TC.PC;
  if ((flags & FLAG.FS) !== 0) cats |= TC.FS;
  return cats;
}

/** RWBS as blkparse prints it (trace-formats §1.6), from the normalised op and flags. */
export function rwbsOf(op: number, flags: number): string {
  let s = '';
  if (op === OP.FLUSH || (flags & FLAG.PREFLUSH) !== 0) s += 'F';
  if (op === OP.DISCARD || op === OP.SECURE_ERASE) s += 'D';
  else if (op === OP.READ) s += 'R';
  else if (op === OP.NONE || op === OP.FLUSH) s += 'N';
  else s += 'W';
  if ((flags & FLAG.FUA) !== 0) s += 'F';
  if ((flags & FLAG.RAHEAD) !== 0) s += 'A';
  if ((flags & FLAG.SYNC) !== 0) s += 'S';
  if ((flags & FLAG.META) !== 0) s += 'M';
  return s;
}

/**
 * False for events that carry no sector: plug, unplugs and messages. Everything else keeps the
 * recorded sector, including empty flushes (blkparse prints it on their C lines).
 */
export function hasSector(action: number): boolean {
  return action !== ACT.P && action !== ACT.U && action !== ACT.UT && action !== ACT.m;
}
