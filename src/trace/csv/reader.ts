// TraceFormats 'msr', 'alibaba', 'spc', 'tencent' (one I/O per row, no header; a header row
// is detected and skipped), 'csv' (the generic schema, header required) and 'csv-ios' (the
// I/O table `convert --ios` writes, ios.ts; 'csv' reads it too when the header is one). Every dialect
// row becomes one ACT.IO event: time relative to the first row, 512-byte sectors, a volume
// name, and aux = the source's latency in ns or -1 (trace-formats §5). Rows are sorted
// within a bounded window (reorder.ts; an I/O table's empty flushes within one of their
// own). A bad row is skipped and counted; a file whose first row lacks a column is an
// error, as is a file where no row could be read.
import { UfqReplayError } from '../../errors.js';
import {
  ACT,
  BATCH_ROWS,
  copyRow,
  countWarning,
  type EventBatch,
  StringTable,
  type TraceInfo,
  type TraceSource,
} from '../event.js';
import { isPairedEmptyFlush } from '../flush-pairs.js';
import type { ReadOptions, TraceFormat } from '../format.js';
import type { InputFile } from '../input.js';
import { DIALECTS, type Dialect, type IoRow } from './columns.js';
import { decodeGenericRow, GENERIC_REQUIRED, type GenericLayout, genericLayout } from './generic.js';
import { decodeIosRow, IOS_REQUIRED, type IosLayout, iosLayout } from './ios.js';
import { ReorderWindow } from './reorder.js';
import { CsvSplitter, splitText } from './splitter.js';

const DOCS = 'see docs/formats.md';
const UNALIGNED = 'offset not a multiple of 512 bytes (sector rounded down)';
const TOO_FEW = 'csv: row with too few columns (skipped)';
const TIME_RANGE = 'csv: time more than 2^53 ns from the first row (row skipped)';
const MALFORMED = 'csv: malformed quoted record (skipped)';

/** The first bad value seen, for the error raised when no row at all could be read. */
interface FirstBad {
  line: number;
  column: string;
  value: string;
}

/** Decoded text of a file, counting bytes. */
async function* textOf(file: InputFile, info: TraceInfo): AsyncIterable<string> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  for await (const chunk of file.chunks()) {
    info.bytes += chunk.length;
    yield decoder.decode(chunk, { stream: true });
  }
  yield decoder.decode();
}

/**
 * Shared by the dialect and generic sources: splitting, the reorder window, counting, and
 * the no-rows errors. Subclasses decode one record into the window's next row.
 */
abstract class CsvSource implements TraceSource {
  readonly strings = new StringTable();
  readonly info: TraceInfo;
  private firstBad: FirstBad | undefined;
  protected window!: ReorderWindow;
  /**
   * A second reorder window, for an I/O table's empty-flush rows once one comes later than the
   * I/Os' window allows: `convert --ios` writes them after the I/Os, a second run in time order
   * that one window would see as rows far too late. They are then emitted after the I/Os.
   */
  protected flushRun: ReorderWindow | undefined;
  private ready: EventBatch[] = [];

  constructor(
    protected readonly files: InputFile[],
    protected readonly options: ReadOptions,
    format: string,
    hasStages: boolean,
  ) {
    this.info = {
      format,
      files: files.map((f) => f.path),
      bytes: 0,
      records: 0,
      lines: 0,
      warnings: {},
      hasStages,
    };
  }

  protected abstract rebase(): boolean;
  /** Starts a file (resets per-file state such as the header). */
  protected abstract startFile(file: InputFile, src: number): void;
  /** Decodes one record into row `window.pending.length`; true when the row is complete. */
  protected abstract decode(f: string[], line: number): boolean;
  /** Called after each emitted batch (dialects fix the wall-clock origin there). */
  protected emitted(_b: EventBatch): void {}

  /** Counts a skipped or altered row, remembering where the reason was first seen. */
  protected warn(reason: string, line: number, file: string): void {
    countWarning(this.info.warnings, reason);
    this.info.warningWhere ??= {};
    this.info.warningWhere[reason] ??= { file, line };
  }

  protected bad(reason: string, line: number, file: string, column: string, value: string): void {
    this.warn(reason, line, file);
    this.firstBad ??= { line, column, value };
  }

  protected emit(b: EventBatch | undefined): void {
    if (!b) return;
    this.emitted(b);
    this.info.records += b.length;
    this.ready.push(b);
  }

