// Writes a built report: the Markdown file and its SVG charts in a `charts/` folder beside it,
// which the Markdown references by relative path (GitHub and browsers resolve it the same way).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UfqReplayError } from '../errors.js';
import { buildReport, type ReportOptions } from './markdown.js';
import type { ReportRun } from './run-view.js';

export interface WrittenReport {
  markdown: string;
  /** Paths of the SVG files written. */
  charts: string[];
}

/** Builds the report of `runs` and writes it to `path` (charts to `charts/` beside it). */
export async function writeReport(
  runs: readonly ReportRun[],
  path: string,
  options: ReportOptions,
): Promise<WrittenReport> {
  const built = await buildReport(runs, { ...options, chartDir: 'charts' });
  const chartDir = join(dirname(path), 'charts');
  try {
    await mkdir(chartDir, { recursive: true });
    await writeFile(path, built.markdown);
    const written: string[] = [];
    for (const c of built.charts) {
      const file = join(chartDir, c.file);
      await writeFile(file, c.svg);
      written.push(file);
    }
    return { markdown: built.markdown, charts: written };
  } catch (e) {
    throw new UfqReplayError(
      'OUTPUT_UNWRITABLE',
      `cannot write the report (${(e as NodeJS.ErrnoException).code})`,
      {
        file: path,
        hint: 'check that the directory is writable',
        cause: e,
      },
    );
  }
}
