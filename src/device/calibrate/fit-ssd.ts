// Fits the flash model's parameters (ssd.ts, docs/device-profiles.md "ssd and nvme") from D→C
// times, by the method the loop-virtio profile was fitted with by hand:
// - the fixed per-command delay is the floor of idle-device service (the fastest any command
//   came back), at most half the read intercept;
// - a cache-hit cluster among idle reads gives readHitRatio and readHitLatencyUs (hits.ts);
// - idle reads that missed, by size: mean per size, then a weighted line a + b·bytes gives
//   readOverheadUs + readLatencyUs (a) and the channel rate (b, after the link's share);
// - idle writes give writeOverheadUs (the device acknowledges from its buffer);
// - the spread of those idle times, per size class, gives the empirical tables
//   readServiceQuantiles (misses, less the delay and transfer) and writeServiceQuantiles;
// - empty FLUSHes give flushLatencyUs; FUA on dispatched writes gives fua;
// - idle discards give discardLatencyUs, and with two sizes or more a line gives discardMBps;
// - parallelism (channels) comes from busy periods (parallelism.ts).
// What D→C times cannot show is assumed and cited as such in source.params.
import { OP } from '../../trace/event.js';
import type { SsdProfile } from '../profile.js';
import type { FlushObservations } from './flush-scan.js';
import { detectHitCluster, type HitCluster } from './hits.js';
import { fitParallelism, type ParallelismFit } from './parallelism.js';
import { concatRequests, type DeviceRequests } from './requests.js';
import {
  type FittedTable,
  fitServiceTable,
  MIN_CLASS_SAMPLES as MIN_TABLE_SAMPLES,
} from './service-table.js';
import { mean, quantile, sizeMeans, weightedLine } from './stats.js';

/** The link is not visible in D→C at low depth: assumed at memory speed, 10000 MB/s, so transfer cost sits on the channels. */
export const ASSUMED_LINK_MBPS = 10000;
/** Channel rate assumed when every read had the same size (no slope to fit): 2000 MB/s. */
const ASSUMED_CHANNEL_MBPS = 2000;
/** Channel rates accepted from a fitted slope: 10 MB/s .. 100 GB/s. */
const CHANNEL_MBPS_MIN = 10;
const CHANNEL_MBPS_MAX = 100_000;
/** Write buffer assumed (a host page cache or a drive's DRAM buffer): 16 MiB. */
const ASSUMED_WRITE_BUFFER_KIB = 16384;
/** Size buckets (one request size) with fewer idle samples are left out of the size line. */
const MIN_BUCKET = 5;
/** Floor of idle service: its 1st percentile. */
const FLOOR_QUANTILE = 0.01;
/** The fixed delay may take at most this share of the read intercept (the rest occupies a unit). */
const MAX_OVERHEAD_SHARE = 0.5;
/** Page size bounds for the stripe unit, KiB. */
const PAGE_KIB_MIN = 4;
const PAGE_KIB_MAX = 1024;
const NS_PER_US = 1000;

type SsdParams = Omit<SsdProfile, 'name' | 'type' | 'description' | 'version' | 'source' | '$schema'>;
export type SsdFitted = Omit<SsdParams, 'queueDepth' | 'nrHwQueues' | 'rotational'>;

export interface SsdFigures {
  idle: { reads: number; writes: number; floorNs: number };
  hits: (HitCluster & { readHits: number }) | null;
  /** Mean idle miss time per read size (bytes → ns, samples). */
  readSizes: { bytes: number; meanNs: number; n: number }[];
  readLine: { interceptNs: number; nsPerByte: number };
  writeMeanNs: number | null;
  flushMeanNs: number | null;
  /** Size classes of the empirical tables and their sample counts (null: too few samples). */
  serviceTables: { read: TableFigure | null; write: TableFigure | null };
  parallelism: Omit<ParallelismFit, 'rows'> & {
    rows: { depth: number; timeShare: number; xPerS: number; wNs: number; units: number }[];
  };
}

export interface TableFigure {
  classes: { upToKiB: number; samples: number }[];
}

export interface SsdFit {
  params: SsdFitted;
  /** Where each parameter came from (source.params of the profile). */
  cites: Record<string, string>;
  figures: SsdFigures;
  /** Expected idle service of each request (ns), as the fit sees it. */
  serviceNs: Float64Array;
}

