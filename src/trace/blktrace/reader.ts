// TraceFormat 'blktrace': binary blktrace v7 (and provisional v8) from per-CPU files, a single
// `blkparse -d` dump, or one interleaved `blktrace -o -` stream (trace-formats §1, §2.6, §7).
// Per-CPU streams are merged in blkparse's own order (merge.ts); a dump is already merged and
// is read as one stream; an interleaved stream is split by CPU in memory and then merged the
// same way. Decoding is decoder.ts; this file does file handling, the merge loop and errors.
import { basename } from 'node:path';
import { invariant, UfqReplayError } from '../../errors.js';
import { type EventBatch, newBatch, StringTable, type TraceInfo, type TraceSource } from '../event.js';
import type { ReadOptions, TraceFormat } from '../format.js';
import { type ByteReader, type InputFile, READ_BYTES } from '../input.js';
import {
  type AdvanceResult,
  BlktraceDecoder,
  clearForRefill,
  type DecoderShared,
  DONE,
  HEAD,
  NEED_DATA,
  newDecoderShared,
  resolveComms,
} from './decoder.js';
import { type BlktraceLayout, classifyHead } from './layout.js';
import { checkStart, LAYOUT_V7, sniffBlktrace } from './magic.js';
import { type MergeStream, StreamOrder } from './merge.js';
import { stageByCpu } from './staged.js';

/** The smallest record: a v7 header with no PDU, bytes. */
const MIN_RECORD_BYTES = LAYOUT_V7.headerBytes;

/** `NAME.blktrace.N[.gz]`: the CPU a per-CPU file belongs to (trace-formats §1.1). */
const PER_CPU_NAME = /\.blktrace\.(\d+)(\.gz)?$/;

/** An event source the merge loop pulls from: a decoder, or one CPU of a staged stream. */
interface Stream extends MergeStream {
  /** HEAD, DONE, or NEED_DATA (then its refill must be awaited). */
  advance(): AdvanceResult;
  /** Emits a run of events (BlktraceDecoder.run); `result` is how it ended. */
  run(b: EventBatch, row: number, cap: number, limitNs: number, genesisNs: number): number;
  readonly result: AdvanceResult;
}

/** A decoder's way to more bytes: awaited when it returns NEED_DATA; `close` releases the file. */
interface Refill {
  next(): Promise<AdvanceResult>;
  close(): Promise<void>;
}

/**
 * Advances a decoder, feeding it bytes of its file until an event is ready or the file ends.
 * An uncompressed file is read straight into the decoder's own buffer (space/commit), one
 * buffer for the whole file; a compressed one arrives in the decompressor's chunks.
 */
function refiller(decoder: BlktraceDecoder, file: InputFile): Refill {
  let iter: AsyncIterator<Uint8Array> | undefined;
  let reader: ByteReader | undefined;
  let closed = false;
  return {
    async next(): Promise<AdvanceResult> {
      for (;;) {
        const r = decoder.advance();
        if (r !== NEED_DATA) return r;
        if (file.openReader && !closed) {
          reader ??= await file.openReader();
          const n = await reader.read(decoder.space(READ_BYTES));
          if (n > 0) decoder.commit(n);
          else {
            decoder.end();
            closed = true;
            await reader.close();
          }
          continue;
        }
        iter ??= file.chunks()[Symbol.asyncIterator]();
        const next = await iter.next();
        if (next.done) decoder.end();
        else decoder.push(next.value);
      }
    },
    async close(): Promise<void> {
      closed = true;
      await reader?.close();
      await iter?.return?.();
    },
  };
}

/** The CPU a file name says its records belong to, or -1. */
export function cpuOfFileName(path: string): number {
  const m = PER_CPU_NAME.exec(basename(path));
  return m ? Number(m[1]) : -1;
}

