// TraceFormat 'fio-iolog': fio's version 2 and 3 I/O logs (trace-formats §5.1), detected by
// their exact first line. Streams lines through IologDecoder; a line that cannot be parsed
// ends the read with IOLOG_BAD_LINE and its line number. Rows pass a reorder window, so
// times start at 0 and a v3 log written slightly out of order is put back in order.
import { UfqReplayError } from '../../errors.js';
import { ReorderWindow } from '../csv/reorder.js';
import { BATCH_ROWS, type EventBatch, StringTable, type TraceInfo, type TraceSource } from '../event.js';
import type { ReadOptions, TraceFormat } from '../format.js';
import { type InputFile, textLines } from '../input.js';
import { IOLOG_V2_HEADER, IOLOG_V3_HEADER, IologDecoder } from './decoder.js';

class IologSource implements TraceSource {
  readonly strings = new StringTable();
  readonly info: TraceInfo;

  constructor(
    private readonly files: InputFile[],
    private readonly options: ReadOptions,
  ) {
    this.info = {
      format: 'fio-iolog',
      files: files.map((f) => f.path),
      bytes: 0,
      records: 0,
      lines: 0,
      warnings: {},
      hasStages: false,
    };
  }

  async *batches(): AsyncIterable<EventBatch> {
    const w = new ReorderWindow(this.options.batchRows || BATCH_ROWS, this.info.warnings, true);
    for (const [src, file] of this.files.entries()) {
      const dec = new IologDecoder(file.path, this.strings, this.info);
      const counting = async function* (info: TraceInfo) {
        for await (const c of file.chunks()) {
          info.bytes += c.length;
          yield c;
        }
      };
      for await (const { lines, firstLineNo } of textLines(counting(this.info))) {
        for (let k = 0; k < lines.length; k++) {
          if (w.full) {
            const b = w.take(false)!;
            this.info.records += b.length;
            yield b;
          }
          const r = dec.line(lines[k], firstLineNo + k, w.pending, src);
          if (r instanceof UfqReplayError) throw r;
          if (r) w.commit();
        }
        this.info.lines = firstLineNo + lines.length - 1;
      }
      if (dec.version === 0)
        throw new UfqReplayError('INPUT_EMPTY', 'the iolog is empty', {
          file: file.path,
          hint: 'see docs/formats.md',
        });
    }
    const last = w.take(true);
    if (last) {
      this.info.records += last.length;
      yield last;
    }
    // A header and file actions only (add, open, close): nothing to analyse or replay.
    if (this.info.records === 0)
      throw new UfqReplayError('INPUT_EMPTY', 'the iolog holds no I/O, only its header and file actions', {
        file: this.files[0]?.path,
        hint: 'fio writes read, write, trim and sync lines for each I/O; see docs/formats.md',
      });
  }
}

export const iologFormat: TraceFormat = {
  id: 'fio-iolog',
  description: 'fio iolog, version 2 or 3 (`fio --write_iolog`)',
  sniff(_head, lines) {
    const first = lines[0]?.trim();
    return first === IOLOG_V2_HEADER || first === IOLOG_V3_HEADER ? 1 : 0;
  },
  open: (files, options) => new IologSource(files, options),
};