  /** A new reorder window, of the batch size. */
  protected newWindow(): ReorderWindow {
    return new ReorderWindow(this.options.batchRows || BATCH_ROWS, this.info.warnings, this.rebase());
  }

  async *batches(): AsyncIterable<EventBatch> {
    this.window = this.newWindow();
    const w = this.window;
    for (const [src, file] of this.files.entries()) {
      this.startFile(file, src);
      let lines = 0;
      const splitter = new CsvSplitter((f, line) => {
        lines = line;
        // Emit a window's worth only when the pending rows fill two windows: full-size batches.
        if (w.full) this.emit(w.take(false));
        if (this.decode(f, line)) w.commit();
      });
      for await (const text of textOf(file, this.info)) {
        splitter.push(text);
        if (this.ready.length > 0) yield* this.ready.splice(0);
      }
      splitter.end();
      if (splitter.malformed > 0) countWarning(this.info.warnings, MALFORMED, splitter.malformed);
      this.info.lines += lines;
    }
    this.emit(w.take(true));
    const run = this.flushRun;
    this.flushRun = undefined;
    this.emit(run?.take(true));
    yield* this.ready.splice(0);
    if (this.info.records === 0) this.noRows();
  }

  private noRows(): never {
    const file = this.files[this.files.length - 1]?.path;
    if (this.firstBad) {
      const { line, column, value } = this.firstBad;
      throw new UfqReplayError(
        'CSV_BAD_VALUE',
        `no row could be read; first bad value: column ${column} = '${value}'`,
        {
          file: this.files.length === 1 ? file : undefined,
          line,
          hint: `is this the right --format? ${DOCS}`,
        },
      );
    }
    throw new UfqReplayError('CSV_NO_ROWS', 'the file holds no data rows', { file, hint: DOCS });
  }
}

/** Returns true when `f` is a header row rather than data. */
function isHeaderRow(f: string[]): boolean {
  // Column names only: no field starts with a digit (a data row with its first field blank
  // or mangled still has numbers further on, and is decoded and counted as bad, not skipped).
  for (const field of f) {
    const c = field.charCodeAt(0);
    if (c >= 48 && c <= 57) return false;
  }
  return f.some((field) => field.length > 0);
}

class DialectSource extends CsvSource {
  private readonly row: IoRow = {
    tHi: 0,
    tLo: 0,
    op: 0,
    sector: 0,
    bytes: 0,
    volA: '',
    volB: '',
    latencyNs: -1,
  };
  private anchor: [number, number] | undefined;
  private volA = '';
  private volB = '';
  private volumeIdx = 0;
  private file!: InputFile;
  private src = 0;
  private first = true;
  /** The current file's header row was seen (only one is skipped). */
  private headerSkipped = false;
  private rec = 0;

  constructor(
    private readonly dialect: Dialect,
    files: InputFile[],
    options: ReadOptions,
  ) {
    super(files, options, dialect.id, false);
  }

  protected rebase(): boolean {
    return true;
  }

  protected startFile(file: InputFile, src: number): void {
    this.file = file;
    this.src = src;
    this.first = true;
    this.headerSkipped = false;
    this.rec = 0;
  }

  protected override emitted(_b: EventBatch): void {
    const d = this.dialect;
    if (this.info.originWallNs !== undefined || d.epochUnits === undefined || !this.anchor) return;
    // ns since the epoch of the first emitted row: anchor (exact, in BigInt) plus the rebase offset.
    const anchorUnits = BigInt(this.anchor[0]) * 1_000_000_000n + BigInt(this.anchor[1]);
    const wall = (anchorUnits - d.epochUnits) * BigInt(d.unitNs) + BigInt(this.window.base ?? 0);
    this.info.originWallNs = Number(wall);
  }