/** Throws the coded error for a file whose first record is not blktrace v7/v8. */
function checkFileStart(f: InputFile): void {
  const c = checkStart(f.head);
  if (c.kind === 'ok') return;
  if (c.kind === 'short')
    throw new UfqReplayError(
      'BLKTRACE_TRUNCATED',
      `file ends inside the first record (${f.head.length} bytes)`,
      {
        file: f.path,
        offset: 0,
        hint: 'the capture was cut short; a blktrace record header is 48 bytes',
      },
    );
  if (c.kind === 'bad-version')
    throw new UfqReplayError(
      'BLKTRACE_BAD_VERSION',
      `unsupported blktrace version ${c.version}, expected 7 (or 8)`,
      {
        file: f.path,
        offset: 0,
        record: 0,
        hint: 'this reader knows relay records v7 and the provisional v8',
      },
    );
  throw new UfqReplayError(
    'BLKTRACE_BAD_MAGIC',
    `bad magic 0x${c.word.toString(16).padStart(8, '0')}, expected 0x65617407 in either byte order`,
    {
      file: f.path,
      offset: 0,
      record: 0,
      hint: 'not a binary blktrace file; give --format for a text trace',
    },
  );
}

/** The TraceSource of one blktrace file set. */
export class BlktraceSource implements TraceSource {
  readonly info: TraceInfo;
  readonly strings = new StringTable();
  /** At most one event per smallest record (a bare v7 header); undefined when compressed. */
  readonly eventsHint?: number;
  /** How the files are read. */
  readonly layout: BlktraceLayout;
  private readonly shared: DecoderShared;
  private readonly inputs: InputFile[];
  private readonly batchRows: number;
  private used = false;
  /** Batches handed back by the consumer (recycle), refilled before new ones are made. */
  private readonly spare: EventBatch[] = [];

  constructor(files: InputFile[], options: ReadOptions) {
    this.inputs = files;
    this.batchRows = options.batchRows;
    this.shared = newDecoderShared(this.strings);
    const nonEmpty = files.filter((f) => f.head.length > 0);
    if (nonEmpty.length === 0)
      throw new UfqReplayError('INPUT_EMPTY', 'the trace is empty', {
        file: files[0]?.path,
        offset: 0,
        hint: 'an empty per-CPU file is normal for an idle CPU, but every file here is empty',
      });
    for (const f of nonEmpty) checkFileStart(f);
    if (files.every((f) => !f.gzip))
      this.eventsHint = Math.ceil(files.reduce((n, f) => n + f.size, 0) / MIN_RECORD_BYTES);
    const first = checkStart(nonEmpty[0].head);
    this.layout =
      files.length > 1 || cpuOfFileName(files[0].path) >= 0 ? 'per-cpu' : classifyHead(nonEmpty[0].head);
    this.info = {
      format: 'blktrace',
      files: files.map((f) => f.path),
      bytes: 0,
      records: 0,
      lines: 0,
      warnings: this.shared.warnings,
      warningWhere: this.shared.warningWhere,
      byteOrder: first.kind === 'ok' && !first.littleEndian ? 'be' : 'le',
      hasStages: true,
    };
  }

  async *batches(): AsyncIterable<EventBatch> {
    invariant(!this.used, 'BlktraceSource.batches() can be iterated once');
    this.used = true;
    const decoders: BlktraceDecoder[] = [];
    const refills = new Map<Stream, Refill>();
    this.inputs.forEach((f, src) => {
      if (f.head.length === 0) return;
      const d = new BlktraceDecoder(this.shared, {
        file: f.path,
        src,
        expectedCpu: this.layout === 'per-cpu' ? cpuOfFileName(f.path) : -1,
        noteTimesComparable: this.layout !== 'dump',
        checkTimeOrder: this.layout !== 'interleaved',
      });
      decoders.push(d);
      refills.set(d, refiller(d, f));
    });
    const refill = (s: Stream) => (refills.get(s) as Refill).next();
    try {
      let streams: Stream[] = decoders;
      if (this.layout === 'interleaved') {
        // blktrace -o - writes each CPU's records in order but chunks of CPUs interleaved:
        // split by CPU (all in memory), then merge like per-CPU files (trace-formats §1.10 item 7).
        const staged = await stageByCpu(decoders[0], () => refill(decoders[0]));
        if (staged.outOfOrder > 0) this.shared.warnings.BLKTRACE_SORTED_EVENTS = staged.outOfOrder;
        streams = staged.streams;
      }

      const order = new StreamOrder<Stream>();
      for (const s of streams) {
        let r = s.advance();
        if (r === NEED_DATA) r = await refill(s);
        if (r === HEAD) order.insert(s);
      }
      const genesis = order.size > 0 ? order.list[0].headTime : 0;
      // Known from here on, for consumers that re-encode while streaming (a dump's is not).
      if (this.layout !== 'dump') this.info.originMonoNs = genesis;
      const cap = this.batchRows;
      const list = order.list;
      while (list.length > 0) {
        let b = this.spare.pop();
        if (b === undefined) {
          b = newBatch(cap);
          this.made.add(b);
        } else clearForRefill(b, b.length);
        b.msg.clear();
        let row = 0;
        while (row < cap && list.length > 0) {
          row = this.fillBatch(b, row, genesis, order);
          const s = this.waiting;
          if (s === undefined) continue;
          // The head stream ran out of bytes mid-batch: read on, then put it back in order.
          this.waiting = undefined;
          const r = await refill(s);
          if (r === DONE) order.dropHead();
          else order.resortHead();
        }
        b.length = row;
        resolveComms(b, this.shared.names, genesis);
        yield b;
      }
      this.finishInfo(
        decoders,
        genesis,
        decoders.every((d) => d.events === 0),
      );
    } finally {
      // Also when the consumer stops early: no file stays open.
      for (const r of refills.values()) await r.close();
    }
  }

