// The mechanics of a disk as pure functions of a profile: the power-law seek curve fitted to
// three datasheet figures, the zoned media rate, sectors per track and platter angles
// (devices-metrics §2.2). No state and no queueing: hdd.ts drives these.
import type { HddProfile } from './profile.js';
import { NS_PER_MS, nsPerByte, SECTOR_BYTES } from './units.js';

/**
 * Intervals of the seek-curve table. x^p is tabulated against u = x^(1/4), where u^(4p) is
 * smooth for any exponent above 1/4 (p is about 0.5-1 for real drives), so linear
 * interpolation is within tens of ns of Math.pow (h²/8 · max|f''| · span: ~11 ns at p = 0.73,
 * ~57 ns at p = 1.5, against seeks of milliseconds) at a fraction of its cost; NCQ evaluates
 * the curve for every queued command at every dispatch.
 */
const SEEK_TABLE_INTERVALS = 1024;

/**
 * Exponent p of T(x) = t_min + (t_full - t_min)·x^p, x = seek distance / full stroke, such
 * that the mean over uniformly random pairs (distance density 2(1 - x)) is t_avg:
 * E[x^p] = 2/((p+1)(p+2)), so (p+1)(p+2) = 2(t_full - t_min)/(t_avg - t_min) (§2.2).
 * Needs t_min < t_avg < t_full (the validator checks it).
 */
export function seekExponent(tMinMs: number, tAvgMs: number, tFullMs: number): number {
  const r = (2 * (tFullMs - tMinMs)) / (tAvgMs - tMinMs);
  // p^2 + 3p + (2 - r) = 0, positive root.
  return (-3 + Math.sqrt(9 - 4 * (2 - r))) / 2;
}

export class HddGeometry {
  readonly capacitySectors: number;
  /** One revolution, ns. */
  readonly revNs: number;
  readonly seekMinNs: number;
  readonly seekSpanNs: number;
  readonly seekExponent: number;
  /** Bytes per ns at the outer edge. */
  private readonly odBytesPerNs: number;
  /** 1 - k², k = inner/outer rate ratio. */
  private readonly zoneShrink: number;
  /** seekMinNs + seekSpanNs · x^p at u = x^(1/4) = i / SEEK_TABLE_INTERVALS. */
  private readonly seekTable: Float64Array;

  constructor(p: HddProfile) {
    this.capacitySectors = Math.floor((p.capacityGB * 1e9) / SECTOR_BYTES);
    this.revNs = (60_000 * NS_PER_MS) / p.rpm;
    this.seekMinNs = p.trackToTrackSeekMs * NS_PER_MS;
    this.seekSpanNs = (p.fullStrokeSeekMs - p.trackToTrackSeekMs) * NS_PER_MS;
    this.seekExponent = seekExponent(p.trackToTrackSeekMs, p.avgSeekMs, p.fullStrokeSeekMs);
    this.odBytesPerNs = 1 / nsPerByte(p.mediaRateOdMBps);
    const k = p.mediaRateIdMBps / p.mediaRateOdMBps;
    this.zoneShrink = 1 - k * k;
    this.seekTable = new Float64Array(SEEK_TABLE_INTERVALS + 2);
    for (let i = 0; i <= SEEK_TABLE_INTERVALS + 1; i++)
      this.seekTable[i] =
        this.seekMinNs + this.seekSpanNs * (i / SEEK_TABLE_INTERVALS) ** (4 * this.seekExponent);
  }

  /**
   * Media rate at `sector`, bytes/ns. Tracks hold bits in proportion to their radius and LBAs
   * run from the outer edge inward, so at LBA fraction f: rate = R_OD·sqrt(1 - f(1 - k²)) (§2.2).
   */
  rateAt(sector: number): number {
    let f = sector / this.capacitySectors;
    if (f > 1) f = 1;
    else if (f < 0) f = 0;
    return this.odBytesPerNs * Math.sqrt(1 - f * this.zoneShrink);
  }

  /** Sectors on the track holding `sector`: rate x revolution / sector size. */
  sectorsPerTrack(sector: number): number {
    return (this.rateAt(sector) * this.revNs) / SECTOR_BYTES;
  }

  /** Media transfer time of `sectors` starting at `sector`, ns (rate of the first track). */
  transferNs(sector: number, sectors: number): number {
    return (sectors * SECTOR_BYTES) / this.rateAt(sector);
  }

  /**
   * Seek time from `from` to `to`, ns. Within one track's worth of sectors the head does not
   * move (the rotational wait covers it); beyond, the power law on the LBA-fraction distance.
   * SIMPLIFIED: distance is measured in LBAs, not cylinders (docs/device-profiles.md).
   */
  seekNs(from: number, to: number): number {
    return this.seekDistanceNs(to > from ? to - from : from - to, this.sectorsPerTrack(from));
  }

  /** seekNs for a distance of `d` sectors from a head on a track of `headSpt` sectors. */
  seekDistanceNs(d: number, headSpt: number): number {
    if (d < headSpt) return 0;
    let x = d / this.capacitySectors;
    if (x > 1) x = 1;
    const pos = Math.sqrt(Math.sqrt(x)) * SEEK_TABLE_INTERVALS;
    const i = pos | 0;
    const t = this.seekTable;
    return t[i] + (t[i + 1] - t[i]) * (pos - i);
  }

  /** Angular position (fraction of a turn, [0, 1)) of `sector` on its track. */
  sectorAngle(sector: number): number {
    const a = sector / this.sectorsPerTrack(sector);
    return a - Math.floor(a);
  }
}
