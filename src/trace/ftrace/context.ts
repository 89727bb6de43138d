// The per-line context that ftrace `trace`, `trace-cmd report` and `perf script` print before
// an event (trace-formats §3.1, §3.3): `<comm>-<pid> [(tgid)] [cpu] [flags] secs.usecs:` (perf:
// `<comm> <pid>[/<tid>] [cpu] secs.usecs:`), then for tracepoints `[sys:]event:`. Walked
// byte by byte: the cpu bracket anchors the line, the pid is read backwards from it, so a
// comm may hold '-', blanks, digits and brackets. Results land in an FtraceContext.
import { CH, type Cursor, isDigit, isSpace } from '../blkparse/scan.js';

/** The comm ftrace prints when its comm cache no longer knows the pid. */
const UNKNOWN_COMM = '<...>';

/** Fields of the last parsed context (one object per decoder, reused for every line). */
export class FtraceContext {
  /** comm is s[commStart, commEnd). */
  commStart = 0;
  commEnd = 0;
  pid = 0;
  cpu = 0;
  /** Trace-clock time in ns (µs resolution for ftrace's default clocks). */
  timeNs = 0;
  /** True when the timestamp had no fraction: a counter clock (x86-tsc, counter), not ns. */
  rawClock = false;
  /** Event name s[eventStart, eventEnd) after parseEventName. */
  eventStart = 0;
  eventEnd = 0;

  /** True when the comm is `<...>` (then a name in the event body is the better one). */
  commUnknown(k: Cursor): boolean {
    return (
      this.commEnd - this.commStart === UNKNOWN_COMM.length && k.startsWith(UNKNOWN_COMM, this.commStart)
    );
  }

  /**
   * Parses the context from the cursor (at the line's first non-blank) and leaves the cursor
   * after the timestamp's ':'. False when the line has no such context.
   */
  parse(k: Cursor): boolean {
    const s = k.s;
    const i = k.p;
    const br = findCpuBracket(s, i, k.n);
    if (br < 0) return false;
    // Backwards from the bracket: blanks, an optional `(tgid)`, blanks, then the pid digits.
    let p = br - 1;
    while (p >= i && isSpace(s[p])) p--;
    if (p >= i && s[p] === CH.RPAREN) {
      while (p >= i && s[p] !== CH.LPAREN) p--;
      p--;
      while (p >= i && isSpace(s[p])) p--;
    }
    let q = p;
    while (q >= i && isDigit(s[q])) q--;
    if (q === p || q < i) return false;
    // perf script `pid/tid`: the pid blktrace would record is the tid (the digits read).
    const pidStart = q + 1;
    if (s[q] === CH.SLASH) {
      q--;
      while (q >= i && isDigit(s[q])) q--;
      if (q < i) return false;
    }
    // The separator before the pid: '-' (ftrace, trace-cmd) or a blank (perf script).
    const sep = s[q];
    if (sep !== CH.MINUS && !isSpace(sep)) return false;
    let ce = q;
    while (ce > i && isSpace(s[ce - 1])) ce--;
    this.commStart = i;
    this.commEnd = ce;
    k.p = pidStart;
    this.pid = k.uint();
    k.p = br + 1;
    this.cpu = k.uint();
    k.p++;
    k.spaces();
    // Forwards: optional irq-info flags, then the timestamp and ':'.
    if (!this.timestamp(k)) {
      k.token();
      k.spaces();
      if (!this.timestamp(k)) return false;
    }
    return true;
  }

  /** `secs.frac:` (or a raw counter `N:`) at the cursor into timeNs; moves past the ':'. */
  private timestamp(k: Cursor): boolean {
    const start = k.p;
    let t = k.secondsNs();
    this.rawClock = t < 0;
    if (t < 0) {
      t = k.uint();
      if (k.digits === 0) return false;
    }
    if (!k.eat(CH.COLON)) {
      k.p = start;
      return false;
    }
    this.timeNs = t;
    return true;
  }

  /**
   * Reads a tracepoint name `[sys:]event:` at the cursor (after blanks) into
   * eventStart/eventEnd and moves past its ':'. perf script prefixes the system (`block:`).
   */
  parseEventName(k: Cursor): boolean {
    k.spaces();
    const s = k.s;
    const n = k.n;
    let start = k.p;
    for (let i = start; i < n; i++) {
      const c = s[i];
      if (c === CH.COLON) {
        if (i + 1 < n && !isSpace(s[i + 1])) {
          start = i + 1; // `sys:event:` — the name starts after the system's colon
          continue;
        }
        if (i === start) return false;
        this.eventStart = start;
        this.eventEnd = i;
        k.p = i + 1;
        return true;
      }
      if (isSpace(c)) return false;
    }
    return false;
  }
}

/** Index of the `[cpu]` bracket in s[from, end): a '[' after a blank, then digits and ']'; -1 if none. */
function findCpuBracket(s: Uint8Array, from: number, end: number): number {
  for (let b = from + 1; b < end; b++) {
    if (s[b] !== CH.LBRACKET || !isSpace(s[b - 1])) continue;
    let e = b + 1;
    while (e < end && isDigit(s[e])) e++;
    if (e > b + 1 && e < end && s[e] === CH.RBRACKET) return b;
  }
  return -1;
}