const us = (ns: number) => (ns / NS_PER_US).toFixed(1);
const tableClasses = (t: FittedTable) =>
  t.classes.map((c, i) => `<=${c.upToKiB} KiB x${t.counts[i]}`).join(', ');
const tableFigure = (t: FittedTable | undefined): TableFigure | null =>
  t ? { classes: t.classes.map((c, i) => ({ upToKiB: c.upToKiB, samples: t.counts[i] })) } : null;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Fits the flash model to `parts` (one trace each, D order, with in-flight counts). */
export function fitSsd(parts: readonly DeviceRequests[], flush?: FlushObservations): SsdFit {
  const reqs = concatRequests(parts);
  const cites: Record<string, string> = {};
  const d2c = (k: number) => reqs.tC[k] - reqs.tD[k];
  const idle: number[] = [];
  const idleReads: number[] = [];
  const idleWrites: number[] = [];
  const idleDiscards: number[] = [];
  for (let k = 0; k < reqs.length; k++) {
    if (reqs.inflight[k] !== 0) continue;
    idle.push(k);
    if (reqs.op[k] === OP.READ) idleReads.push(k);
    else if (reqs.op[k] === OP.WRITE) idleWrites.push(k);
    else if (reqs.op[k] === OP.DISCARD) idleDiscards.push(k);
  }
  const floorNs = idle.length > 0 ? quantile(idle.map(d2c), FLOOR_QUANTILE) : 0;

  // Cache hits, looked for among the most common read size.
  const bySize = new Map<number, number[]>();
  for (const k of idleReads) {
    const list = bySize.get(reqs.bytes[k]) ?? [];
    list.push(k);
    bySize.set(reqs.bytes[k], list);
  }
  let common: number[] = [];
  for (const list of bySize.values()) if (list.length > common.length) common = list;
  const cluster = detectHitCluster(common.map(d2c));
  const isHit = (k: number) =>
    cluster !== undefined && reqs.op[k] === OP.READ && d2c(k) < cluster.thresholdNs;
  const hitRows = idleReads.filter(isHit);

  // Misses: mean per size, then a line over sizes.
  const readSizes = sizeMeans(
    idleReads.filter((k) => !isHit(k)),
    reqs.bytes,
    d2c,
    MIN_BUCKET,
  );
  const linkNsPerByte = 1000 / ASSUMED_LINK_MBPS;
  let line = { a: 0, b: 0 };
  let channelMBps = ASSUMED_CHANNEL_MBPS;
  if (readSizes.length >= 2) {
    line = weightedLine(
      readSizes.map((s) => s.bytes),
      readSizes.map((s) => s.meanNs),
      readSizes.map((s) => s.n),
    );
    const chNsPerByte = line.b - linkNsPerByte;
    channelMBps =
      chNsPerByte > 0
        ? Math.min(CHANNEL_MBPS_MAX, Math.max(CHANNEL_MBPS_MIN, 1000 / chNsPerByte))
        : CHANNEL_MBPS_MAX;
    cites.channelMBps = `fitted: idle reads cost ${(line.b * 1024).toFixed(1)} ns per KiB more with size (${readSizes.map((s) => `${s.bytes / 1024} KiB ${us(s.meanNs)} us x${s.n}`).join(', ')}), less the link's share`;
  } else if (readSizes.length === 1) {
    const s = readSizes[0];
    line = {
      a: s.meanNs - s.bytes * (linkNsPerByte + 1000 / channelMBps),
      b: linkNsPerByte + 1000 / channelMBps,
    };
    cites.channelMBps = `assumed ${ASSUMED_CHANNEL_MBPS} MB/s: every idle read was ${s.bytes / 1024} KiB, no size slope to fit`;
  } else {
    cites.channelMBps = `assumed ${ASSUMED_CHANNEL_MBPS} MB/s: no idle reads to fit`;
  }
  const interceptNs = Math.max(0, line.a);

  // The fixed delay: the floor of idle service, at most half the intercept.
  const overheadNs = readSizes.length > 0 ? Math.min(floorNs, MAX_OVERHEAD_SHARE * interceptNs) : floorNs;
  cites.readOverheadUs = `fitted: 1st percentile of idle-device D2C over ${idle.length} requests, ${us(floorNs)} us${overheadNs < floorNs ? `, capped at half the read intercept (${us(interceptNs)} us)` : ''}`;
  const readLatencyNs = Math.max(0, interceptNs - overheadNs);
  cites.readLatencyUs =
    readSizes.length > 0
      ? `fitted: idle reads that missed any cache cost ${us(interceptNs)} us at zero size (line over ${readSizes.reduce((s, x) => s + x.n, 0)} reads), less the fixed delay`
      : 'assumed: no idle reads in the trace; equal to the fixed delay';

  const hitMeanNs = hitRows.length > 0 ? mean(hitRows.map(d2c)) : 0;
  const hitBytes = hitRows.length > 0 ? mean(hitRows.map((k) => reqs.bytes[k])) : 0;
  const readHitRatio = idleReads.length > 0 ? hitRows.length / idleReads.length : 0;
  if (cluster) {
    cites.readHitRatio = `fitted: ${hitRows.length} of ${idleReads.length} idle reads (${(100 * readHitRatio).toFixed(1)}%) took under ${us(cluster.thresholdNs)} us, a cluster at ${us(cluster.fastModeNs)} us apart from the main mode at ${us(cluster.mainModeNs)} us`;
    cites.readHitLatencyUs = `fitted: those hits took ${us(hitMeanNs)} us on average, less the fixed delay and link transfer`;
  } else {
    cites.readHitRatio = 'fitted: no fast cluster among idle reads';
    cites.readHitLatencyUs = 'no cache hits seen';
  }

  const writeMeanNs = idleWrites.length > 0 ? mean(idleWrites.map(d2c)) : null;
  const writeBytes = idleWrites.length > 0 ? mean(idleWrites.map((k) => reqs.bytes[k])) : 0;
  const writeOverheadNs =
    writeMeanNs !== null ? Math.max(0, writeMeanNs - writeBytes * linkNsPerByte) : interceptNs;
  cites.writeOverheadUs =
    writeMeanNs !== null
      ? `fitted: ${idleWrites.length} idle-device writes took ${us(writeMeanNs)} us on average (acknowledged from the buffer)`
      : 'assumed: no idle writes in the trace; equal to the read intercept';

  const flushMeanNs = flush && flush.flushD2cNs.length > 0 ? mean(flush.flushD2cNs) : null;
  const volatile = (flush?.cacheEvidence ?? 0) > 0;
  cites.writeCache = volatile
    ? 'the trace shows FLUSH or FUA requests: the device reports a volatile write cache'
    : 'assumed: no FLUSH or FUA in the trace; writes are acknowledged from a buffer';
  cites.fua =
    (flush?.fuaWrites ?? 0) > 0
      ? `${flush?.fuaWrites} writes were dispatched with FUA`
      : 'no write was dispatched with FUA (blk-flush strips FUA when the device lacks it)';

  // Empirical tables: each idle request's own time, less what the model adds around it.
  const chNsPerByte = 1000 / Math.round(channelMBps);
  const missRows = idleReads.filter((k) => !isHit(k));
  const readTable = fitServiceTable(
    missRows.map((k) => reqs.bytes[k]),
    missRows.map((k) => (d2c(k) - overheadNs - reqs.bytes[k] * (chNsPerByte + linkNsPerByte)) / NS_PER_US),
  );
  const writeTable = fitServiceTable(
    idleWrites.map((k) => reqs.bytes[k]),
    idleWrites.map((k) => (d2c(k) - reqs.bytes[k] * linkNsPerByte) / NS_PER_US),
  );
  cites.readServiceQuantiles = readTable
    ? `fitted: quantiles of ${missRows.length} idle reads that missed any cache, less the fixed delay and the transfer (${tableClasses(readTable)})`
    : `not fitted: fewer than ${MIN_TABLE_SAMPLES} idle reads that missed; readLatencyUs is used`;
  cites.writeServiceQuantiles = writeTable
    ? `fitted: quantiles of ${idleWrites.length} idle-device writes, less the link transfer (${tableClasses(writeTable)})`
    : `not fitted: fewer than ${MIN_TABLE_SAMPLES} idle writes; writeOverheadUs is used`;

  // Page (stripe unit): at least the largest common read, so a request is served by one unit
  // and the size cost stays linear as fitted.
  const readBytes: number[] = [];
  for (let k = 0; k < reqs.length; k++) if (reqs.op[k] === OP.READ) readBytes.push(reqs.bytes[k]);
  const p99Kib = readBytes.length > 0 ? quantile(readBytes, 0.99) / 1024 : PAGE_KIB_MIN;
  const pageKiB = Math.min(
    PAGE_KIB_MAX,
    Math.max(PAGE_KIB_MIN, 2 ** Math.ceil(Math.log2(Math.max(1, p99Kib)))),
  );
  cites.pageKiB = `fitted: power of two at or above the 99th percentile read (${round3(p99Kib)} KiB), so one unit serves a request`;

  // A flush after writes includes the device's drain of them; the model drains by itself
  // (ssd.ts flush: the open page, padded, over the channel and programmed), so that part is
  // taken out, leaving the fixed flush cost.
  const drainNs = pageKiB * 1024 * (1000 / Math.round(channelMBps)) + readLatencyNs;
  let flushLatencyNs = 0;
  if (flush && flush.flushD2cNs.length > 0) {
    const own = flush.flushD2cNs.map(
      (d2c, k) => d2c - writeOverheadNs - (flush.flushAfterWrite[k] ? drainNs : 0),
    );
    flushLatencyNs = Math.max(0, mean(own));
    const afterWrites = flush.flushAfterWrite.filter(Boolean).length;
    cites.flushLatencyUs = `fitted: ${flush.flushD2cNs.length} empty FLUSHes took ${us(flushMeanNs ?? 0)} us on average, less the write overhead, and for the ${afterWrites} that followed writes less the model's drain of the open page (${us(drainNs)} us)`;
  } else cites.flushLatencyUs = 'assumed 0: no FLUSH in the trace';

  const discard = fitDiscard(reqs, idleDiscards, d2c);
  Object.assign(cites, discard.cites);

  // Parallelism from busy periods, with each request's expected idle service.
  const missNs = (bytes: number) => interceptNs + line.b * bytes;
  const serviceNs = new Float64Array(reqs.length);
  for (let k = 0; k < reqs.length; k++) {
    const op = reqs.op[k];
    if (op === OP.READ) serviceNs[k] = isHit(k) ? hitMeanNs : missNs(reqs.bytes[k]);
    else if (op === OP.WRITE) serviceNs[k] = writeOverheadNs + reqs.bytes[k] * linkNsPerByte;
    else if (op === OP.FLUSH) serviceNs[k] = flushMeanNs ?? writeOverheadNs;
    else if (op === OP.DISCARD && discard.latencyNs !== null)
      serviceNs[k] = discard.latencyNs + reqs.bytes[k] * discard.nsPerByte;
    else serviceNs[k] = writeOverheadNs;
  }
  const par = fitParallelism(parts, serviceNs);
  cites.channels = `fitted: busy periods (Little's law: mean depth ${round3(par.little.meanDepth)}, throughput x mean D2C ${round3(par.little.xw)}) served ${par.rows.length > 0 ? round3(Math.max(...par.rows.map((r) => r.units))) : 0} requests at once at most; balls-in-bins fit over depths 2..${par.maxDepth}${par.saturated ? '' : ' (no saturation seen: a lower bound)'}`;
  cites.diesPerChannel = 'one unit per channel';

  const busyNs = par.rows.reduce((s, r) => s + r.timeNs, 0);
  const params: SsdFitted = {
    readOverheadUs: round3(overheadNs / NS_PER_US),
    writeOverheadUs: round3(writeOverheadNs / NS_PER_US),
    linkMBps: ASSUMED_LINK_MBPS,
    linkCommandUs: 0,
    channels: par.units,
    diesPerChannel: 1,
    channelMBps: Math.round(channelMBps),
    pageKiB,
    readLatencyUs: round3(readLatencyNs / NS_PER_US),
    programLatencyUs: round3(readLatencyNs / NS_PER_US),
    writeAmplification: 1,
    writeCache: 'volatile',
    writeBufferKiB: Math.max(ASSUMED_WRITE_BUFFER_KIB, pageKiB),
    flushLatencyUs: round3(flushLatencyNs / NS_PER_US),
    flushBlocksQueue: false,
    fua: (flush?.fuaWrites ?? 0) > 0,
    readHitRatio: round3(readHitRatio),
    readHitLatencyUs: round3(Math.max(0, hitMeanNs - overheadNs - hitBytes * linkNsPerByte) / NS_PER_US),
  };
  if (readTable) params.readServiceQuantiles = readTable.classes;
  if (writeTable) params.writeServiceQuantiles = writeTable.classes;
  if (discard.latencyNs !== null) params.discardLatencyUs = round3(discard.latencyNs / NS_PER_US);
  if (discard.nsPerByte > 0) params.discardMBps = Math.round(1000 / discard.nsPerByte);
  cites.linkMBps = `assumed ${ASSUMED_LINK_MBPS} MB/s: not separable from the channel rate in D2C; size cost is put on the channels`;
  cites.linkCommandUs = 'assumed 0: no per-command link cost is separable';
  cites.programLatencyUs = 'assumed equal to readLatencyUs: programs are not visible behind a write buffer';
  cites.writeAmplification = 'assumed 1: garbage collection is not separable in a short trace';
  cites.writeBufferKiB = `assumed ${params.writeBufferKiB} KiB`;
  cites.flushBlocksQueue = 'assumed false: flushes are queued';
  return {
    params,
    cites,
    serviceNs,
    figures: {
      idle: { reads: idleReads.length, writes: idleWrites.length, floorNs },
      hits: cluster ? { ...cluster, readHits: hitRows.length } : null,
      readSizes,
      readLine: { interceptNs, nsPerByte: line.b },
      writeMeanNs,
      flushMeanNs,
      serviceTables: { read: tableFigure(readTable), write: tableFigure(writeTable) },
      parallelism: {
        little: par.little,
        units: par.units,
        saturated: par.saturated,
        maxDepth: par.maxDepth,
        rows: par.rows.map((r) => ({
          depth: r.depth,
          timeShare: busyNs > 0 ? r.timeNs / busyNs : 0,
          xPerS: r.xPerS,
          wNs: r.w,
          units: r.units,
        })),
      },
    },
  };
}

