// RWBS strings for the columnar and CSV formats: derived from (op, flags, bytes) the way
// blkparse builds them (trace-formats §1.6), and parsed back tolerantly from blkparse or
// tracepoint text (§3.2) when a CSV gives rwbs instead of op and flags.
import { FLAG, OP } from '../event.js';

const cache = new Map<number, string>();

/** kernel include/linux/blk_types.h op_is_write: odd REQ_OP numbers write. */
function opIsWrite(op: number): boolean {
  return op !== OP.NONE && (op & 1) === 1;
}

/** The blkparse RWBS of an event (trace-formats §1.6). Cached: few distinct values occur. */
export function rwbsOf(op: number, flags: number, bytes: number): string {
  const key = op * 131072 + (flags & 0xffff) * 2 + (bytes !== 0 ? 1 : 0);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let s = '';
  if (flags & FLAG.PREFLUSH || op === OP.FLUSH) s += 'F';
  if (op === OP.DISCARD || op === OP.SECURE_ERASE) s += 'D';
  else if (opIsWrite(op)) s += 'W';
  else if (bytes !== 0) s += 'R';
  else s += 'N';
  if (flags & FLAG.FUA) s += 'F';
  if (flags & FLAG.RAHEAD) s += 'A';
  if (flags & FLAG.SYNC) s += 'S';
  if (flags & FLAG.META) s += 'M';
  cache.set(key, s);
  return s;
}

export interface ParsedRwbs {
  op: number;
  flags: number;
}

/** Zone op letters after `Z` in tracepoint RWBS (include/trace/events/block.h blk_fill_rwbs). */
const ZONE_OPS: Record<string, number> = {
  A: OP.ZONE_APPEND,
  R: OP.ZONE_RESET,
  F: OP.ZONE_FINISH,
  O: OP.ZONE_OPEN,
  C: OP.ZONE_CLOSE,
};

/**
 * Parses blkparse or tracepoint RWBS (`WS`, `FWFS`, `FN`, `RA`, `DE`, `ZRA`, `B`...).
 * Returns undefined for a string with no operation letter at all.
 */
export function parseRwbs(s: string): ParsedRwbs | undefined {
  let i = 0;
  let flags = 0;
  let op = -1;
  let leadingF = false;
  if (s[0] === 'F' || s[0] === 'B') {
    // 'B' is the pre-2.6.36 "barrier" letter in the same place as today's flush 'F'.
    leadingF = true;
    i = 1;
  }
  const c = s[i];
  if (c === 'D') {
    op = s[i + 1] === 'E' ? OP.SECURE_ERASE : OP.DISCARD;
    i += op === OP.SECURE_ERASE ? 2 : 1;
  } else if (c === 'W') {
    op = OP.WRITE;
    i++;
  } else if (c === 'R') {
    op = OP.READ;
    i++;
  } else if (c === 'N') {
    op = leadingF ? OP.FLUSH : OP.NONE;
    i++;
  } else if (c === 'Z' && ZONE_OPS[s[i + 1]] !== undefined) {
    op = ZONE_OPS[s[i + 1]];
    i += 2;
    if (op === OP.ZONE_RESET && s[i] === 'A') {
      op = OP.ZONE_RESET_ALL;
      i++;
    }
  } else if (leadingF) {
    // A tracepoint prints a bare flush request as "F" (blk_fill_rwbs).
    op = OP.FLUSH;
  }
  if (op < 0) return undefined;
  if (leadingF && op !== OP.FLUSH) flags |= FLAG.PREFLUSH;
  for (; i < s.length; i++) {
    const ch = s[i];
    if (ch === 'F') flags |= FLAG.FUA;
    else if (ch === 'A') flags |= FLAG.RAHEAD;
    else if (ch === 'S') flags |= FLAG.SYNC;
    else if (ch === 'M') flags |= FLAG.META;
    else if (ch === 'U') flags |= FLAG.ATOMIC;
  }
  return { op, flags };
}