  recycle(batch: EventBatch): void {
    // Two spares are enough for a consumer that hands each batch back before the next one.
    // Only this source's own batches: their rows are cleared the way run() expects.
    if (this.spare.length < 2 && this.made.has(batch) && !this.spare.includes(batch)) this.spare.push(batch);
  }

  /** The batches this source allocated. */
  private readonly made = new WeakSet<EventBatch>();

  /** The head stream that returned NEED_DATA in fillBatch, if any. */
  private waiting: Stream | undefined;

  /**
   * Fills rows from `row` on, in blkparse's merge order, until the batch is full, every stream
   * is done, or the head stream needs bytes (then `waiting` is set). The head stream emits a
   * run while its next time is not later than the second stream's (merge.ts).
   */
  private fillBatch(b: EventBatch, row: number, genesis: number, order: StreamOrder<Stream>): number {
    const cap = this.batchRows;
    const list = order.list;
    while (row < cap && list.length > 0) {
      const s = list[0];
      const limit = list.length > 1 ? list[1].headTime : Number.POSITIVE_INFINITY;
      row = s.run(b, row, cap, limit, genesis);
      const r = s.result;
      if (r === NEED_DATA) {
        this.waiting = s;
        return row;
      }
      if (r === DONE) order.dropHead();
      else if (s.headTime > limit) order.resortHead();
    }
    return row;
  }

  private finishInfo(decoders: BlktraceDecoder[], genesis: number, noEvents: boolean): void {
    const info = this.info;
    for (const d of decoders) {
      info.bytes += d.bytes;
      info.records += d.records;
    }
    const sequences = this.shared.sequences;
    if (sequences.hasLost) info.lostEvents = { ...sequences.lost };
    const ts = this.shared.timestamp;
    if (this.layout === 'dump') {
      // A dump's events carry relative times only: the absolute genesis is lost, and the
      // TIMESTAMP note (trace start, usually within microseconds of the first event) is the
      // closest wall-clock anchor there is.
      if (ts) info.originWallNs = ts.wallNs;
    } else if (ts) {
      info.originWallNs = ts.wallNs + (genesis - ts.monoNs);
    }
    if (noEvents) {
      const cut = this.shared.warningWhere.BLKTRACE_TRUNCATED;
      if (cut)
        throw new UfqReplayError('BLKTRACE_TRUNCATED', 'the trace ends inside its first record', {
          ...cut,
          hint: 'the capture was cut short before any complete event',
        });
      throw new UfqReplayError(
        'BLKTRACE_NO_RECORDS',
        'no events in the trace (only notes or skipped records)',
        {
          file: this.inputs[0]?.path,
          offset: 0,
          hint: 'check that blktrace ran while I/O was issued',
        },
      );
    }
  }
}

/** The blktrace entry of the format registry (trace-formats §7 item 1). */
export const blktraceFormat: TraceFormat = {
  id: 'blktrace',
  description: 'binary blktrace (per-CPU NAME.blktrace.N files, a blkparse -d dump, or blktrace -o - output)',
  sniff: (head) => sniffBlktrace(head),
  open: (files, options) => new BlktraceSource(files, options),
};
