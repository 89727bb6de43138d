// A small printer of blkparse's default text line (trace-formats §2.1, §2.2) for tests: the
// header `%3d,%-3d %2d %8d %5d.%09d %5d %2s %3s ` and each action's tail, with the RWBS
// letters built from op and flags as §1.6 describes. Written from the spec, independent of
// the project's readers, so that print -> read round trips test the reader.
import { FLAG, OP } from '../../src/trace/event.js';

/** What a blkparse line shows of an event. */
export interface PrintableEvent {
  major: number;
  minor: number;
  cpu: number;
  seq: number;
  timeNs: number;
  pid: number;
  /** Action string: Q M F G S R D C P U UT I X B A m. */
  action: string;
  op: number;
  flags: number;
  sector: number;
  bytes: number;
  /** Negative errno (printed as the unsigned u16). */
  error: number;
  /** Name from PROCESS notes; null prints `(null)`. */
  comm: string | null;
  /** X: split sector; A: origin sector; U/UT: depth. */
  aux: number;
  /** A: origin device. */
  auxMajor: number;
  auxMinor: number;
  /** Message text (m). */
  msg: string;
  /** -t elapsed ns on I/D/C, or null. The passthrough form is chosen by FLAG.PC in flags. */
  elapsedNs: number | null;
  /** A message's cgroup id as blkparse prints it (`hex,hex`), or null. */
  cgroup: string | null;
}

function pad(s: string | number, w: number, left = false): string {
  const t = String(s);
  return left ? t.padEnd(w) : t.padStart(w);
}

/** RWBS per trace-formats §1.6, from the normalised op and flags. */
export function rwbsText(op: number, flags: number): string {
  let s = '';
  if (op === OP.FLUSH || flags & FLAG.PREFLUSH) s += 'F';
  if (op === OP.DISCARD) s += 'D';
  else if (op === OP.WRITE) s += 'W';
  else if (op === OP.READ) s += 'R';
  else s += 'N';
  if (flags & FLAG.FUA) s += 'F';
  if (flags & FLAG.RAHEAD) s += 'A';
  if (flags & FLAG.SYNC) s += 'S';
  if (flags & FLAG.META) s += 'M';
  return s;
}

function time(ns: number): string {
  const sec = Math.floor(ns / 1e9);
  return `${pad(sec, 5)}.${String(ns - sec * 1e9).padStart(9, '0')}`;
}

/** One line of blkparse default output for `e`. */
export function printBlkparse(e: PrintableEvent): string {
  const name = `[${e.comm ?? '(null)'}]`;
  const err = `[${e.error & 0xffff}]`;
  const pc = (e.flags & FLAG.PC) !== 0;
  const n = Math.floor(e.bytes / 512);
  const elapsed = e.elapsedNs === null ? '' : `(${pad(e.elapsedNs, 8)}) `;
  const seq = e.action === 'm' ? 0 : e.seq;
  const cg = e.action === 'm' && e.cgroup !== null ? `${e.cgroup} ` : '';
  const rwbs = e.action === 'm' ? 'N' : rwbsText(e.op, e.flags);
  const head = `${pad(e.major, 3)},${pad(e.minor, 3, true)} ${pad(e.cpu, 2)} ${pad(seq, 8)} ${time(e.timeNs)} ${pad(e.pid, 5)} ${cg}${pad(e.action, 2)} ${pad(rwbs, 3)} `;
  let tail: string;
  switch (e.action) {
    case 'Q':
    case 'I':
    case 'D':
    case 'B':
      if (pc) tail = `${e.bytes} ${name}`;
      else
        tail =
          n === 0 ? name : `${e.sector} + ${n} ${e.action === 'Q' || e.action === 'B' ? '' : elapsed}${name}`;
      break;
    case 'M':
    case 'F':
    case 'G':
    case 'S':
      tail = n === 0 ? name : `${e.sector} + ${n} ${name}`;
      break;
    case 'C':
    case 'R':
      if (pc) tail = err;
      else
        tail = n === 0 ? `${e.sector} ${err}` : `${e.sector} + ${n} ${e.action === 'C' ? elapsed : ''}${err}`;
      break;
    case 'P':
      tail = name;
      break;
    case 'U':
    case 'UT':
      tail = `${name} ${e.aux}`;
      break;
    case 'A':
      tail = `${e.sector} + ${n} <- (${e.auxMajor},${e.auxMinor}) ${e.aux}`;
      break;
    case 'X':
      tail = `${e.sector} / ${e.aux} ${name}`;
      break;
    default:
      tail = e.msg;
  }
  return head + tail;
}
