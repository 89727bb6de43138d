// `ufq-replay report RESULTS.json... --out report.md`: the Markdown report with SVG charts from
// one or more results files (compare's results.json, one per shard, or run's result.json).
// Shards are merged in matrix order and duplicate runs dropped (src/report/merge.ts).
import { Args, Flags } from '@oclif/core';
import { mergeResults, readResultsFile } from '../report/merge.js';
import { writeReport } from '../report/write.js';
import { BaseCommand } from './base-command.js';

export interface ReportResult {
  /** The Markdown file and the SVG files written. */
  markdown: string;
  charts: string[];
  runs: number;
  duplicates: number;
  shards: string[];
}

export default class Report extends BaseCommand {
  static override summary = 'Write a Markdown report with SVG charts from results files.';

  static override description =
    `Reads results.json files written by compare --out (one per shard of a sweep, in any order) or result.json files of run --out, merges them (runs in matrix order when matrix.json lies beside each file; a run present twice is kept once), and writes the report: inputs, a comparison table per trace and device, Q2C latency CDF, p99 per process, throughput over time and per-process share charts (SVG in charts/ beside the report), per-process tables, ops_stats, warnings and ejections.`;

  static override examples = [
    {
      command: '<%= config.bin %> report cmp/results.json --out cmp/report.md',
      description: 'Rebuild the report of one compare.',
    },
    {
      command: '<%= config.bin %> report shard-*/results.json --out sweep/report.md',
      description: 'Merge the shards of a sweep into one report.',
    },
  ];

  static override strict = false;

  static override args = {
    results: Args.string({
      required: true,
      description: 'results.json files (compare --out) or result.json (run --out).',
    }),
  };

  static override flags = {
    out: Flags.string({
      required: true,
      description: 'The Markdown file to write; charts go to charts/ beside it.',
    }),
  };

  async run(): Promise<ReportResult> {
    const { argv, flags } = await this.parse(Report);
    const files = [];
    for (const f of argv as string[]) files.push(await readResultsFile(f));
    const merged = mergeResults(files);
    if (merged.duplicates > 0) this.note(`note: ${merged.duplicates} duplicate run(s) dropped`);
    const producedBy = merged.producedBy.filter((v) => v !== this.config.version);
    const written = await writeReport(merged.runs, flags.out, {
      toolVersion: this.config.version,
      producedBy,
    });
    if (!this.jsonEnabled() && !flags.quiet)
      this.log(
        `wrote ${flags.out} (${merged.runs.length} runs${merged.shards.length > 0 ? ` from shards ${merged.shards.join(', ')}` : ''}) and ${written.charts.length} charts`,
      );
    return {
      markdown: flags.out,
      charts: written.charts,
      runs: merged.runs.length,
      duplicates: merged.duplicates,
      shards: merged.shards,
    };
  }
}
