// TraceFormat 'blktrace': binary blktrace v7 (and provisional v8) from per-CPU files, a single
// `blkparse -d` dump, or one interleaved `blktrace -o -` stream (trace-formats §1, §2.6, §7).
// Per-CPU streams are merged in blkparse's own order (merge.ts); a dump is already merged and
// is read as one stream; an interleaved stream is split by CPU in memory and then merged the
// same way. Decoding is decoder.ts; this file does file handling, the merge loop and errors.
import { basename } from 'node:path';
import { invariant, UfqReplayError } from '../../errors.js';
import {
  batchCapacity,
  type EventBatch,
  newBatch,
  StringTable,
  type TraceInfo,
  type TraceSource,
} from '../event.js';
import type { ReadOptions, TraceFormat } from '../format.js';
import type { InputFile } from '../input.js';
import {
  type AdvanceResult,
  BlktraceDecoder,
  type DecoderShared,
  DONE,
  HEAD,
  NEED_DATA,
  newDecoderShared,
  resolveComms,
} from './decoder.js';
import { type BlktraceLayout, classifyHead } from './layout.js';
import { checkStart, sniffBlktrace } from './magic.js';
import { type MergeStream, StreamOrder } from './merge.js';
import { stageByCpu } from './staged.js';

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

/** Advances a decoder, feeding it chunks of its file until an event is ready or the file ends. */
function refiller(decoder: BlktraceDecoder, file: InputFile): () => Promise<AdvanceResult> {
  let iter: AsyncIterator<Uint8Array> | undefined;
  return async () => {
    for (;;) {
      const r = decoder.advance();
      if (r !== NEED_DATA) return r;
      iter ??= file.chunks()[Symbol.asyncIterator]();
      const next = await iter.next();
      if (next.done) decoder.end();
      else decoder.push(next.value);
    }
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
    const refill = new Map<Stream, () => Promise<AdvanceResult>>();
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
      refill.set(d, refiller(d, f));
    });

    let streams: Stream[] = decoders;
    if (this.layout === 'interleaved') {
      // blktrace -o - writes each CPU's records in order but chunks of CPUs interleaved:
      // split by CPU (all in memory), then merge like per-CPU files (trace-formats §1.10 item 7).
      const staged = await stageByCpu(decoders[0], refill.get(decoders[0]) as () => Promise<AdvanceResult>);
      if (staged.outOfOrder > 0) this.shared.warnings.BLKTRACE_SORTED_EVENTS = staged.outOfOrder;
      streams = staged.streams;
    }

    const order = new StreamOrder<Stream>();
    for (const s of streams) {
      let r = s.advance();
      if (r === NEED_DATA) r = await (refill.get(s) as () => Promise<AdvanceResult>)();
      if (r === HEAD) order.insert(s);
    }
    const genesis = order.size > 0 ? order.list[0].headTime : 0;
    // Known from here on, for consumers that re-encode while streaming (a dump's is not).
    if (this.layout !== 'dump') this.info.originMonoNs = genesis;
    const cap = this.batchRows;
    const list = order.list;
    while (list.length > 0) {
      const b = this.spare.pop() ?? newBatch(cap);
      b.msg.clear();
      let row = 0;
      while (row < cap && list.length > 0) {
        row = this.fillBatch(b, row, genesis, order);
        const s = this.waiting;
        if (s === undefined) continue;
        // The head stream ran out of bytes mid-batch: read on, then put it back in order.
        this.waiting = undefined;
        const r = await (refill.get(s) as () => Promise<AdvanceResult>)();
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
  }

  recycle(batch: EventBatch): void {
    // Two spares are enough for a consumer that hands each batch back before the next one.
    if (this.spare.length < 2 && batchCapacity(batch) === this.batchRows) this.spare.push(batch);
  }

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
