// TraceFormat 'arrow': an events table (arrow/schema.ts) in Arrow IPC file or stream form,
// plain or gzip-compressed. Detected by magic (`ARROW1`, or the 0xFFFFFFFF continuation
// marker of the stream form). An uncompressed file is read through its file handle, so the
// file form is read batch by batch from its footer; a gzip file is streamed.
import { open as openFile } from 'node:fs/promises';
import {
  type AsyncRecordBatchFileReader,
  type AsyncRecordBatchStreamReader,
  RecordBatchReader,
  type Schema,
} from 'apache-arrow';
import { UfqReplayError } from '../../errors.js';
import { type EventBatch, StringTable, type TraceInfo, type TraceSource } from '../event.js';
import type { ReadOptions, TraceFormat } from '../format.js';
import type { InputFile } from '../input.js';
import { EventsDecoder } from './decode-events.js';
import { isArrowFile, isArrowStream } from './magic.js';
import { META } from './schema.js';

const HINT = 'the file is not a readable Arrow IPC file or stream; see docs/formats.md';

/** Applies the `bt.*` schema metadata to `info` (what the writer recorded). */
function applyMetadata(schema: Schema, info: TraceInfo, file: string): void {
  const m = schema.metadata;
  if (m.get(META.table) === 'ios')
    throw new UfqReplayError(
      'ARROW_BAD_SCHEMA',
      'this is an ios table (one row per I/O), not an events table',
      {
        file,
        hint: 'convert the trace without --ios to get an events file; see docs/formats.md',
      },
    );
  const num = (k: string) => {
    const v = m.get(k);
    const x = v === undefined || v === '' ? Number.NaN : Number(v);
    return Number.isFinite(x) ? x : undefined;
  };
  const json = (k: string): unknown => {
    try {
      const v = m.get(k);
      return v === undefined ? undefined : JSON.parse(v);
    } catch {
      return undefined;
    }
  };
  const sources = json(META.sources);
  if (Array.isArray(sources) && sources.length > 0 && sources.every((s) => typeof s === 'string'))
    info.files = sources as string[];
  info.originMonoNs = num(META.originMonoNs);
  info.originWallNs = num(META.originWallNs);
  const order = m.get(META.byteOrder);
  if (order === 'le' || order === 'be') info.byteOrder = order;
  const lost = json(META.lostEvents);
  if (lost && typeof lost === 'object' && Object.keys(lost).length > 0)
    info.lostEvents = lost as Record<string, number>;
  const stages = m.get(META.hasStages);
  if (stages === 'true' || stages === 'false') info.hasStages = stages === 'true';
}

type AsyncRecordBatchReader = AsyncRecordBatchFileReader | AsyncRecordBatchStreamReader;

async function openReader(
  file: InputFile,
): Promise<{ reader: AsyncRecordBatchReader; close: () => Promise<void> }> {
  try {
    if (!file.gzip) {
      const fh = await openFile(file.path, 'r');
      try {
        const reader = (await RecordBatchReader.from(fh)) as AsyncRecordBatchReader;
        await reader.open();
        return { reader, close: () => fh.close().catch(() => {}) };
      } catch (e) {
        await fh.close().catch(() => {});
        throw e;
      }
    }
    const reader = (await RecordBatchReader.from(file.chunks())) as AsyncRecordBatchReader;
    await reader.open();
    return { reader, close: async () => {} };
  } catch (e) {
    if (e instanceof UfqReplayError) throw e;
    throw new UfqReplayError('ARROW_UNREADABLE', `cannot read Arrow data (${(e as Error).message})`, {
      file: file.path,
      hint: HINT,
      cause: e,
    });
  }
}

class ArrowSource implements TraceSource {
  readonly strings = new StringTable();
  readonly info: TraceInfo;

  constructor(private readonly files: InputFile[]) {
    this.info = {
      format: 'arrow',
      files: files.map((f) => f.path),
      bytes: 0,
      records: 0,
      lines: 0,
      warnings: {},
      hasStages: false,
    };
  }

  async *batches(): AsyncIterable<EventBatch> {
    let stagesKnown = false;
    for (const file of this.files) {
      const { reader, close } = await openReader(file);
      try {
        applyMetadata(reader.schema, this.info, file.path);
        stagesKnown ||= reader.schema.metadata.has(META.hasStages);
        const decoder = new EventsDecoder(reader.schema, file.path, this.strings, this.info.warnings);
        let row = 0;
        const it = reader[Symbol.asyncIterator]();
        while (true) {
          let next: IteratorResult<Awaited<ReturnType<typeof it.next>>['value']>;
          try {
            next = await it.next();
          } catch (e) {
            throw new UfqReplayError('ARROW_UNREADABLE', `corrupt record batch (${(e as Error).message})`, {
              file: file.path,
              record: row,
              hint: HINT,
              cause: e,
            });
          }
          if (next.done) break;
          const rb = next.value;
          const b = decoder.decode(rb, row);
          row += rb.numRows;
          this.info.records += b.length;
          if (!stagesKnown && decoder.sawStages) this.info.hasStages = true;
          if (b.length > 0) yield b;
        }
      } finally {
        await close();
      }
      this.info.bytes += file.size;
    }
  }
}

export const arrowFormat: TraceFormat = {
  id: 'arrow',
  description: 'Apache Arrow IPC events table (file or stream form), as `convert --to arrow` writes',
  sniff(head: Uint8Array): number {
    if (isArrowFile(head)) return 1;
    // The marker alone is weak evidence; a plausible schema length follows it.
    if (isArrowStream(head)) return 0.9;
    return 0;
  },
  open(files: InputFile[], _options: ReadOptions): TraceSource {
    return new ArrowSource(files);
  },
};
