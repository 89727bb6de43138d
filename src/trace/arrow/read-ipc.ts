// Reading an Arrow events table (arrow/schema.ts), or an ios table as already-paired I/Os
// (decode-ios.ts), in IPC file or stream form, plain or gzip-compressed, for the 'arrow'
// format (reader.ts), which imports this module on first use so that apache-arrow is only
// loaded when Arrow is read. An uncompressed file is read through its file handle, so the
// file form is read batch by batch from its footer; a gzip file is streamed.
import { open as openFile } from 'node:fs/promises';
import {
  type AsyncRecordBatchFileReader,
  type AsyncRecordBatchStreamReader,
  RecordBatchReader,
  type Schema,
} from 'apache-arrow';
import { UfqReplayError } from '../../errors.js';
import type { EventBatch, StringTable, TraceInfo } from '../event.js';
import type { InputFile } from '../input.js';
import { EventsDecoder } from './decode-events.js';
import { IosDecoder, isIosSchema } from './decode-ios.js';
import { META } from './dicts.js';

const HINT = 'the file is not a readable Arrow IPC file or stream; see docs/formats.md';

/** Applies the `bt.*` schema metadata to `info` (what the writer recorded). */
function applyMetadata(schema: Schema, info: TraceInfo): void {
  const m = schema.metadata;
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

/** The events of `files` in order, updating `info` and interning names in `strings`. */
export async function* readArrowBatches(
  files: InputFile[],
  info: TraceInfo,
  strings: StringTable,
): AsyncIterable<EventBatch> {
  let stagesKnown = false;
  for (const file of files) {
    const { reader, close } = await openReader(file);
    try {
      applyMetadata(reader.schema, info);
      const schema = reader.schema;
      // An ios table (convert --ios) holds already-paired I/Os, whatever its source had.
      const ios = isIosSchema(schema, schema.metadata.get(META.table));
      if (ios) info.hasStages = false;
      stagesKnown ||= ios || schema.metadata.has(META.hasStages);
      const decoder = ios
        ? new IosDecoder(schema, file.path, strings, info.warnings)
        : new EventsDecoder(schema, file.path, strings, info.warnings);
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
        info.records += b.length;
        if (!stagesKnown && decoder instanceof EventsDecoder && decoder.sawStages) info.hasStages = true;
        if (b.length > 0) yield b;
      }
    } finally {
      await close();
    }
    info.bytes += file.size;
  }
}
