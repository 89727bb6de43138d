// The per-action tail of a blktrace text line (what follows the RWBS token), shared by
// blkparse's default output (trace-formats §2.1) and the ftrace blk tracer (§3.1), which print
// the same tails. Fills sector, bytes, error, aux, auxDev and comm of one batch row.
// Messages (`m`) have free text instead and are handled by the callers.
import { ACT, devOf, type EventBatch, NO_SECTOR } from '../event.js';
import type { CommCache } from './comm-cache.js';
import { CH, type Cursor, isDigit, isSpace } from './scan.js';

/** parseBlkTail results: which tail form the line had. */
export const TAIL = {
  BAD: -1,
  /** A tail with no FS/PC distinction (P, U, UT, A, X). */
  PLAIN: 0,
  /** The filesystem-request form `S + n ...` (or `[name]` / `S [err]` when n = 0). */
  FS: 1,
  /** The passthrough form: `bytes (pdu) [name]`, `(pdu) [err]`, `[err]`. */
  PC: 2,
} as const;

/** Tail layouts, by ACT code. */
const KIND_GENERIC = 1; // Q M F G S I D B: `S + n [name]`
const KIND_ERROR = 2; // C R: `S + n [err]`
const KIND_PLUG = 3; // P: `[name]`
const KIND_UNPLUG = 4; // U UT: `[name] depth`
const KIND_REMAP = 5; // A: `S + n <- (maj,min) from`
const KIND_SPLIT = 6; // X: `S / split [name]`

const KIND = new Uint8Array(64);
for (const a of [ACT.Q, ACT.M, ACT.F, ACT.G, ACT.S, ACT.I, ACT.D, ACT.B]) KIND[a] = KIND_GENERIC;
KIND[ACT.C] = KIND_ERROR;
KIND[ACT.R] = KIND_ERROR;
KIND[ACT.P] = KIND_PLUG;
KIND[ACT.U] = KIND_UNPLUG;
KIND[ACT.UT] = KIND_UNPLUG;
KIND[ACT.A] = KIND_REMAP;
KIND[ACT.X] = KIND_SPLIT;

/** 512-byte sectors, the unit of every sector and `n` in the text (trace-formats conventions). */
export const SECTOR_BYTES = 512;

/**
 * blktrace stores a negative errno in a u16 and the tools print it unsigned (trace-formats
 * §1.9): 65531 is -5 (EIO). Decode as int16; a value printed negative is kept as is.
 */
export function errorFromPrinted(v: number): number {
  return v >= 0x8000 && v <= 0xffff ? v - 0x10000 : v;
}

/**
 * Parses the tail of action `act` at the cursor into row `row` of `b` (sector, bytes, error,
 * aux, auxDev, comm). `pid` keys the name cache. Returns a TAIL value; TAIL.BAD leaves the row
 * partly written, which is harmless because the caller does not commit it.
 */
export function parseBlkTail(
  k: Cursor,
  act: number,
  b: EventBatch,
  row: number,
  pid: number,
  comms: CommCache,
): number {
  b.sector[row] = NO_SECTOR;
  b.bytes[row] = 0;
  b.error[row] = 0;
  b.aux[row] = 0;
  b.auxDev[row] = 0;
  b.comm[row] = 0;
  switch (KIND[act]) {
    case KIND_GENERIC:
      return tailGeneric(k, b, row, pid, comms);
    case KIND_ERROR:
      return tailError(k, b, row);
    case KIND_PLUG:
      return bracketName(k, k.n, b, row, pid, comms) ? TAIL.PLAIN : TAIL.BAD;
    case KIND_UNPLUG:
      return tailUnplug(k, b, row, pid, comms);
    case KIND_REMAP:
      return tailRemap(k, b, row);
    case KIND_SPLIT:
      return tailSplit(k, b, row, pid, comms);
    default:
      return TAIL.BAD;
  }
}

/**
 * `[name]` from the cursor to the last `]` before `end` (names may hold blanks, `/` and
 * brackets): interns it as row `row`'s comm. False when the text there is not a bracketed name.
 */
export function bracketName(
  k: Cursor,
  end: number,
  b: EventBatch,
  row: number,
  pid: number,
  comms: CommCache,
): boolean {
  const s = k.s;
  let e = end;
  while (e > k.p && isSpace(s[e - 1])) e--;
  if (e - k.p < 2 || s[k.p] !== CH.LBRACKET || s[e - 1] !== CH.RBRACKET) return false;
  b.comm[row] = comms.intern(s, k.p + 1, e - 1, pid);
  k.p = end;
  return true;
}

/** Skips a parenthesised group (a PDU hex dump or a `-t` elapsed value; both may hold blanks). */
function skipParens(k: Cursor): boolean {
  const close = k.indexOf(CH.RPAREN, k.p + 1);
  if (close < 0) return false;
  k.p = close + 1;
  k.spaces();
  return true;
}

