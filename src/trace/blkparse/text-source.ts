// The streaming driver shared by the line-oriented readers (blkparse, ftrace blk tracer, block
// tracepoints): splits each file into lines, hands every line to a format's LineDecoder, which
// writes event columns straight into the current batch, and yields full batches. It counts lines
// and bytes, and treats a failing final line without a newline as a truncated write.
// It knows no format: what a line means is the decoder's business.
import type { UfqReplayError } from '../../errors.js';
import {
  BATCH_ROWS,
  countWarning,
  type EventBatch,
  newBatch,
  StringTable,
  type TraceInfo,
  type TraceSource,
} from '../event.js';
import type { ReadOptions } from '../format.js';
import { type InputFile, textLines } from '../input.js';

/** Reason counted for a final line that fails to decode and has no newline. */
export const TRUNCATED_LAST_LINE = 'truncated last line (the trace was cut mid-write)';

/** Where decoders report lines they skip; one per source file. */
export class LineReport {
  /** 1-based number of the first line that was neither an event nor known non-event text. */
  firstBadLine: number | undefined;
  /** The text of that line (for error messages). */
  firstBadText: string | undefined;
  /** Set by the driver while the final, unterminated line is decoded. */
  finalUnterminated = false;

  constructor(
    readonly info: TraceInfo,
    readonly file: string,
  ) {}

  /** A line that is not what the format allows: counted under `reason`. */
  bad(reason: string, lineNo: number, line: string): void {
    if (this.finalUnterminated) {
      this.count(TRUNCATED_LAST_LINE, lineNo, 1);
      return;
    }
    this.count(reason, lineNo, 1);
    if (this.firstBadLine === undefined) {
      this.firstBadLine = lineNo;
      this.firstBadText = line;
    }
  }

  /** A well-formed line deliberately not turned into an event (counted, not garbage). */
  skip(reason: string, lineNo: number, n = 1): void {
    this.count(reason, lineNo, n);
  }

  private count(reason: string, lineNo: number, n: number): void {
    const info = this.info;
    if (info.warnings[reason] === undefined) {
      info.warningWhere ??= {};
      info.warningWhere[reason] = { file: this.file, line: lineNo };
    }
    countWarning(info.warnings, reason, n);
  }

  /** Events the tracer reported as lost, keyed like TraceInfo.lostEvents. */
  lost(key: string, n: number): void {
    const lost = this.info.lostEvents ?? {};
    lost[key] = (lost[key] ?? 0) + n;
    this.info.lostEvents = lost;
  }
}

/** One format's line decoder; a fresh one is made per source file. */
export interface LineDecoder {
  /**
   * Decodes line `lineNo` (1-based) into row `row` of `batch`; returns true when the row now
   * holds an event. Everything else is either silently ignored (headers, comments, summaries)
   * or reported to the LineReport. Must not throw on any text.
   */
  decode(line: string, lineNo: number, batch: EventBatch, row: number): boolean;
  /** Called after the file's last line. */
  finish(): void;
  /** The error to throw when the file yielded no event at all. */
  noEvents(file: string): UfqReplayError;
}

export type DecoderFactory = (strings: StringTable, report: LineReport) => LineDecoder;

/** A TraceSource over text files, decoded line by line with `makeDecoder`. */
export function openTextSource(
  format: string,
  files: InputFile[],
  options: ReadOptions,
  makeDecoder: DecoderFactory,
): TraceSource {
  const info: TraceInfo = {
    format,
    files: files.map((f) => f.path),
    bytes: 0,
    records: 0,
    lines: 0,
    warnings: {},
    hasStages: true,
  };
  const strings = new StringTable();
  const rows = options.batchRows > 0 ? options.batchRows : BATCH_ROWS;
  return {
    info,
    strings,
    async *batches() {
      const out = new BatchFiller(rows);
      for (let src = 0; src < files.length; src++) {
        const file = files[src];
        const report = new LineReport(info, file.path);
        const decoder = makeDecoder(strings, report);
        const seen = { bytes: 0, lastByte: NEWLINE };
        const before = out.events;
        // The last line of each group is held back until the next group (or the end) shows
        // whether it is the file's final line.
        let held: string | undefined;
        let heldNo = 0;
        for await (const group of textLines(counted(file.chunks(), seen))) {
          const lines = group.lines;
          if (held !== undefined && decoder.decode(held, heldNo, out.batch, out.row)) {
            if (out.commit(src, heldNo - 1)) yield out.take();
          }
          const last = lines.length - 1;
          let no = group.firstLineNo;
          for (let k = 0; k < last; k++, no++) {
            if (decoder.decode(lines[k], no, out.batch, out.row) && out.commit(src, no - 1)) yield out.take();
          }
          held = lines[last];
          heldNo = no;
        }
        if (held !== undefined) {
          report.finalUnterminated = seen.lastByte !== NEWLINE;
          if (decoder.decode(held, heldNo, out.batch, out.row) && out.commit(src, heldNo - 1))
            yield out.take();
          report.finalUnterminated = false;
          info.lines += heldNo;
        }
        decoder.finish();
        info.bytes += seen.bytes;
        info.records += out.events - before;
        if (out.events === before) throw decoder.noEvents(file.path);
      }
      if (out.row > 0) yield out.take();
    },
  };
}

const NEWLINE = 10;

/** The batch being filled; a full one is handed out whole and replaced. */
class BatchFiller {
  batch: EventBatch;
  row = 0;
  events = 0;

  constructor(private readonly rows: number) {
    this.batch = newBatch(rows);
  }

  /** Completes the current row; true when the batch is now full. */
  commit(src: number, rec: number): boolean {
    this.batch.src[this.row] = src;
    this.batch.rec[this.row] = rec;
    this.events++;
    return ++this.row === this.rows;
  }

  /** The filled part as a batch; filling goes on in a fresh one. */
  take(): EventBatch {
    const full = this.batch;
    full.length = this.row;
    this.batch = newBatch(this.rows);
    this.row = 0;
    return full;
  }
}

/** Passes chunks through, noting the byte count and the last byte (a final newline or not). */
async function* counted(
  chunks: AsyncIterable<Uint8Array>,
  seen: { bytes: number; lastByte: number },
): AsyncIterable<Uint8Array> {
  for await (const c of chunks) {
    if (c.length > 0) {
      seen.bytes += c.length;
      seen.lastByte = c[c.length - 1];
    }
    yield c;
  }
}
