// fio iolog version 2 and 3 lines -> ACT.IO events (trace-formats §5.1). Pure: a line that
// cannot be parsed comes back as an IOLOG_BAD_LINE error value (fio's read_iolog cannot
// use it either); the reader decides to throw. Times:
//  v2 has no timestamps: I/Os arrive back to back, spaced only by `wait` lines, each of
//     which adds its value in µs (values below 100 µs are ignored, as the format says);
//  v3 stamps every line with µs since the job started.
import { UfqReplayError } from '../../errors.js';
import { parseUint } from '../csv/numbers.js';
import {
  ACT,
  countWarning,
  type EventBatch,
  NO_SECTOR,
  OP,
  type StringTable,
  type TraceInfo,
} from '../event.js';

export const IOLOG_V2_HEADER = 'fio version 2 iolog';
export const IOLOG_V3_HEADER = 'fio version 3 iolog';

/** Waits shorter than this are noise to fio's v2 replay (trace-formats §5.1), in µs. */
export const MIN_WAIT_US = 100;
const NS_PER_US = 1000;
const SECTOR_BYTES = 512;
const U32_MAX = 0xffffffff;

const FILE_ACTIONS = new Set(['add', 'open', 'close']);
/** fio io_ddir names written to an iolog -> our OP codes (sync and datasync are flushes). */
const IO_ACTIONS: Record<string, number> = {
  read: OP.READ,
  write: OP.WRITE,
  trim: OP.DISCARD,
  sync: OP.FLUSH,
  datasync: OP.FLUSH,
};

export const V3_WAIT_IGNORED = 'iolog: wait line in a version 3 log ignored (fio ignores it too)';
export const UNALIGNED = 'offset not a multiple of 512 bytes (sector rounded down)';

/** Splits on runs of blanks without a regex per line. */
export function tokens(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    if (i >= n) break;
    const s = i;
    while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++;
    out.push(line.slice(s, i));
  }
  return out;
}

export class IologDecoder {
  /** 2 or 3 once the header was read; 0 before. */
  version = 0;
  /** v2: accumulated wait, ns. */
  private waitNs = 0;
  /** Data lines decoded (I/O lines, the record index). */
  records = 0;

  constructor(
    private readonly file: string,
    private readonly strings: StringTable,
    private readonly info: { warnings: TraceInfo['warnings']; warningWhere?: TraceInfo['warningWhere'] },
  ) {}

  private warn(reason: string, line: number): void {
    countWarning(this.info.warnings, reason);
    this.info.warningWhere ??= {};
    this.info.warningWhere[reason] ??= { file: this.file, line };
  }

  private badLine(lineNo: number, why: string): UfqReplayError {
    return new UfqReplayError('IOLOG_BAD_LINE', why, {
      file: this.file,
      line: lineNo,
      hint: 'fio iolog lines are `[ts] file action offset length`; see docs/formats.md',
    });
  }

  /**
   * Decodes one line. An I/O is written at row `b.length` of `b` and the return value is
   * true; the caller commits it. Returns false for lines that carry no I/O, or an error.
   */
  line(text: string, lineNo: number, b: EventBatch, src: number): boolean | UfqReplayError {
    if (this.version === 0) {
      const h = text.trim();
      if (h === IOLOG_V2_HEADER) this.version = 2;
      else if (h === IOLOG_V3_HEADER) this.version = 3;
      else
        return this.badLine(
          lineNo,
          `expected '${IOLOG_V2_HEADER}' or '${IOLOG_V3_HEADER}' as the first line`,
        );
      return false;
    }
    const t = tokens(text);
    if (t.length === 0) return false;
    const v3 = this.version === 3;
    let ts = 0;
    if (v3) {
      ts = parseUint(t[0]);
      if (Number.isNaN(ts)) return this.badLine(lineNo, `bad timestamp '${t[0]}'`);
      t.shift();
    }
    // iolog.c read_iolog: 2 fields = a file action, 4 fields = an I/O (after the v3 stamp).
    if (t.length === 2) {
      if (FILE_ACTIONS.has(t[1])) return false;
      return this.badLine(lineNo, `unknown file action '${t[1]}'`);
    }
    if (t.length !== 4)
      return this.badLine(lineNo, `expected ${v3 ? 5 : 4} fields, found ${t.length + (v3 ? 1 : 0)}`);
    const [name, action, offS, lenS] = t;
    const offset = parseUint(offS);
    const length = parseUint(lenS);
    if (Number.isNaN(offset)) return this.badLine(lineNo, `bad offset '${offS}'`);
    if (Number.isNaN(length) || length > U32_MAX) return this.badLine(lineNo, `bad length '${lenS}'`);
    if (action === 'wait') {
      if (v3) {
        this.warn(V3_WAIT_IGNORED, lineNo);
        return false;
      }
      // For a wait, the offset field holds the delay in µs.
      if (offset >= MIN_WAIT_US) this.waitNs += offset * NS_PER_US;
      return false;
    }
    const op = IO_ACTIONS[action];
    if (op === undefined) return this.badLine(lineNo, `unknown action '${action}'`);
    const i = b.length;
    b.timeNs[i] = v3 ? ts * NS_PER_US : this.waitNs;
    b.src[i] = src;
    b.rec[i] = this.records++;
    b.dev[i] = 0;
    b.volume[i] = this.strings.intern(name);
    b.cpu[i] = 0;
    b.seq[i] = 0;
    b.pid[i] = 0;
    b.comm[i] = 0;
    b.action[i] = ACT.IO;
    b.op[i] = op;
    b.flags[i] = 0;
    if (op === OP.FLUSH) {
      b.sector[i] = NO_SECTOR;
      b.bytes[i] = 0;
    } else {
      const sector = Math.floor(offset / SECTOR_BYTES);
      if (sector * SECTOR_BYTES !== offset) this.warn(UNALIGNED, lineNo);
      b.sector[i] = sector;
      b.bytes[i] = length;
    }
    b.error[i] = 0;
    b.ioprio[i] = 0;
    b.aux[i] = -1;
    b.auxDev[i] = 0;
    return true;
  }
}
