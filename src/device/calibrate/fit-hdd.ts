// Fits the disk model's mechanics (hdd.ts, devices-metrics §2.2 and §2.5 step 3) from
// idle-device D→C times of random requests, binned by seek distance from where the previous
// request ended. With the rotational wait uniform over one turn, a bin's 5th and 95th
// percentiles sit 0.05 and 0.95 turns apart: their spread over 0.9 is one revolution. A
// bin's mean less half a turn, the command overhead and the transfer is its mean seek
// (E[T | d] − T_rev/2 − size/rate ≈ T_seek(d)). The seek curve t_min + (t_full − t_min)·x^p
// (x = distance / LBA span) is fitted to the bin means against each bin's mean of x^p, and
// the datasheet average follows from p.
// The NCQ window is fitted afterwards by Little's law on the model (fit.ts).
import { OP } from '../../trace/event.js';
import type { HddProfile } from '../profile.js';
import { RANDOM_SEEK_SECTORS } from './device-type.js';
import type { FlushObservations } from './flush-scan.js';
import { detectHitCluster } from './hits.js';
import type { DeviceRequests } from './requests.js';
import { mean, quantile, weightedLine } from './stats.js';

/** SATA 6 Gb/s payload rate, MB/s (§2.3: ≈560–600). */
const ASSUMED_LINK_MBPS = 600;
/** Inner/outer media rate ratio k (§2.2: commonly 0.5–0.6 on 3.5" drives). */
const ASSUMED_ID_OD_RATIO = 0.55;
/** Media rate assumed without a size slope: a 7200 rpm drive's outer zone, 200 MB/s (§2.2 table). */
const ASSUMED_MEDIA_MBPS = 200;
/** Requests faster than this (0.5 ms) cannot have touched the media (§2.2: a 15k rpm turn is 4 ms, the shortest seek ~0.2 ms). */
const NON_MECHANICAL_NS = 500_000;
/** Fast requests needed to read the command overhead off them. */
const MIN_FAST = 5;
/** Command overhead assumed without any, µs (the hdd-7200 built-in's figure). */
const ASSUMED_OVERHEAD_US = 30;
/** Standard spindle speeds (rev/min); a fitted speed within 15% snaps to the nearest. */
const STANDARD_RPM = [4200, 5400, 5900, 7200, 10000, 15000];
const RPM_SNAP = 0.15;
/** Seek-distance bins (equal counts) and the samples a bin needs. */
const SEEK_BINS = 8;
const MIN_BIN = 10;
/** Percentiles whose distance measures one revolution (§2.5 step 3). */
const LOW_Q = 0.05;
const HIGH_Q = 0.95;
/** Grid of seek-curve exponents tried: 0.2..1.5 (√ is 0.5; §2.2's example fit is 0.63). */
const P_MIN = 0.2;
const P_MAX = 1.5;
const P_STEP = 0.01;
/** Shortest track-to-track seek accepted, ms. */
const MIN_T2T_MS = 0.05;
/** Assumed seek curve without enough random samples: 7200 rpm NL drive, ms (§2.2 table). */
const ASSUMED_SEEK = { t2t: 1.0, avg: 8.5, full: 17 };
/** Idle writes faster than this at the median are acknowledged from a cache (§2.5 step 4 says <≈0.2 ms; 1 ms leaves room for the link). */
const CACHED_WRITE_NS = 1_000_000;
/** Command age limit, ms (§2.2: ≈500 ms assumed by ublk-disksim). */
const ASSUMED_AGE_LIMIT_MS = 500;
/** Write settle, ms (§2.2: writes add 0.2–1 ms). */
const ASSUMED_SETTLE_MS = 0.5;
/** Read-ahead and write cache sizes assumed when the trace shows the cache is on. */
const ASSUMED_READ_AHEAD_KIB = 512;
const ASSUMED_SEGMENTS = 16;
const ASSUMED_WRITE_CACHE_KIB = 65536;
const NS_PER_MS = 1e6;

type HddParams = Omit<HddProfile, 'name' | 'type' | 'description' | 'version' | 'source' | '$schema'>;
export type HddFitted = Omit<HddParams, 'queueDepth' | 'nrHwQueues' | 'rotational'>;

