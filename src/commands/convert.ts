// `ufq-replay convert TRACE --to arrow|csv --out FILE [--ios]`: streams a trace in any
// readable format into the Arrow events schema or the generic CSV schema, or, with --ios,
// pairs it first and writes one row per I/O, then one per empty flush. Thin: readers,
// pairing and writers live in trace/.
import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { UfqReplayError } from '../errors.js';
import { writeEventsArrow, writeIosArrow } from '../trace/arrow/writer.js';
import { writeEventsCsv, writeIosCsv } from '../trace/csv/writer.js';
import type { EventBatch, TraceSource, WarningCounts } from '../trace/event.js';
import { openTrace } from '../trace/open.js';
import { pairEvents } from '../trace/pair.js';
import { BaseCommand } from './base-command.js';

/** The `convert --json` result. */
export interface ConvertResult {
  /** The trace as named on the command line. */
  trace: string;
  /** Format id the trace was read as (detected or --format). */
  format: string;
  to: 'arrow' | 'csv';
  /** `events`: one row per trace record; `ios`: one row per paired I/O. */
  table: 'events' | 'ios';
  /** Events read from the trace. */
  events: number;
  /** Rows written (with --ios: the I/Os, then the empty flushes). */
  rows: number;
  out: string;
  /** Bytes written to `out`. */
  bytes: number;
  /** Records the reader skipped (and, with --ios, events pairing could not use), by reason. */
  warnings: WarningCounts;
}

export default class Convert extends BaseCommand {
  static override summary = 'Convert a trace to Arrow or CSV: normalised events, or one row per I/O.';

  static override description =
    `Reads TRACE in any supported format (blktrace binary, blkparse text, ftrace, block tracepoints, Arrow, fio iolog, MSR/Alibaba/SPC/Tencent CSV, generic CSV) and writes its events in the Arrow events schema or the generic CSV schema of docs/formats.md. Both read back as the same events, so a converted file is a valid TRACE for every command.

With --ios the events are paired first (as inspect pairs them) and the output holds one row per I/O with its Q, G, I, M, D and C times: the table pandas, Polars or DuckDB users usually want. The empty flushes (an fsync's cache flush, which btt leaves out) follow the I/Os as rows of their own, with the same columns: no sector, 0 bytes, op and flags as recorded (a write with PREFLUSH). Read back as a trace, those rows are empty flushes again (docs/formats.md).

Progress and warnings go to stderr; stdout stays empty unless --json is given.`;

  static override examples = [
    {
      command: '<%= config.bin %> convert traces/seqwrite-plug.none --to arrow --out seqwrite.arrow',
      description: 'A blktrace capture as an Arrow events file.',
    },
    {
      command: '<%= config.bin %> convert hm_0.csv.gz --to arrow --ios --out hm_0.ios.arrow',
      description: 'An MSR Cambridge trace as one row per I/O.',
    },
    {
      command: '<%= config.bin %> convert run.blkparse.txt --to csv --out run.csv --json',
      description: 'blkparse text as generic CSV, with a JSON summary on stdout.',
    },
  ];

  static override args = {
    trace: Args.string({
      required: true,
      description:
        'Trace: a blktrace base name, a file in any supported format (optionally .gz), or a directory holding one trace.',
    }),
  };

  static override flags = {
    to: Flags.string({
      required: true,
      options: ['arrow', 'csv'],
      description: 'Output format: arrow (Apache Arrow IPC) or csv (the generic CSV schema).',
    }),
    out: Flags.string({ char: 'o', required: true, description: 'Output file (overwritten).' }),
    ios: Flags.boolean({
      default: false,
      description: 'Pair the events and write one row per I/O, then one per empty flush (fsync).',
    }),
    format: Flags.string({ description: 'Read the trace as this format id instead of detecting it.' }),
    stream: Flags.boolean({
      default: false,
      description: 'With --to arrow: write the IPC stream form instead of the file form.',
    }),
  };

  async run(): Promise<ConvertResult> {
    const { args, flags } = await this.parse(Convert);
    const to = flags.to as 'arrow' | 'csv';
    if (flags.stream && to !== 'arrow')
      throw new UfqReplayError('FLAG_INVALID', '--stream applies to --to arrow only', {
        hint: 'drop --stream, or write --to arrow',
      });
    const counter = { events: 0 };
    const source = counting(await openTrace(args.trace, { format: flags.format }), counter);
    if (source.info.files.some((f) => resolve(f) === resolve(flags.out)))
      throw new UfqReplayError('FLAG_INVALID', '--out names the input trace', {
        file: flags.out,
        hint: 'write the output to another file',
      });
    const arrowOptions = {
      form: flags.stream ? ('stream' as const) : ('file' as const),
      toolVersion: this.config.version,
    };
    let rows: number;
    let bytes: number;
    let flushRows = 0;
    const warnings: WarningCounts = {};
    if (flags.ios) {
      const paired = await pairEvents(source);
      const flushes = paired.flushes;
      const written =
        to === 'arrow'
          ? await writeIosArrow(paired.ios, paired.strings, paired.info, flags.out, {
              ...arrowOptions,
              flushes,
            })
          : await writeIosCsv(paired.ios, paired.strings, flags.out, { flushes });
      ({ rows, bytes } = written);
      flushRows = flushes.length;
      Object.assign(warnings, paired.info.warnings);
      for (const [reason, n] of Object.entries(paired.warnings))
        warnings[reason] = (warnings[reason] ?? 0) + n;
    } else {
      const written =
        to === 'arrow'
          ? await writeEventsArrow(source, flags.out, arrowOptions)
          : await writeEventsCsv(source, flags.out);
      ({ rows, bytes } = written);
      Object.assign(warnings, source.info.warnings);
    }
    const result: ConvertResult = {
      trace: args.trace,
      format: source.info.format,
      to,
      table: flags.ios ? 'ios' : 'events',
      events: counter.events,
      rows,
      out: flags.out,
      bytes,
      warnings,
    };
    const ofWhich = flushRows > 0 ? ` (the last ${flushRows} empty flushes)` : '';
    this.note(
      `${result.trace} (${result.format}): ${result.events} events -> ${result.out}: ${to} ${result.table} table, ${rows} rows${ofWhich}, ${bytes} bytes`,
    );
    for (const [reason, n] of Object.entries(warnings)) this.note(`warning: ${reason}: ${n}`);
    return result;
  }
}

/** `source`, counting the events its batches carry. */
function counting(source: TraceSource, counter: { events: number }): TraceSource {
  return {
    info: source.info,
    strings: source.strings,
    async *batches(): AsyncIterable<EventBatch> {
      for await (const b of source.batches()) {
        counter.events += b.length;
        yield b;
      }
    },
  };
}
