// The RWBS string of block tracepoints, as the kernel's blk_fill_rwbs builds it from the
// request flags (kernel/trace/blktrace.c; trace-formats §3.2): `F` for a pre-flush, the
// operation (W R D DE F ZA ZR ZRA ZF ZO ZC N, and WZ in one revision), then F(UA) A(head)
// S(ync) M(eta) U/a (atomic). Unlike blktrace's RWBS (blkparse/rwbs.ts) it names the op itself.
import { FLAG, OP } from '../event.js';

const L_A = 65;
const L_C = 67;
const L_D = 68;
const L_E = 69;
const L_F = 70;
const L_M = 77;
const L_N = 78;
const L_O = 79;
const L_R = 82;
const L_S = 83;
const L_U = 85;
const L_W = 87;
const L_Z = 90;
const L_a = 97;

function isOpLetter(c: number): boolean {
  return c === L_W || c === L_R || c === L_D || c === L_F || c === L_Z || c === L_N;
}

/**
 * `op | flags << 8` for the tracepoint RWBS token s[start, end), or -1 when it is not one.
 * `FF` reads as pre-flush + flush (what blk-flush.c's flush request prints), not flush + FUA.
 * As in the binary reader, a flush operation does not also carry FLAG.PREFLUSH.
 */
export function tracepointRwbsOpFlags(s: Uint8Array, start: number, end: number): number {
  if (end <= start) return -1;
  let i = start;
  let flags = 0;
  if (s[i] === L_F && end - start > 1 && isOpLetter(s[i + 1])) {
    flags |= FLAG.PREFLUSH;
    i++;
  }
  let op: number;
  const c = s[i++];
  const next = i < end ? s[i] : 0;
  if (c === L_W) {
    op = OP.WRITE;
    if (next === L_Z) {
      op = OP.WRITE_ZEROES;
      i++;
    }
  } else if (c === L_R) op = OP.READ;
  else if (c === L_D) {
    op = OP.DISCARD;
    if (next === L_E) {
      op = OP.SECURE_ERASE;
      i++;
    }
  } else if (c === L_F) op = OP.FLUSH;
  else if (c === L_N) op = OP.NONE;
  else if (c === L_Z) {
    i++;
    if (next === L_A) op = OP.ZONE_APPEND;
    else if (next === L_F) op = OP.ZONE_FINISH;
    else if (next === L_O) op = OP.ZONE_OPEN;
    else if (next === L_C) op = OP.ZONE_CLOSE;
    else if (next === L_R) {
      op = OP.ZONE_RESET;
      if (i < end && s[i] === L_A) {
        op = OP.ZONE_RESET_ALL;
        i++;
      }
    } else return -1;
  } else return -1;
  for (; i < end; i++) {
    const f = s[i];
    if (f === L_F) flags |= FLAG.FUA;
    else if (f === L_A) flags |= FLAG.RAHEAD;
    else if (f === L_S) flags |= FLAG.SYNC;
    else if (f === L_M) flags |= FLAG.META;
    else if (f === L_U || f === L_a) flags |= FLAG.ATOMIC;
    else return -1;
  }
  if (op === OP.FLUSH) flags &= ~FLAG.PREFLUSH;
  return op | (flags << 8);
}
