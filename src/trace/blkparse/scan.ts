// Allocation-free scanning of one text line as bytes: the building block of the blkparse,
// ftrace blk and tracepoint decoders. A Cursor walks a line (a byte range of the input
// buffer, never past its end) left to right; each reader advances it past what it read and
// leaves the text untouched when there is nothing to read. Numbers are read straight from the
// bytes; a string is made only on request (names, messages, error text). The formats' syntax
// is ASCII, and every byte of a multi-byte UTF-8 character is >= 0x80, so no byte of one can
// be mistaken for a delimiter. Not a tokenizer: callers decide what comes next.

const SPACE = 32;
const TAB = 9;
const ZERO = 48;
const NINE = 57;

/** The flush sector of block tracepoints, (sector_t)-1, as the kernel prints it (trace-formats §3.2). */
const ALL_ONES_U64 = '18446744073709551615';

/** Keeps a U+FEFF inside a line (only the stream's first one is a byte-order mark, see ByteLines). */
const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** 10^k for k = 0..9: ns per unit of a fraction with 9 - k digits. */
const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Character codes used by the decoders. */
export const CH = {
  SPACE,
  TAB,
  COMMA: 44,
  DOT: 46,
  SLASH: 47,
  COLON: 58,
  PLUS: 43,
  MINUS: 45,
  LT: 60,
  LPAREN: 40,
  RPAREN: 41,
  LBRACKET: 91,
  RBRACKET: 93,
  HASH: 35,
} as const;

export function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

export function isSpace(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** True when buf[at, end) starts with the ASCII text `word`. */
export function startsWithAscii(buf: Uint8Array, at: number, end: number, word: string): boolean {
  const n = word.length;
  if (at < 0 || at + n > end) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** buf[start, end) as a string (UTF-8, invalid bytes replaced as TextDecoder does). */
export function textOf(buf: Uint8Array, start: number, end: number): string {
  return end > start ? utf8.decode(buf.subarray(start, end)) : '';
}

/** A position in one line. Methods read at `p` and move it; `digits` tells what a number read saw. */
export class Cursor {
  /** The buffer holding the line. */
  s: Uint8Array = new Uint8Array(0);
  /** End of the line in `s` (exclusive). */
  n = 0;
  /** Current index in `s`. */
  p = 0;
  /** Digits consumed by the last uint()/int() (0: there was no number). */
  digits = 0;

  /** Starts on the line s[p, end). */
  reset(s: Uint8Array, p: number, end: number): void {
    this.s = s;
    this.n = end;
    this.p = p;
  }

  /** Byte at the cursor, or -1 at the end of the line. */
  at(): number {
    return this.p < this.n ? this.s[this.p] : -1;
  }

  /** True when the text at the cursor starts with the ASCII `word`. */
  startsWith(word: string, at = this.p): boolean {
    return startsWithAscii(this.s, at, this.n, word);
  }

  /** s[start, end) as a string. */
  text(start: number, end: number): string {
    return textOf(this.s, start, end);
  }

  /** Index of byte `c` at or after `from` within the line, or -1. */
  indexOf(c: number, from: number): number {
    const s = this.s;
    for (let i = from; i < this.n; i++) if (s[i] === c) return i;
    return -1;
  }

  /** True at the end of the line. */
  atEnd(): boolean {
    return this.p >= this.n;
  }

  /** Moves past `c` when it is at the cursor; false (cursor unmoved) otherwise. */
  eat(c: number): boolean {
    if (this.p < this.n && this.s[this.p] === c) {
      this.p++;
      return true;
    }
    return false;
  }

  /** Moves past blanks. */
  spaces(): void {
    const s = this.s;
    const n = this.n;
    let p = this.p;
    while (p < n) {
      const c = s[p];
      if (c !== SPACE && c !== TAB) break;
      p++;
    }
    this.p = p;
  }

  /** Moves to the next blank (or the end): past one whitespace-delimited token. */
  token(): void {
    const s = this.s;
    const n = this.n;
    let p = this.p;
    while (p < n) {
      const c = s[p];
      if (c === SPACE || c === TAB) break;
      p++;
    }
    this.p = p;
  }

  /**
   * An unsigned decimal (exact below 2^53; only the all-ones sector goes beyond). Sets
   * `digits`; with no digit at the cursor it returns 0 and digits = 0.
   */
  uint(): number {
    const s = this.s;
    const n = this.n;
    let p = this.p;
    const start = p;
    let v = 0;
    while (p < n) {
      const c = s[p];
      if (c < ZERO || c > NINE) break;
      v = v * 10 + (c - ZERO);
      p++;
    }
    this.digits = p - start;
    this.p = p;
    return v;
  }

  /** Like uint(), with an optional leading '-' (errno values printed with %d). */
  int(): number {
    if (this.eat(CH.MINUS)) {
      const v = this.uint();
      if (this.digits === 0) this.p--;
      return -v;
    }
    return this.uint();
  }

  /** True when the number just read (ending at the cursor) was the all-ones u64 flush sector. */
  wasAllOnes(): boolean {
    return this.digits === ALL_ONES_U64.length && this.startsWith(ALL_ONES_U64, this.p - this.digits);
  }

  /**
   * `secs.frac` as integer ns, combining the two integer parts without floating-point
   * division: 6 fraction digits are µs (ftrace), 9 are ns (blkparse, trace-cmd -t).
   * Returns -1 (cursor unmoved) when the text is not that.
   */
  secondsNs(): number {
    const start = this.p;
    const secs = this.uint();
    if (this.digits === 0 || !this.eat(CH.DOT)) {
      this.p = start;
      return -1;
    }
    const frac = this.uint();
    if (this.digits === 0 || this.digits > 9) {
      this.p = start;
      return -1;
    }
    return secs * 1e9 + frac * POW10[9 - this.digits];
  }

  /** End of the line without trailing blanks. */
  trimmedEnd(): number {
    const s = this.s;
    let e = this.n;
    while (e > this.p && isSpace(s[e - 1])) e--;
    return e;
  }
}