  protected decode(f: string[], line: number): boolean {
    const d = this.dialect;
    const need = d.columns.length;
    if (this.first) {
      // A header row is skipped; the first data row after it is the one checked for columns.
      if (!this.headerSkipped && isHeaderRow(f)) {
        this.headerSkipped = true;
        return false;
      }
      this.first = false;
      if (f.length < need)
        throw new UfqReplayError(
          'CSV_MISSING_COLUMN',
          `missing column ${d.columns[f.length].name}: the row has ${f.length} of ${need} columns (${d.columns.map((c) => c.name).join(',')})`,
          { file: this.file.path, line, hint: `is this the right --format? ${DOCS}` },
        );
    }
    const index = this.rec++;
    if (f.length < need) {
      this.warn(TOO_FEW, line, this.file.path);
      return false;
    }
    const row = this.row;
    const badCol = d.decode(f, row);
    if (badCol !== null) {
      const k = d.columns.findIndex((c) => c.name === badCol);
      this.bad(`csv: bad ${badCol} value (row skipped)`, line, this.file.path, badCol, f[k] ?? '');
      return false;
    }
    this.anchor ??= [row.tHi, row.tLo];
    const t = ((row.tHi - this.anchor[0]) * 1e9 + (row.tLo - this.anchor[1])) * d.unitNs;
    if (!(Math.abs(t) < 2 ** 53)) {
      this.warn(TIME_RANGE, line, this.file.path);
      return false;
    }
    const b = this.window.pending;
    const i = b.length;
    b.timeNs[i] = t;
    b.src[i] = this.src;
    b.rec[i] = index;
    b.dev[i] = 0;
    b.volume[i] = this.volume(row.volA, row.volB);
    b.cpu[i] = 0;
    b.seq[i] = 0;
    b.pid[i] = 0;
    b.comm[i] = 0;
    b.action[i] = ACT.IO;
    b.op[i] = row.op;
    b.flags[i] = 0;
    const sector = Math.floor(row.sector);
    if (sector !== row.sector) this.warn(UNALIGNED, line, this.file.path);
    b.sector[i] = sector;
    b.bytes[i] = row.bytes;
    b.error[i] = 0;
    b.ioprio[i] = 0;
    b.aux[i] = row.latencyNs;
    b.auxDev[i] = 0;
    return true;
  }

  /** Interns a volume name; consecutive rows usually share it, so the name is built rarely. */
  private volume(a: string, b: string): number {
    if (a !== this.volA || b !== this.volB) {
      this.volA = a;
      this.volB = b;
      this.volumeIdx = this.strings.intern(this.dialect.volume(a, b));
    }
    return this.volumeIdx;
  }
}

/** What a GenericSource accepts: either schema (the header decides), or only an I/O table. */
type Accept = 'any' | 'ios';

class GenericSource extends CsvSource {
  private layout: GenericLayout | undefined;
  /** Set instead of `layout` when the file's header is an I/O table's. */
  private ios: IosLayout | undefined;
  private file!: InputFile;
  private src = 0;
  private rec = 0;

  constructor(
    files: InputFile[],
    options: ReadOptions,
    private readonly accept: Accept,
  ) {
    super(files, options, accept === 'ios' ? 'csv-ios' : 'csv', false);
  }

  protected rebase(): boolean {
    return false;
  }

  protected startFile(file: InputFile, src: number): void {
    this.file = file;
    this.src = src;
    this.layout = undefined;
    this.ios = undefined;
    this.rec = 0;
  }

  /** Reads the header row: the generic schema, or an I/O table (by its `t_q` column). */
  private header(f: string[], line: number): void {
    const ios = iosLayout(f);
    if (ios.isIos || this.accept === 'ios') {
      if (ios.missing.length > 0)
        throw new UfqReplayError(
          'CSV_MISSING_COLUMN',
          `I/O-table header lacks ${ios.missing.map((m) => `'${m}'`).join(', ')}`,
          {
            file: this.file.path,
            line,
            hint: `an I/O table (convert --ios --to csv) needs a header naming ${IOS_REQUIRED.map((g) => g.join('|')).join(', ')}; ${DOCS}`,
          },
        );
      this.ios = ios;
      this.info.format = 'csv-ios';
      return;
    }
    const layout = genericLayout(f);
    if (layout.missing.length > 0)
      throw new UfqReplayError(
        'CSV_MISSING_COLUMN',
        `header lacks ${layout.missing.map((m) => `'${m}'`).join(', ')}`,
        {
          file: this.file.path,
          line,
          hint: `the generic CSV needs a header naming ${GENERIC_REQUIRED.map((g) => g.join('|')).join(', ')}; ${DOCS}`,
        },
      );
    this.layout = layout;
  }

