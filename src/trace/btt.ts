// btt's summary figures: the "All Devices" latency table and "Device Merge Information"
// (trace-formats §4.4), accumulated by pair.ts in its single pass over the events.
// This module only keeps the sums and formats them as btt does; which event feeds which
// figure is decided in pair.ts. Other btt sections (seeks, plugs, active periods) are not
// computed.

/** Every latency btt's "All Devices" table can print, in btt's row order (btt/output.c). */
export const BTT_METRICS = [
  'Q2Qdm',
  'Q2Adm',
  'Q2Cdm',
  'Q2Q',
  'Q2A',
  'Q2G',
  'S2G',
  'G2I',
  'Q2M',
  'I2D',
  'M2D',
  'D2C',
  'Q2C',
] as const;
export type BttMetricName = (typeof BTT_METRICS)[number];

/** Index of each metric in the accumulator arrays. */
export const BTT: Readonly<Record<BttMetricName, number>> = Object.fromEntries(
  BTT_METRICS.map((m, i) => [m, i]),
) as Record<BttMetricName, number>;

/** The metrics `inspect --json` reports (CONTRACTS.md), always present. */
export const CONTRACT_BTT_METRICS = ['Q2Q', 'Q2G', 'G2I', 'Q2M', 'I2D', 'M2D', 'D2C', 'Q2C'] as const;
export type ContractBttMetric = (typeof CONTRACT_BTT_METRICS)[number];

/** One row of btt's table, in integer ns; all zero when n is 0. */
export interface BttFigure {
  min_ns: number;
  avg_ns: number;
  max_ns: number;
  n: number;
}

/** btt's "Device Merge Information" (sizes in 512-byte sectors). */
export interface BttMerges {
  /** Incoming bios (Q) plus requeues (R), at least `d`. */
  q: number;
  /** Dispatched requests (D). */
  d: number;
  /** q / d. */
  ratio: number;
  /** Smallest, average (total / d, truncated as btt does) and largest completion; total. */
  blkmin: number;
  blkavg: number;
  blkmax: number;
  total: number;
}

export interface DeviceMerges extends BttMerges {
  /** Kernel dev_t. */
  dev: number;
}

/** Everything btt-like that pairing measured. */
export interface BttStats {
  /** Every metric, including those with n = 0. */
  all: Record<BttMetricName, BttFigure>;
  /** One row per device btt would print (devices with both Qs and Ds). */
  devices: DeviceMerges[];
  /** The sum over devices (btt's TOTAL row, or the only row). */
  merges: BttMerges;
}

/** Per-device counters behind "Device Merge Information" (btt/devs.c d_info). */
export class DeviceCounts {
  /** Linked Qs plus requeues (btt n_qs). */
  nQs = 0;
  /** Issues with bytes (btt n_ds). */
  nDs = 0;
  /** Completions with bytes, and their sizes in sectors (btt avgs.blks). */
  blkN = 0;
  blkMin = 0;
  blkMax = 0;
  blkTotal = 0;

  constructor(readonly dev: number) {}

  // btt/inlines.h update_blks: a completion's size in whole sectors.
  addCompletion(bytes: number): void {
    const sectors = Math.floor(bytes / 512);
    if (this.blkN++ === 0) {
      this.blkMin = sectors;
      this.blkMax = sectors;
    } else if (sectors < this.blkMin) this.blkMin = sectors;
    else if (sectors > this.blkMax) this.blkMax = sectors;
    this.blkTotal += sectors;
  }
}

const K = BTT_METRICS.length;

/** Sums for btt's latency rows; `add` is on the pairing hot path (no allocation). */
export class BttAccumulator {
  private readonly n = new Float64Array(K);
  private readonly min = new Float64Array(K);
  private readonly max = new Float64Array(K);
  private readonly total = new Float64Array(K);

  /** Records one sample of metric `m` (a BTT index), `deltaNs` already clamped. */
  add(m: number, deltaNs: number): void {
    if (this.n[m]++ === 0) {
      this.min[m] = deltaNs;
      this.max[m] = deltaNs;
    } else if (deltaNs < this.min[m]) this.min[m] = deltaNs;
    else if (deltaNs > this.max[m]) this.max[m] = deltaNs;
    this.total[m] += deltaNs;
  }

  figure(m: number): BttFigure {
    const n = this.n[m];
    if (n === 0) return { min_ns: 0, avg_ns: 0, max_ns: 0, n: 0 };
    return { min_ns: this.min[m], avg_ns: Math.round(this.total[m] / n), max_ns: this.max[m], n };
  }

  /** Final figures; `devices` in the order they were first seen (btt's order). */
  result(devices: Iterable<DeviceCounts>): BttStats {
    const all = {} as Record<BttMetricName, BttFigure>;
    for (const name of BTT_METRICS) all[name] = this.figure(BTT[name]);
    const rows: DeviceMerges[] = [];
    for (const dc of devices) {
      const row = deviceMerges(dc);
      if (row) rows.push(row);
    }
    return { all, devices: rows, merges: totalMerges(rows) };
  }
}

// btt/output.c __output_dip_merge_ratio: devices without Qs or Ds are left out, #Q is
// raised to #D, the average is total / #D truncated to an integer.
function deviceMerges(dc: DeviceCounts): DeviceMerges | undefined {
  if (dc.nQs === 0 || dc.nDs === 0) return undefined;
  const q = Math.max(dc.nQs, dc.nDs);
  return {
    dev: dc.dev,
    q,
    d: dc.nDs,
    ratio: q / dc.nDs,
    blkmin: dc.blkMin,
    blkavg: Math.floor(dc.blkTotal / dc.nDs),
    blkmax: dc.blkMax,
    total: dc.blkTotal,
  };
}

// btt/output.c output_dip_merge_ratio: the TOTAL row sums #Q, #D and totals, keeps the
// extreme sizes, and divides the total by #D.
function totalMerges(rows: DeviceMerges[]): BttMerges {
  if (rows.length === 0) return { q: 0, d: 0, ratio: 0, blkmin: 0, blkavg: 0, blkmax: 0, total: 0 };
  let q = 0;
  let d = 0;
  let total = 0;
  let blkmin = rows[0].blkmin;
  let blkmax = rows[0].blkmax;
  for (const r of rows) {
    q += r.q;
    d += r.d;
    total += r.total;
    if (r.blkmin < blkmin) blkmin = r.blkmin;
    if (r.blkmax > blkmax) blkmax = r.blkmax;
  }
  return { q, d, ratio: q / d, blkmin, blkavg: Math.floor(total / d), blkmax, total };
}

/** The eight figures of the `inspect --json` contract. */
export function contractFigures(stats: BttStats): Record<ContractBttMetric, BttFigure> {
  const out = {} as Record<ContractBttMetric, BttFigure>;
  for (const m of CONTRACT_BTT_METRICS) out[m] = stats.all[m];
  return out;
}

/** md (major 9) and dm (253, 254) volumes: btt keeps their Q2Q/Q2A/Q2C apart (btt/inlines.h remapper_dev). */
export function isRemapperDev(dev: number): boolean {
  const major = dev >>> 20;
  return major === 9 || major === 253 || major === 254;
}
