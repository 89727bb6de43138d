// Number formats of the Markdown report: latencies with a unit chosen by magnitude, counts
// with thousands separators, rates with fixed decimals, bytes in decimal units (MB = 10^6 B,
// CONTRACTS.md). Locale-free, so a report's bytes never depend on the machine.

/** A duration in ns as "850 ns", "12.3 µs", "4.56 ms" or "1.23 s" (three significant digits). */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return '-';
  if (ns < 1e3 - 0.5) return `${Math.round(ns)} ns`;
  // Each unit while the rounded figure stays under 1000 of it (999.7 µs reads "1.00 ms").
  for (const [scale, unit] of UNITS)
    if (Number(sig3(ns / scale)) < 1000) return `${sig3(ns / scale)} ${unit}`;
  return `${sig3(ns / 1e9)} s`;
}

const UNITS: readonly [number, string][] = [
  [1e3, 'µs'],
  [1e6, 'ms'],
];

function sig3(x: number): string {
  if (x >= 99.95) return x.toFixed(0);
  if (x >= 9.995) return x.toFixed(1);
  return x.toFixed(2);
}

/** An integer with comma thousands separators. */
export function formatCount(n: number): string {
  const s = Math.round(n).toString();
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `x` with `digits` decimals; '-' when not finite. */
export function formatRate(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return '-';
  const [int, frac] = x.toFixed(digits).split('.');
  return frac === undefined ? formatCount(Number(int)) : `${formatCount(Number(int))}.${frac}`;
}

/** Bytes as "512 B", "12.3 kB", "1.54 MB", "2.10 GB" (decimal units). */
export function formatBytes(n: number): string {
  if (n < 1e3) return `${n} B`;
  for (const [scale, unit] of BYTE_UNITS)
    if (Number(sig3(n / scale)) < 1000) return `${sig3(n / scale)} ${unit}`;
  return `${sig3(n / 1e12)} TB`;
}

const BYTE_UNITS: readonly [number, string][] = [
  [1e3, 'kB'],
  [1e6, 'MB'],
  [1e9, 'GB'],
];

/** A Markdown table: header, alignment row ('l' or 'r' per column), rows; cells are escaped. */
export function markdownTable(
  headers: readonly string[],
  align: string,
  rows: readonly (readonly string[])[],
): string {
  const rule = headers.map((_, k) => (align[k] === 'r' ? '--:' : '---'));
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(headers), `|${rule.join('|')}|`, ...rows.map(line)].join('\n');
}

/** Pipes would end a cell; newlines would end the row. */
export function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
