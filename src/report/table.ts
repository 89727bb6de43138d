// A small terminal table: a header row, a dashed rule, aligned columns. Cells are strings
// already formatted by the caller (this module knows no units). Plus the number formats
// the tables share.

export interface Column {
  header: string;
  /** Numbers read best right-aligned (the default); names left. */
  align?: 'left' | 'right';
}

/** Spaces between columns. */
const GAP = '  ';

/** Renders `rows` under `columns`; each line is indented by `indent` spaces. No trailing newline. */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  indent = 0,
): string {
  const width = columns.map((c, k) => Math.max(c.header.length, ...rows.map((r) => (r[k] ?? '').length)));
  const pad = ' '.repeat(indent);
  const line = (cells: readonly string[]) =>
    pad +
    columns
      .map((c, k) => {
        const cell = cells[k] ?? '';
        return c.align === 'left' ? cell.padEnd(width[k]) : cell.padStart(width[k]);
      })
      .join(GAP)
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    pad + width.map((w) => '-'.repeat(w)).join(GAP),
    ...rows.map(line),
  ].join('\n');
}

/** Nanoseconds as microseconds with `digits` decimals (btt prints seconds; µs reads better). */
export function formatUs(ns: number, digits = 3): string {
  return (ns / 1000).toFixed(digits);
}

/** A rate or ratio with a fixed number of decimals. */
export function formatFixed(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

/** `; while all were backlogged (X ms): Jain J`, or nothing when the flows never all were. */
export function backloggedNote(b: { jain: number; ns: number } | undefined): string {
  if (b === undefined || b.ns <= 0) return '';
  return `; while all were backlogged (${formatFixed(b.ns / 1e6, 1)} ms): Jain ${formatFixed(b.jain, 3)}`;
}
