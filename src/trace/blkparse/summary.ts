// Recognises the text blkparse prints around its events that is not an event: the summary
// block after them (trace-formats §2.5: per-process and per-CPU tables, totals, throughput,
// event and skip counts) and its "Input file X added" lines before them. Off the hot path:
// only lines that failed to decode as events are looked at.

/** Labels that start summary lines (blkparse.c dump_io_stats and the lines after the tables). */
const LABELS = [
  'Reads Queued:',
  'Read Dispatches:',
  'Reads Requeued:',
  'Reads Completed:',
  'Read Merges:',
  'Read depth:',
  'PC Read',
  'IO unplugs:',
  'Allocation wait:',
  'Dispatch wait:',
  'Completion wait:',
  'Throughput (R/W):',
  'Events (',
  'Skips:',
  'Trace started at',
];

/** True for a line (from its first non-blank `i`) that is one of the summary's labelled lines. */
export function isSummaryLabel(s: string, i: number): boolean {
  for (const l of LABELS) if (s.startsWith(l, i)) return true;
  return false;
}

/**
 * True for a line shaped like a summary block header: `CPU0 (sda):`, `Total (8,0):`, or a
 * per-process `fio (1234)` / `fio (1234, ...)`. Only the next line can confirm it.
 */
export function isSummaryHeader(s: string, i: number): boolean {
  const end = s.trimEnd().length;
  const open = s.indexOf(' (', i);
  if (open <= i) return false;
  const last = s.charCodeAt(end - 1);
  if (last === 41) return true; // ')'
  return last === 58 && s.charCodeAt(end - 2) === 41; // '):'
}

/** blkparse prints this before the events when its output is not sent to a file with -o. */
export function isInputFileNote(s: string, i: number): boolean {
  return s.startsWith('Input file ', i) && s.trimEnd().endsWith(' added');
}