/** Discards above this rate, MB/s, cost nothing by size (the slope is noise). */
const DISCARD_MBPS_MAX = 1_000_000;

/**
 * Idle discards: by size, the mean time of each size with enough samples; with two sizes or
 * more, a weighted line a + b·bytes (a: controller time, b: size cost), else the mean. Fewer
 * than MIN_BUCKET idle discards: not fitted (the profile leaves them to writeOverheadUs).
 */
function fitDiscard(
  reqs: DeviceRequests,
  rows: readonly number[],
  d2c: (k: number) => number,
): { latencyNs: number | null; nsPerByte: number; cites: Record<string, string> } {
  if (rows.length < MIN_BUCKET)
    return {
      latencyNs: null,
      nsPerByte: 0,
      cites: {
        discardLatencyUs: `not fitted: ${rows.length} idle discards (fewer than ${MIN_BUCKET}); discards cost writeOverheadUs`,
      },
    };
  const sizes = sizeMeans(rows, reqs.bytes, d2c, MIN_BUCKET);
  const described = sizes.map((s) => `${s.bytes / 1024} KiB ${us(s.meanNs)} us x${s.n}`).join(', ');
  if (sizes.length >= 2) {
    const line = weightedLine(
      sizes.map((s) => s.bytes),
      sizes.map((s) => s.meanNs),
      sizes.map((s) => s.n),
    );
    const nsPerByte = line.b > 1000 / DISCARD_MBPS_MAX ? line.b : 0;
    return {
      latencyNs: Math.max(0, line.a),
      nsPerByte,
      cites: {
        discardLatencyUs: `fitted: idle discards at zero size on a line over sizes (${described})`,
        discardMBps:
          nsPerByte > 0
            ? `fitted: idle discards cost ${(line.b * 1024).toFixed(1)} ns per KiB more with size`
            : 'not fitted: idle discards did not cost more with size',
      },
    };
  }
  const all = rows.map(d2c);
  return {
    latencyNs: mean(all),
    nsPerByte: 0,
    cites: {
      discardLatencyUs: `fitted: ${rows.length} idle discards took ${us(mean(all))} us on average${sizes.length === 1 ? ` (${described})` : ''}; no second size to fit a size cost`,
    },
  };
}