/** After a sector was read: ` + n` into bytes. False when there is no `+`. */
function plusCount(k: Cursor, b: EventBatch, row: number): boolean {
  k.spaces();
  if (!k.eat(CH.PLUS)) return false;
  k.spaces();
  const n = k.uint();
  if (k.digits === 0) return false;
  b.bytes[row] = n * SECTOR_BYTES;
  k.spaces();
  return true;
}

/** A sector number at the cursor; the all-ones flush sector becomes NO_SECTOR. -2 when none. */
function sector(k: Cursor): number {
  const v = k.uint();
  if (k.digits === 0) return -2;
  return k.wasAllOnes() ? NO_SECTOR : v;
}

function tailGeneric(k: Cursor, b: EventBatch, row: number, pid: number, comms: CommCache): number {
  if (k.at() === CH.LBRACKET) return bracketName(k, k.n, b, row, pid, comms) ? TAIL.FS : TAIL.BAD;
  const first = sector(k);
  if (first === -2) return TAIL.BAD;
  if (plusCount(k, b, row)) {
    b.sector[row] = first;
    if (k.at() === CH.LPAREN && !skipParens(k)) return TAIL.BAD; // blkparse -t: (elapsed ns)
    return bracketName(k, k.n, b, row, pid, comms) ? TAIL.FS : TAIL.BAD;
  }
  // Passthrough: `bytes [name]` or `bytes (pdu) [name]`.
  b.bytes[row] = first;
  if (k.at() === CH.LPAREN && !skipParens(k)) return TAIL.BAD;
  return bracketName(k, k.n, b, row, pid, comms) ? TAIL.PC : TAIL.BAD;
}

/** `[err]` at the cursor, ending the line. */
function tailErr(k: Cursor, b: EventBatch, row: number): boolean {
  if (!k.eat(CH.LBRACKET)) return false;
  const v = k.int();
  if (k.digits === 0 || !k.eat(CH.RBRACKET)) return false;
  b.error[row] = errorFromPrinted(v);
  k.spaces();
  return k.atEnd();
}

function tailError(k: Cursor, b: EventBatch, row: number): number {
  const c = k.at();
  if (c === CH.LPAREN) return skipParens(k) && tailErr(k, b, row) ? TAIL.PC : TAIL.BAD;
  if (c === CH.LBRACKET) return tailErr(k, b, row) ? TAIL.PC : TAIL.BAD;
  const first = sector(k);
  if (first === -2) return TAIL.BAD;
  b.sector[row] = first;
  if (plusCount(k, b, row)) {
    if (k.at() === CH.LPAREN && !skipParens(k)) return TAIL.BAD; // blkparse -t: (elapsed ns)
  } // else `S [err]`: n = 0
  return tailErr(k, b, row) ? TAIL.FS : TAIL.BAD;
}

function tailUnplug(k: Cursor, b: EventBatch, row: number, pid: number, comms: CommCache): number {
  const s = k.s;
  const e = k.trimmedEnd();
  let d = e;
  while (d > k.p && isDigit(s[d - 1])) d--;
  if (d === e) return TAIL.BAD;
  const from = k.p;
  k.p = d;
  b.aux[row] = k.uint();
  k.p = from;
  return bracketName(k, d, b, row, pid, comms) ? TAIL.PLAIN : TAIL.BAD;
}

/** `S + n <- (maj,min) from`. */
function tailRemap(k: Cursor, b: EventBatch, row: number): number {
  b.sector[row] = sector(k);
  if (b.sector[row] === -2 || !plusCount(k, b, row)) return TAIL.BAD;
  return remapOrigin(k, b, row) && k.atEnd() ? TAIL.PLAIN : TAIL.BAD;
}

/**
 * `<- (maj,min) from` at the cursor into auxDev and aux; the cursor ends after `from` and
 * any blanks (block_rq_remap prints one more number, which its caller reads).
 */
export function remapOrigin(k: Cursor, b: EventBatch, row: number): boolean {
  if (!k.eat(CH.LT) || !k.eat(CH.MINUS)) return false;
  k.spaces();
  if (!k.eat(CH.LPAREN)) return false;
  k.spaces();
  const major = k.uint();
  if (k.digits === 0) return false;
  k.spaces();
  if (!k.eat(CH.COMMA)) return false;
  k.spaces();
  const minor = k.uint();
  if (k.digits === 0) return false;
  k.spaces();
  if (!k.eat(CH.RPAREN)) return false;
  k.spaces();
  const from = k.uint();
  if (k.digits === 0) return false;
  b.auxDev[row] = devOf(major, minor);
  b.aux[row] = from;
  k.spaces();
  return true;
}

function tailSplit(k: Cursor, b: EventBatch, row: number, pid: number, comms: CommCache): number {
  const first = k.uint();
  if (k.digits === 0) return TAIL.BAD;
  b.sector[row] = first;
  k.spaces();
  if (!k.eat(CH.SLASH)) return TAIL.BAD;
  k.spaces();
  const split = k.uint();
  if (k.digits === 0) return TAIL.BAD;
  b.aux[row] = split;
  k.spaces();
  return bracketName(k, k.n, b, row, pid, comms) ? TAIL.PLAIN : TAIL.BAD;
}
