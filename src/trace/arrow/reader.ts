// TraceFormat 'arrow': an events table (arrow/schema.ts), or an ios table read as already-
// paired I/Os, in Arrow IPC file or stream form, plain or gzip-compressed. Detected by magic
// (`ARROW1`, or the 0xFFFFFFFF continuation marker of the stream form). Reading is
// read-ipc.ts, imported when the first batch is asked for, so that other formats and
// commands do not load apache-arrow.
import { type EventBatch, StringTable, type TraceInfo, type TraceSource } from '../event.js';
import type { ReadOptions, TraceFormat } from '../format.js';
import type { InputFile } from '../input.js';
import { isArrowFile, isArrowStream } from './magic.js';

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
    const { readArrowBatches } = await import('./read-ipc.js');
    yield* readArrowBatches(this.files, this.info, this.strings);
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
