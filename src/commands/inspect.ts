// `ufq-replay inspect TRACE...`: btt's figures for a recorded trace (trace-formats §4), plus
// latency percentiles, throughput and per-process, per-op and per-class figures. Reads,
// pairs and summarises; the figures come from trace/pair, trace/btt and metrics/.
import { Args, Flags } from '@oclif/core';
import { type FlushSummary, summarizeFlushes } from '../metrics/flushes.js';
import { type IoSummary, summarizeIos } from '../metrics/summary.js';
import { renderInspect } from '../report/inspect-tables.js';
import { type BttFigure, type BttMerges, type ContractBttMetric, contractFigures } from '../trace/btt.js';
import type { WarningCounts } from '../trace/event.js';
import { parseIoprioRules } from '../trace/ioprio-rules.js';
import { openTraceFiles, resolveTrace } from '../trace/open.js';
import { type PairResult, pairEvents } from '../trace/pair.js';
import { BaseCommand } from './base-command.js';

/** The `inspect --json` contract (CONTRACTS.md). */
export interface InspectResult {
  btt: Record<ContractBttMetric, BttFigure>;
  merges: BttMerges;
  latency: IoSummary['latency'];
  throughput: IoSummary['throughput'];
  processes: IoSummary['processes'];
  byOp: IoSummary['byOp'];
  byClass: IoSummary['byClass'];
  /** Empty flushes (fsync's cache flushes), paired apart from the bios (docs/metrics.md); n 0 when none. */
  flushes: FlushSummary;
  warnings: WarningCounts;
}

/** With several traces, each result carries the trace it describes. */
export type LabelledInspectResult = InspectResult & { trace: string };

export default class Inspect extends BaseCommand {
  static override summary = 'Analyse a recorded trace as btt does, with percentiles and per-process figures.';

  static override description =
    `Pairs the trace's events into I/Os exactly as btt does and prints btt's "All Devices" latencies (Q2Q ... Q2C) and "Device Merge Information", then nearest-rank latency percentiles (Q2C, Q2D, D2C), throughput from the first Q to the last C, and the same per process, per operation and per I/O priority class, with Jain's fairness index over the processes' contention window. Empty flushes (an fsync's cache flush), which btt leaves out, are paired apart and summarised under flushes. Events that could not be paired are counted under warnings.

Several TRACE arguments (or a directory holding several traces) give one result each; with --json that is an array of results, each with a "trace" field.`;

  static override examples = [
    {
      command: '<%= config.bin %> inspect traces/seqwrite-plug.none',
      description: 'A blktrace capture (NAME.blktrace.*).',
    },
    {
      command: '<%= config.bin %> inspect run1.blkparse.txt --ioprio comm:fio=be/4 --ioprio pid:812=idle',
      description: 'Give priorities to I/Os of a trace that recorded none.',
    },
    { command: '<%= config.bin %> inspect traces/rw-mix.kyber --json', description: 'The figures as JSON.' },
  ];

  static override strict = false;

  static override args = {
    trace: Args.string({
      required: true,
      description:
        'Trace: a blktrace base name, a file in any supported format (optionally .gz), or a directory.',
    }),
  };

  static override flags = {
    format: Flags.string({ description: 'Read the trace as this format instead of detecting it.' }),
    ioprio: Flags.string({
      multiple: true,
      description:
        'Priority for I/Os the trace gives none: pid:PID=CLASS[/LEVEL] or comm:NAME[*]=CLASS[/LEVEL], CLASS rt|be|idle|none.',
    }),
  };

  async run(): Promise<InspectResult | LabelledInspectResult[]> {
    const { argv, flags } = await this.parse(Inspect);
    const rules = parseIoprioRules(flags.ioprio ?? []);
    const groups: string[][] = [];
    for (const name of argv as string[]) groups.push(...(await resolveTrace(name)));
    const results: LabelledInspectResult[] = [];
    for (const files of groups) {
      const label = traceLabel(files);
      const source = await openTraceFiles(files, { format: flags.format });
      const paired = await pairEvents(source, { ioprioRules: rules });
      const summary = summarizeIos(paired.ios, paired.strings, paired.flushes);
      const result = inspectResult(paired, summary);
      if (!this.jsonEnabled() && !flags.quiet)
        this.log(renderInspect(label, paired, summary, result.warnings, result.flushes));
      results.push({ trace: label, ...result });
    }
    if (results.length === 1) {
      const { trace: _, ...only } = results[0];
      return only;
    }
    return results;
  }
}

/** Builds the contract object from a pairing and its summary. */
export function inspectResult(paired: PairResult, summary: IoSummary): InspectResult {
  const warnings: WarningCounts = { ...paired.info.warnings };
  for (const [reason, n] of Object.entries(paired.warnings)) warnings[reason] = (warnings[reason] ?? 0) + n;
  return {
    btt: contractFigures(paired.btt),
    merges: paired.btt.merges,
    latency: summary.latency,
    throughput: summary.throughput,
    processes: summary.processes,
    byOp: summary.byOp,
    byClass: summary.byClass,
    flushes: summarizeFlushes(paired.flushes),
    warnings,
  };
}

/** A blktrace set by its base name (as blkparse takes it), anything else by its path. */
function traceLabel(files: string[]): string {
  const m = /^(.*)\.blktrace\.\d+(\.gz)?$/.exec(files[0]);
  return m ? m[1] : files[0];
}
