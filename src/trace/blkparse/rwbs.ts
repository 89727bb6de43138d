// blktrace's RWBS letters (blkparse text and the ftrace blk tracer) to OP + FLAG bits. The
// letters are derived from the action word's category bits (trace-formats §1.6), so the text
// is first turned back into those bits, and one mapping from bits to op/flags serves both the
// text and the binary form. Tracepoint RWBS (the kernel's blk_fill_rwbs) is ftrace/rwbs.ts.
import { flagsOf, opOf, TC } from '../blktrace/action.js';

/**
 * `op | flags << 8` for an event with category bits `cats` and length `bytes`: exactly the
 * binary reader's mapping (blktrace/action.ts opOf, flagsOf), so text and binary agree.
 */
export function opFlagsFromCategories(cats: number, bytes: number): number {
  const op = opOf(cats, bytes);
  return op | (flagsOf(cats, op, false) << 8);
}

// Character codes of the RWBS letters.
const L_F = 70;
const L_B = 66; // barrier: what old kernels and blkparse printed where F is now
const L_D = 68;
const L_W = 87;
const L_R = 82;
const L_N = 78;
const L_A = 65;
const L_S = 83;
const L_M = 77;
const L_E = 69;
const L_U = 85;

/** Marks an RWBS whose main letter is `R` (the event carried data). Above the 16 category bits. */
const HAS_DATA = 0x10000;

function isMainLetter(c: number): boolean {
  return c === L_D || c === L_W || c === L_R || c === L_N;
}

/**
 * Category bits of the RWBS token s[start, end), or -1 when it is not one. `R` implies data
 * (blkparse prints `N` for an empty read), so a reader of text need not know the byte count.
 * Returns the bits with bit 16 set when the letters imply data (see blkRwbsOpFlags).
 */
export function blkRwbsCategories(s: Uint8Array, start: number, end: number): number {
  if (end <= start) return -1;
  let i = start;
  let cats = 0;
  const c0 = s[i];
  if ((c0 === L_F || c0 === L_B) && end - start > 1 && isMainLetter(s[i + 1])) {
    cats |= TC.FLUSH;
    i++;
  }
  const main = s[i++];
  if (main === L_D) cats |= TC.DISCARD | TC.WRITE;
  else if (main === L_W) cats |= TC.WRITE;
  else if (main === L_R) cats |= TC.READ | HAS_DATA;
  else if (main === L_N) cats |= TC.READ;
  else return -1;
  for (; i < end; i++) {
    const c = s[i];
    if (c === L_F) cats |= TC.FUA;
    else if (c === L_A) cats |= TC.AHEAD;
    else if (c === L_S) cats |= TC.SYNC;
    else if (c === L_M) cats |= TC.META;
    else if (c === L_B) cats |= TC.FLUSH;
    else if (c !== L_E && c !== L_U) return -1; // E, U: accepted (§1.6), no category bit
  }
  return cats;
}

/** `op | flags << 8` for the RWBS token s[start, end), or -1 when it is not one. */
export function blkRwbsOpFlags(s: Uint8Array, start: number, end: number): number {
  const cats = blkRwbsCategories(s, start, end);
  if (cats < 0) return -1;
  return opFlagsFromCategories(cats & 0xffff, cats & HAS_DATA ? 1 : 0);
}