  protected decode(f: string[], line: number): boolean {
    if (!this.layout && !this.ios) {
      this.header(f, line);
      return false;
    }
    const index = this.rec++;
    const b = this.window.pending;
    const i = b.length;
    const ios = this.ios;
    const badCol = ios
      ? decodeIosRow(f, ios, b, i, this.strings, index)
      : decodeGenericRow(f, this.layout!, b, i, this.strings, index);
    if (badCol !== null) {
      b.msg.delete(i);
      const k = ios ? ios.columns.get(badCol) : this.layout!.at[badCol as 'op'];
      this.bad(`csv: bad ${badCol} value (row skipped)`, line, this.file.path, badCol, f[k ?? -1] ?? '');
      return false;
    }
    // A byte offset the sector rounded down, counted as the dialects count it. 10^9 is a
    // multiple of 512, so the last nine digits decide, exactly, however long the number.
    const off = !ios && this.layout!.at.sector === undefined ? this.layout!.at.offset_bytes : undefined;
    const offText = off === undefined ? '' : (f[off] ?? '');
    if (offText.length > 0 && Number(offText.slice(-9)) % 512 !== 0)
      this.warn(UNALIGNED, line, this.file.path);
    if ((ios ? ios.generic : this.layout!).at.src === undefined) b.src[i] = this.src;
    if (b.action[i] !== ACT.IO) this.info.hasStages = true;
    if (
      ios &&
      isPairedEmptyFlush(b.bytes[i], b.flags[i]) &&
      (this.flushRun !== undefined || this.window.wouldBeLate(b.timeNs[i]))
    ) {
      // Sorted apart once they come later than the I/Os' window allows (convert --ios writes
      // them after the I/Os): their order among the I/Os does not matter to pairing (pair.ts).
      // Rebased as the I/Os are.
      if (this.flushRun === undefined) {
        this.flushRun = this.newWindow();
        this.flushRun.base = this.window.base;
      }
      const run = this.flushRun;
      if (run.full) this.emit(run.take(false));
      copyRow(b, i, run.pending, run.pending.length);
      run.commit();
      return false;
    }
    return true;
  }
}

/** Confidence that the first lines are `dialect` rows (trace-formats §7 item 7). */
function sniffDialect(dialect: Dialect, lines: string[]): number {
  const rows = splitText(lines.slice(0, 20).join('\n'));
  if (rows.length > 0 && isHeaderRow(rows[0])) rows.shift();
  if (rows.length === 0) return 0;
  const hits = rows.filter((f) => dialect.looksLike(f)).length;
  // Most rows, not all: a short file with a bad row or two is still this dialect (its bad
  // rows are then counted when read), and no dialect's rows look like another's.
  return hits / rows.length >= 0.6 && (hits >= 2 || rows.length === 1) ? 0.8 : 0;
}

function dialectFormat(dialect: Dialect): TraceFormat {
  return {
    id: dialect.id,
    description: dialect.description,
    sniff: (_head, lines) => sniffDialect(dialect, lines),
    open: (files, options) => new DialectSource(dialect, files, options),
  };
}

export const csvDialectFormats: TraceFormat[] = DIALECTS.map(dialectFormat);

export const genericCsvFormat: TraceFormat = {
  id: 'csv',
  description:
    'generic CSV with a header row (time_ns|time_s, op|rwbs, sector|offset_bytes, bytes|nr_sectors, ...)',
  sniff(_head, lines) {
    const first = lines.find((l) => l.trim().length > 0);
    if (!first) return 0;
    const layout = genericLayout(splitText(first)[0] ?? []);
    // A header naming a time column is this format even when a required column is missing:
    // reading it then says which (CSV_MISSING_COLUMN), where FORMAT_UNKNOWN would not.
    return layout.isHeader ? 0.9 : 0;
  },
  open: (files, options) => new GenericSource(files, options, 'any'),
};

export const csvIosFormat: TraceFormat = {
  id: 'csv-ios',
  description:
    'the I/O table `convert --ios --to csv` writes (header req, t_q, ..., t_c, ...), one I/O per row',
  sniff(_head, lines) {
    const first = lines.find((l) => l.trim().length > 0);
    if (!first) return 0;
    // `t_q` names the table even when a required column is missing: reading it then says which.
    return iosLayout(splitText(first)[0] ?? []).isIos ? 0.9 : 0;
  },
  open: (files, options) => new GenericSource(files, options, 'ios'),
};
