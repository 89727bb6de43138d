// Writes a trace's events, or a paired IoTable, as an Arrow IPC file (default) or stream,
// in record batches of BATCH_ROWS rows (trace-formats §6.3), so multi-GB traces stream in
// bounded memory. Schema metadata is taken from the reader's TraceInfo when the first batch
// is written; the file form's footer repeats the schema, refreshed with the final info
// (lost events and warnings are only known once reading is done).
// Loaded on demand through writer.ts, so that apache-arrow is only loaded when Arrow is written.
import { open } from 'node:fs/promises';
import { type RecordBatch, RecordBatchFileWriter, RecordBatchStreamWriter } from 'apache-arrow';
import { UfqReplayError } from '../../errors.js';
import {
  BATCH_ROWS,
  COLUMN_NAMES,
  type EventBatch,
  newBatch,
  type StringTable,
  type TraceInfo,
  type TraceSource,
} from '../event.js';
import type { IoTable } from '../io-table.js';
import { EventsEncoder, traceMetadata } from './encode-events.js';
import { IosEncoder } from './encode-ios.js';

export interface ArrowWriteOptions {
  /** 'file' (random access, `ARROW1` magic; default) or 'stream' (the IPC streaming form). */
  form?: 'file' | 'stream';
  /** Recorded as `bt.tool_version`. */
  toolVersion?: string;
  /** Rows per record batch (default BATCH_ROWS, ~64 K). */
  batchRows?: number;
}

export interface ArrowWriteSummary {
  rows: number;
  batches: number;
  bytes: number;
}

/** Where encoded bytes go: a file, or memory (tests and small in-process conversions). */
interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

async function fileSink(path: string): Promise<ByteSink> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'w');
  } catch (e) {
    throw new UfqReplayError(
      'OUTPUT_UNWRITABLE',
      `cannot create the output file (${(e as NodeJS.ErrnoException).code})`,
      {
        file: path,
        hint: 'check that the directory exists and is writable',
        cause: e,
      },
    );
  }
  return {
    write: async (chunk) => {
      await fh.write(chunk);
    },
    close: () => fh.close(),
  };
}

function memorySink(parts: Uint8Array[]): ByteSink {
  return {
    write: async (chunk) => {
      parts.push(chunk.slice());
    },
    close: async () => {},
  };
}

/** Drives an apache-arrow writer: batches in, bytes pumped to the sink as they are produced. */
class IpcOut {
  private readonly writer: RecordBatchFileWriter | RecordBatchStreamWriter;
  private readonly pump: Promise<void>;
  private failure: unknown;
  bytes = 0;
  batches = 0;

  constructor(form: 'file' | 'stream', sink: ByteSink) {
    const writer = form === 'file' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
    this.writer = writer;
    this.pump = (async () => {
      for await (const chunk of writer) {
        this.bytes += chunk.byteLength;
        await sink.write(chunk);
      }
      await sink.close();
    })().catch((e) => {
      this.failure = e;
    });
  }

  write(batch: RecordBatch): void {
    if (this.failure) throw this.failure;
    this.writer.write(batch);
    this.batches++;
  }

  /** Writes the footer (file form) or end-of-stream marker and waits for the last byte. */
  async close(): Promise<void> {
    this.writer.close();
    await this.pump;
    if (this.failure) throw this.failure;
  }
}

/** Appends rows [from, from + n) of `src` at row `at` of `dst` (column-wise copies). */
function appendRows(dst: EventBatch, at: number, src: EventBatch, from: number, n: number): void {
  for (const name of COLUMN_NAMES) {
    const d = dst[name] as Float64Array;
    d.set((src[name] as Float64Array).subarray(from, from + n), at);
  }
  for (const [k, v] of src.msg) if (k >= from && k < from + n) dst.msg.set(at + k - from, v);
}