export interface SeekBin {
  /** Median distance of the bin as a fraction of the span. */
  x: number;
  /** Every distance in the bin as a fraction of the span (for the mean of x^p). */
  xs: number[];
  /** Mean seek of the bin, ms. */
  seekMs: number;
  spreadMs: number;
  n: number;
}

export interface HddFigures {
  idle: { random: number; floorNs: number };
  revolutionMs: number | null;
  bins: Omit<SeekBin, 'xs'>[];
  seekCurve: { t2tMs: number; fullMs: number; p: number; avgMs: number } | null;
  mediaMBps: number | null;
  writeMedianNs: number | null;
}

export interface HddFit {
  params: HddFitted;
  cites: Record<string, string>;
  figures: HddFigures;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Mean of x^p over a bin's distances. */
function meanPow(xs: readonly number[], p: number): number {
  let s = 0;
  for (const x of xs) s += x ** p;
  return xs.length > 0 ? s / xs.length : 0;
}

/**
 * Power-law seek curve t2t + A·x^p fitted to bins of mean seek: for each p on a grid, least
 * squares of the bin means against the bins' mean x^p; the p with the least error wins.
 */
export function fitSeekCurve(bins: readonly SeekBin[]): HddFigures['seekCurve'] {
  if (bins.length < 3) return null;
  let best: { t2t: number; a: number; p: number; sse: number } | undefined;
  for (let p = P_MIN; p <= P_MAX + 1e-9; p += P_STEP) {
    const xp = bins.map((s) => meanPow(s.xs, p));
    const { a, b } = weightedLine(
      xp,
      bins.map((s) => s.seekMs),
      bins.map((s) => s.n),
    );
    if (b <= 0 || a < MIN_T2T_MS) continue;
    let sse = 0;
    bins.forEach((s, i) => {
      sse += s.n * (a + b * xp[i] - s.seekMs) ** 2;
    });
    if (!best || sse < best.sse) best = { t2t: a, a: b, p, sse };
  }
  if (!best) return null;
  // Mean of x^p over uniformly random pairs (density 2(1 − x)) is 2 / ((p+1)(p+2)) (§2.2).
  const avg = best.t2t + (best.a * 2) / ((best.p + 1) * (best.p + 2));
  return { t2tMs: best.t2t, fullMs: best.t2t + best.a, p: best.p, avgMs: avg };
}

/** Fits the disk model to `reqs` (D order, with in-flight counts and seek distances). */
export function fitHdd(reqs: DeviceRequests, flush?: FlushObservations): HddFit {
  const cites: Record<string, string> = {};
  const d2c = (k: number) => reqs.tC[k] - reqs.tD[k];
  const idle: number[] = [];
  for (let k = 0; k < reqs.length; k++) if (reqs.inflight[k] === 0) idle.push(k);
  // Only cache hits and cached writes show the bare command overhead; a media access never
  // comes back this fast.
  const fast = idle.map(d2c).filter((ns) => ns < NON_MECHANICAL_NS);
  const floorNs = fast.length >= MIN_FAST ? quantile(fast, 0.01) : ASSUMED_OVERHEAD_US * 1000;
  const overheadMs = floorNs / NS_PER_MS;
  cites.commandOverheadUs =
    fast.length >= MIN_FAST
      ? `fitted: 1st percentile of ${fast.length} idle-device requests served without a media access (under ${NON_MECHANICAL_NS / 1e6} ms)`
      : `assumed ${ASSUMED_OVERHEAD_US} us (hdd-7200's figure): no cache hit or cached write in the trace shows it`;

  // LBA span seen (the capacity the seek curve is normalised to).
  let spanEnd = 0;
  for (let k = 0; k < reqs.length; k++)
    if (reqs.sector[k] >= 0) spanEnd = Math.max(spanEnd, reqs.sector[k] + reqs.bytes[k] / 512);
  const capacityGB = Math.max(0.001, (spanEnd * 512) / 1e9);
  cites.capacityGB =
    'fitted: the highest sector the trace touched (a partly used disk is fitted as short-stroked)';

  // Random idle reads (all data requests when reads are few).
  let random = idle.filter((k) => reqs.op[k] === OP.READ && reqs.seekSectors[k] > RANDOM_SEEK_SECTORS);
  if (random.length < SEEK_BINS * MIN_BIN)
    random = idle.filter((k) => reqs.op[k] !== OP.FLUSH && reqs.seekSectors[k] > RANDOM_SEEK_SECTORS);

  // Media rate from the size slope of random requests (median per size).
  const bySize = new Map<number, number[]>();
  for (const k of random) bySize.set(reqs.bytes[k], [...(bySize.get(reqs.bytes[k]) ?? []), d2c(k)]);
  const sizes = [...bySize.entries()].filter(([, v]) => v.length >= MIN_BIN);
  let mediaMBps: number | null = null;
  if (sizes.length >= 2) {
    const { b } = weightedLine(
      sizes.map(([bytes]) => bytes),
      sizes.map(([, v]) => quantile(v, 0.5)),
      sizes.map(([, v]) => v.length),
    );
    if (b > 0) mediaMBps = 1000 / b;
  }
  const rate = mediaMBps ?? ASSUMED_MEDIA_MBPS;
  cites.mediaRateOdMBps =
    mediaMBps !== null
      ? `fitted: random requests cost ${r3(1000 / mediaMBps)} ns more per byte (median per size)`
      : `assumed ${ASSUMED_MEDIA_MBPS} MB/s: one request size, no slope to fit (7200 rpm outer zone, devices-metrics §2.2)`;
  cites.mediaRateIdMBps = `assumed ${ASSUMED_ID_OD_RATIO} x the outer rate (devices-metrics §2.2: k ≈ 0.5–0.6)`;

  // Bins of equal counts by seek distance.
  const order = [...random].sort((a, b) => reqs.seekSectors[a] - reqs.seekSectors[b]);
  const bins: SeekBin[] = [];
  const spanSectors = Math.max(1, spanEnd);
  for (let i = 0; i < SEEK_BINS; i++) {
    const rows = order.slice(
      Math.floor((i * order.length) / SEEK_BINS),
      Math.floor(((i + 1) * order.length) / SEEK_BINS),
    );
    if (rows.length < MIN_BIN) continue;
    const svc = rows.map((k) => (d2c(k) - floorNs - (reqs.bytes[k] * 1000) / rate) / NS_PER_MS);
    const lo = quantile(svc, LOW_Q);
    const hi = quantile(svc, HIGH_Q);
    const xs = rows.map((k) => reqs.seekSectors[k] / spanSectors);
    bins.push({
      x: quantile(xs, 0.5),
      xs,
      seekMs: mean(svc),
      spreadMs: (hi - lo) / (HIGH_Q - LOW_Q),
      n: rows.length,
    });
  }
  const revolutionMs =
    bins.length > 0
      ? quantile(
          bins.map((b) => b.spreadMs),
          0.5,
        )
      : null;
  let rpm = 7200;
  if (revolutionMs !== null && revolutionMs > 0) {
    const raw = 60000 / revolutionMs;
    const snap = STANDARD_RPM.reduce((a, b) => (Math.abs(b - raw) < Math.abs(a - raw) ? b : a));
    rpm = Math.abs(snap - raw) <= RPM_SNAP * snap ? snap : Math.round(raw);
    cites.rpm = `fitted: rotational wait spread ${r3(revolutionMs)} ms per turn (${r3(raw)} rpm)${rpm === snap ? `, snapped to ${snap}` : ''}`;
  } else cites.rpm = 'assumed 7200: too few idle random requests';
  const turnMs = 60000 / rpm;
  for (const b of bins) b.seekMs = Math.max(0, b.seekMs - turnMs / 2);
  const curve = fitSeekCurve(bins);
  const seek = curve
    ? { t2t: curve.t2tMs, avg: curve.avgMs, full: curve.fullMs }
    : { t2t: ASSUMED_SEEK.t2t, avg: ASSUMED_SEEK.avg, full: ASSUMED_SEEK.full };
  const seekCite = curve
    ? `fitted: power law over ${bins.length} seek-distance bins (mean service less half a turn, overhead and transfer), p = ${r3(curve.p)}`
    : 'assumed (7200 rpm nearline datasheet figures, devices-metrics §2.2): too few idle random requests';
  cites.trackToTrackSeekMs = seekCite;
  cites.avgSeekMs = seekCite;
  cites.fullStrokeSeekMs = seekCite;

  // Caches.
  const idleWrites = idle.filter((k) => reqs.op[k] === OP.WRITE);
  const writeMedianNs = idleWrites.length > 0 ? quantile(idleWrites.map(d2c), 0.5) : null;
  const cachedWrites =
    (flush?.cacheEvidence ?? 0) > 0 || (writeMedianNs !== null && writeMedianNs < CACHED_WRITE_NS);
  cites.writeCache = cachedWrites
    ? writeMedianNs !== null && writeMedianNs < CACHED_WRITE_NS
      ? `fitted: idle writes complete in ${r3(writeMedianNs / 1e6)} ms (median), faster than any media access`
      : 'the trace shows FLUSH or FUA requests: the drive reports a volatile write cache'
    : 'fitted: idle writes take media time';
  cites.writeCacheKiB = `assumed ${ASSUMED_WRITE_CACHE_KIB} KiB (64 MB buffer, devices-metrics §2.2)`;
  const idleReads = idle.filter((k) => reqs.op[k] === OP.READ).map(d2c);
  const readHits = detectHitCluster(idleReads);
  cites.readAheadKiB = readHits
    ? `a fast cluster of ${(100 * readHits.share).toFixed(1)}% of idle reads under ${r3(readHits.thresholdNs / 1e6)} ms: read-ahead on, size assumed ${ASSUMED_READ_AHEAD_KIB} KiB`
    : 'no fast cluster among idle reads: read-ahead off';
  cites.cacheSegments = `assumed ${ASSUMED_SEGMENTS}`;
  const flushMinNs = flush && flush.flushD2cNs.length > 0 ? Math.min(...flush.flushD2cNs) : null;
  cites.flushOverheadUs =
    flushMinNs !== null
      ? `fitted: shortest of ${flush?.flushD2cNs.length} FLUSHes, ${r3(flushMinNs / 1000)} us, less the command overhead`
      : 'assumed 0: no FLUSH in the trace';
  cites.fua =
    (flush?.fuaWrites ?? 0) > 0
      ? `${flush?.fuaWrites} writes dispatched with FUA`
      : 'no write dispatched with FUA';
  cites.linkMBps = `assumed ${ASSUMED_LINK_MBPS} MB/s (SATA 6 Gb/s payload, devices-metrics §2.3)`;
  cites.writeSettleMs = `assumed ${ASSUMED_SETTLE_MS} ms (devices-metrics §2.2: 0.2–1 ms)`;
  cites.ageLimitMs = `assumed ${ASSUMED_AGE_LIMIT_MS} ms (devices-metrics §2.2)`;
  cites.rotationModel = 'exact: the platter angle is tracked';
  cites.ncqWindow = "fitted by Little's law on the model (see fit.traces)";

  const params: HddFitted = {
    rpm,
    capacityGB: r3(capacityGB),
    trackToTrackSeekMs: r3(seek.t2t),
    avgSeekMs: r3(seek.avg),
    fullStrokeSeekMs: r3(seek.full),
    writeSettleMs: ASSUMED_SETTLE_MS,
    mediaRateOdMBps: r3(rate),
    mediaRateIdMBps: r3(rate * ASSUMED_ID_OD_RATIO),
    commandOverheadUs: r3(overheadMs * 1000),
    linkMBps: ASSUMED_LINK_MBPS,
    ncqWindow: 1,
    ageLimitMs: ASSUMED_AGE_LIMIT_MS,
    rotationModel: 'exact',
    readAheadKiB: readHits ? ASSUMED_READ_AHEAD_KIB : 0,
    cacheSegments: ASSUMED_SEGMENTS,
    writeCache: cachedWrites ? 'volatile' : 'none',
    writeCacheKiB: ASSUMED_WRITE_CACHE_KIB,
    fua: (flush?.fuaWrites ?? 0) > 0,
    flushOverheadUs: r3(flushMinNs !== null ? Math.max(0, flushMinNs - floorNs) / 1000 : 0),
  };
  return {
    params,
    cites,
    figures: {
      idle: { random: random.length, floorNs },
      revolutionMs,
      bins: bins.map(({ xs: _, ...b }) => b),
      seekCurve: curve,
      mediaMBps,
      writeMedianNs,
    },
  };
}

/** NCQ windows tried by the Little's-law search (ascending: a wider window is never slower). */
export const NCQ_CANDIDATES: readonly number[] = [1, 2, 4, 8, 16, 24, 32, 64, 128, 256];
