// Parses the parts of a btt `.avg` file (btt -o NAME) that `inspect` must reproduce: the
// "All Devices" rows (seconds, converted to ns) and "Device Merge Information".

export interface BttAvgRow {
  min_ns: number;
  avg_ns: number;
  max_ns: number;
  n: number;
}

export interface BttAvgMerge {
  dev: string;
  q: number;
  d: number;
  /** As printed, one decimal. */
  ratio: number;
  blkmin: number;
  blkavg: number;
  blkmax: number;
  total: number;
}

export interface BttAvg {
  /** Rows btt printed (it omits rows with N = 0), by name (Q2Q, Q2G, ...). */
  all: Record<string, BttAvgRow>;
  /** Per-device merge rows, and the TOTAL row when btt printed one. */
  merges: BttAvgMerge[];
  mergeTotal?: BttAvgMerge;
}

function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('=') && l.includes(` ${title} `));
  if (start < 0) return [];
  const out: string[] = [];
  for (let i = start + 1; i < lines.length && !lines[i].startsWith('='); i++) out.push(lines[i]);
  return out;
}

export function parseBttAvg(text: string): BttAvg {
  const all: Record<string, BttAvgRow> = {};
  for (const line of section(text, 'All Devices')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 5 || !/^[QGIMDSA]2[QGIMDCA](dm)?$/.test(f[0])) continue;
    all[f[0]] = {
      min_ns: Number(f[1]) * 1e9,
      avg_ns: Number(f[2]) * 1e9,
      max_ns: Number(f[3]) * 1e9,
      n: Number(f[4]),
    };
  }
  const merges: BttAvgMerge[] = [];
  let mergeTotal: BttAvgMerge | undefined;
  for (const line of section(text, 'Device Merge Information')) {
    const parts = line.split('|');
    if (parts.length !== 3) continue;
    const [q, d, ratio] = parts[1].trim().split(/\s+/).map(Number);
    const [blkmin, blkavg, blkmax, total] = parts[2].trim().split(/\s+/).map(Number);
    if (!Number.isFinite(q) || !Number.isFinite(total)) continue;
    const row = { dev: parts[0].trim(), q, d, ratio, blkmin, blkavg, blkmax, total };
    if (row.dev === 'TOTAL') mergeTotal = row;
    else merges.push(row);
  }
  return { all, merges, mergeTotal };
}