async function writeEvents(
  source: TraceSource,
  sink: ByteSink,
  options: ArrowWriteOptions,
): Promise<ArrowWriteSummary> {
  const batchRows = options.batchRows ?? BATCH_ROWS;
  const out = new IpcOut(options.form ?? 'file', sink);
  let encoder: EventsEncoder | undefined;
  let metadata: Map<string, string> | undefined;
  const start = () => {
    metadata = traceMetadata(source.info, 'events', options.toolVersion);
    encoder = new EventsEncoder(metadata);
    return encoder;
  };
  let stage = newBatch(batchRows);
  let rows = 0;
  const flush = (b: EventBatch, n: number) => {
    const enc = encoder ?? start();
    out.write(enc.encode(b, n, source.strings, source.info.originWallNs));
    rows += n;
  };
  try {
    for await (const b of source.batches()) {
      if (stage.length === 0 && b.length === batchRows) {
        flush(b, b.length);
        continue;
      }
      let from = 0;
      while (from < b.length) {
        const n = Math.min(b.length - from, batchRows - stage.length);
        appendRows(stage, stage.length, b, from, n);
        stage.length += n;
        from += n;
        if (stage.length === batchRows) {
          flush(stage, stage.length);
          stage = newBatch(batchRows);
        }
      }
    }
    if (stage.length > 0 || rows === 0) flush(stage, stage.length);
    // The footer (file form) carries the schema again: refresh its metadata with the final info.
    traceMetadata(source.info, 'events', options.toolVersion, metadata);
  } finally {
    await out.close();
  }
  return { rows, batches: out.batches, bytes: out.bytes };
}

/**
 * Streams every event of `source` into an Arrow events file at `path` (trace-formats §6.1).
 * Throws OUTPUT_UNWRITABLE when the file cannot be created; reader errors pass through.
 */
export async function writeEventsArrow(
  source: TraceSource,
  path: string,
  options: ArrowWriteOptions = {},
): Promise<ArrowWriteSummary> {
  return writeEvents(source, await fileSink(path), options);
}

/** The same, into memory: the IPC bytes of the whole trace. */
export async function encodeEventsArrow(
  source: TraceSource,
  options: ArrowWriteOptions = {},
): Promise<{ bytes: Uint8Array; summary: ArrowWriteSummary }> {
  const parts: Uint8Array[] = [];
  const summary = await writeEvents(source, memorySink(parts), options);
  return { bytes: Buffer.concat(parts), summary };
}

/** Options of writeIosArrow: those of every Arrow file, and what is written besides the I/O rows. */
export interface IosArrowWriteOptions extends ArrowWriteOptions {
  /** Empty flushes (PairResult.flushes), written after the I/O rows in batches of their own. */
  flushes?: IoTable;
}

/**
 * Writes a paired IoTable as an Arrow ios file (trace-formats §6.2), `info` giving the
 * metadata of the trace it was paired from, then the rows of `options.flushes`; `req`
 * numbers the file's rows, so the flush rows continue after the last I/O's.
 */
export async function writeIosArrow(
  ios: IoTable,
  strings: StringTable,
  info: TraceInfo,
  path: string,
  options: IosArrowWriteOptions = {},
): Promise<ArrowWriteSummary> {
  const batchRows = options.batchRows ?? BATCH_ROWS;
  const out = new IpcOut(options.form ?? 'file', await fileSink(path));
  const encoder = new IosEncoder(traceMetadata(info, 'ios', options.toolVersion));
  const tables = options.flushes === undefined ? [ios] : [ios, options.flushes];
  let rows = 0;
  try {
    for (const t of tables) {
      for (let from = 0; from < t.length; from += batchRows)
        out.write(encoder.encode(t, from, Math.min(batchRows, t.length - from), strings, rows));
      rows += t.length;
    }
    // An empty table is one empty batch (the schema alone).
    if (rows === 0) out.write(encoder.encode(ios, 0, 0, strings));
  } finally {
    await out.close();
  }
  return { rows, batches: out.batches, bytes: out.bytes };
}
