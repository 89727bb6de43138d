// The streaming driver shared by the line-oriented readers (blkparse, ftrace blk tracer, block
// tracepoints): splits each file into lines (byte ranges, no strings), hands every line to a
// format's LineDecoder, which writes event columns straight into the current batch, and yields
// full batches. It counts lines and bytes, and treats a failing final line without a newline
// as a truncated write. It knows no format: what a line means is the decoder's business.
import type { UfqReplayError } from '../../errors.js';
import {
  BATCH_ROWS,
  batchCapacity,
  countWarning,
  type EventBatch,
  newBatch,
  StringTable,
  type TraceInfo,
  type TraceSource,
} from '../event.js';
import type { ReadOptions } from '../format.js';
import { ByteLines, type InputFile } from '../input.js';
import { textOf } from './scan.js';

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

  /** bad() for the line buf[start, end); its text is decoded only when it is the first. */
  badLine(reason: string, lineNo: number, buf: Uint8Array, start: number, end: number): void {
    this.bad(reason, lineNo, this.firstBadLine === undefined ? textOf(buf, start, end) : '');
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
   * Decodes line `lineNo` (1-based), the bytes buf[start, end) without its newline, into row
   * `row` of `batch`; returns true when the row now holds an event. Everything else is either
   * silently ignored (headers, comments, summaries) or reported to the LineReport. Must not
   * throw on any bytes, and must not read outside [start, end).
   */
  decodeLine(
    buf: Uint8Array,
    start: number,
    end: number,
    lineNo: number,
    batch: EventBatch,
    row: number,
  ): boolean;
  /** Called after the file's last line. */
  finish(): void;
  /** The error to throw when the file yielded no event at all. */
  noEvents(file: string): UfqReplayError;
}

export type DecoderFactory = (strings: StringTable, report: LineReport) => LineDecoder;

const encoder = new TextEncoder();

/** decodeLine for a line given as a string (tests, rare paths): encodes it as UTF-8 first. */
export function decodeText(
  d: LineDecoder,
  line: string,
  lineNo: number,
  batch: EventBatch,
  row: number,
): boolean {
  const bytes = encoder.encode(line);
  return d.decodeLine(bytes, 0, bytes.length, lineNo, batch, row);
}

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
  const out = new BatchFiller(rows);
  return {
    info,
    strings,
    recycle: (batch) => out.recycle(batch),
    async *batches() {
      for (let src = 0; src < files.length; src++) {
        const file = files[src];
        const report = new LineReport(info, file.path);
        const decoder = makeDecoder(strings, report);
        let bytes = 0;
        const before = out.events;
        const lines = new ByteLines();
        for await (const chunk of file.chunks()) {
          bytes += chunk.length;
          lines.push(chunk);
          while (lines.next()) {
            const no = lines.lineNo;
            if (
              decoder.decodeLine(lines.buf, lines.start, lines.end, no, out.batch, out.row) &&
              out.commit(src, no - 1)
            )
              yield out.take();
          }
        }
        if (lines.finish()) {
          // Bytes after the last newline: a final line the writer may have been cut off in.
          const no = lines.lineNo;
          report.finalUnterminated = true;
          if (
            decoder.decodeLine(lines.buf, lines.start, lines.end, no, out.batch, out.row) &&
            out.commit(src, no - 1)
          )
            yield out.take();
          report.finalUnterminated = false;
        }
        info.lines += lines.lineNo;
        decoder.finish();
        info.bytes += bytes;
        info.records += out.events - before;
        if (out.events === before) throw decoder.noEvents(file.path);
      }
      if (out.row > 0) yield out.take();
    },
  };
}

/** The batch being filled; a full one is handed out whole and replaced. */
class BatchFiller {
  batch: EventBatch;
  row = 0;
  events = 0;
  private readonly spare: EventBatch[] = [];

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

  /** The filled part as a batch; filling goes on in a fresh (or recycled) one. */
  take(): EventBatch {
    const full = this.batch;
    full.length = this.row;
    this.batch = this.spare.pop() ?? newBatch(this.rows);
    this.batch.msg.clear();
    this.row = 0;
    return full;
  }

  /** A batch the consumer is done with; kept for reuse (every decoder writes every column). */
  recycle(batch: EventBatch): void {
    if (this.spare.length < 2 && batchCapacity(batch) === this.rows) this.spare.push(batch);
  }
}
