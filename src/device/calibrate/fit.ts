// The fitting: from a device's dispatched requests (D order, with in-flight counts) to a
// validated profile whose source records where every number came from (devices-metrics
// §2.5). Decides the model type (device-type.ts), fits its parameters (fit-ssd.ts,
// fit-hdd.ts), then its parallelism by Little's law on the model (little-search.ts), and
// fills the common fields from what the capture's meta.json said. Testing the result on
// held-out requests is calibrate.ts's job.
import { InvariantError } from '../../errors.js';
import type { DeviceProfile, HddProfile, SsdProfile } from '../profile.js';
import { validateProfile } from '../profile.js';
import { type CalibrationType, decideType, type FittedType, type TypeDecision } from './device-type.js';
import { fitHdd, type HddFigures, NCQ_CANDIDATES } from './fit-hdd.js';
import { fitSsd, type SsdFigures } from './fit-ssd.js';
import type { FlushObservations } from './flush-scan.js';
import { type LittleSearch, searchLittle, UNIT_CANDIDATES } from './little-search.js';
import { concatRequests, type DeviceRequests, selectRequests } from './requests.js';

/** What the capture said about the device besides its events (NAME.meta.json). */
export interface FitHints {
  /** sysfs queue/rotational at capture. */
  rotational?: boolean;
  /** Kernel scheduler at capture ("none", "mq-deadline", ...). */
  scheduler?: string;
  /** sysfs nr_requests at capture. */
  nrRequests?: number;
  /** Flush and FUA observations from the event stream (flush-scan.ts). */
  flush?: FlushObservations;
}

export interface FitOptions {
  type?: CalibrationType;
  hints?: FitHints;
  /** Profile name. */
  name: string;
  /** Trace names, recorded in the profile's source. */
  traces: string[];
  /** Version of the tool, recorded in the profile's source. */
  toolVersion?: string;
}

export interface FitResult {
  profile: DeviceProfile;
  decision: TypeDecision;
  figures: SsdFigures | HddFigures;
  /** The Little's-law search that set the parallelism (SSD units or the HDD's NCQ window). */
  little: LittleSearch;
  /** Where queueDepth came from. */
  queueDepthFrom: string;
}

/**
 * Requests replayed per candidate in the Little's-law searches; a longer trace is searched on
 * the first part of each of its tables (each candidate costs one replay; ~10-20 are run).
 */
const SEARCH_BUDGET = 200_000;

/** `parts` cut to SEARCH_BUDGET requests in all, each keeping its share from its start. */
function searchParts(parts: readonly DeviceRequests[]): DeviceRequests[] {
  const total = parts.reduce((s, p) => s + p.length, 0);
  if (total <= SEARCH_BUDGET) return [...parts];
  return parts.map((p) => {
    const keep = Math.ceil((p.length * SEARCH_BUDGET) / total);
    return selectRequests(p, (k) => k < keep);
  });
}

/** include/linux/blkdev.h BLKDEV_DEFAULT_RQ: a scheduler gets 2 × min(queue_depth, 128) tags. */
const BLKDEV_DEFAULT_RQ = 128;
/** Driver tags assumed when nothing says: SATA NCQ depth, 32 (raised to the deepest queue seen). */
const ASSUMED_QUEUE_DEPTH = 32;

/**
 * Driver tags per hardware queue. Without a scheduler nr_requests is the tag set's depth;
 * with one it is 2 × min(depth, 128) (kernel-blk-mq §1, block/blk-mq-sched.c), so below 256
 * the depth is half of it. Otherwise 32, or the deepest queue seen if deeper.
 */
function queueDepthOf(hints: FitHints, maxDepth: number): { depth: number; from: string } {
  const nr = hints.nrRequests;
  if (nr !== undefined && nr > 0 && hints.scheduler !== undefined) {
    if (hints.scheduler === 'none')
      return { depth: Math.max(nr, maxDepth), from: `meta.json: nr_requests ${nr} under scheduler none` };
    if (nr < 2 * BLKDEV_DEFAULT_RQ)
      return {
        depth: Math.max(Math.floor(nr / 2), maxDepth, 1),
        from: `meta.json: nr_requests ${nr} = 2 x queue depth under ${hints.scheduler}`,
      };
    return {
      depth: Math.max(BLKDEV_DEFAULT_RQ, maxDepth),
      from: `meta.json: nr_requests ${nr} under ${hints.scheduler} (depth at least ${BLKDEV_DEFAULT_RQ})`,
    };
  }
  return {
    depth: Math.max(ASSUMED_QUEUE_DEPTH, maxDepth),
    from: `assumed ${ASSUMED_QUEUE_DEPTH} (deepest queue seen: ${maxDepth})`,
  };
}

function deepest(reqs: DeviceRequests): number {
  let d = 0;
  for (let k = 0; k < reqs.length; k++) if (reqs.inflight[k] + 1 > d) d = reqs.inflight[k] + 1;
  return d;
}

/** Sizes, depths and LBA span the fit saw: where the profile may be trusted (§2.5 step 9). */
export function domainOf(reqs: DeviceRequests): Record<string, number> {
  let minB = Number.POSITIVE_INFINITY;
  let maxB = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (let k = 0; k < reqs.length; k++) {
    const b = reqs.bytes[k];
    if (b > 0 && b < minB) minB = b;
    if (b > maxB) maxB = b;
    const s = reqs.sector[k];
    if (s >= 0) {
      if (s < lo) lo = s;
      if (s + b / 512 > hi) hi = s + b / 512;
    }
  }
  return {
    minBytes: Number.isFinite(minB) ? minB : 0,
    maxBytes: maxB,
    maxDepth: deepest(reqs),
    spanSectors: Number.isFinite(lo) ? hi - lo : 0,
  };
}

/**
 * Fits a profile to `parts` (the requests of one device, one table per trace, each in D
 * order). Throws InvariantError if the result does not validate (a bug).
 */
export function fitProfile(parts: readonly DeviceRequests[], options: FitOptions): FitResult {
  const reqs = concatRequests(parts);
  const hints = options.hints ?? {};
  const decision = decideType(reqs, options.type ?? 'auto', hints.rotational);
  const type: FittedType = decision.type;
  const qd = queueDepthOf(hints, deepest(reqs));
  const common = {
    name: options.name,
    type,
    description: `Fitted by ufq-replay calibrate from ${options.traces.join(', ')}`,
    version: 1,
    queueDepth: qd.depth,
    nrHwQueues: 1,
    rotational: hints.rotational ?? type === 'hdd',
  };
  const commonCites: Record<string, string> = {
    queueDepth: qd.from,
    nrHwQueues: 'assumed 1: hardware queues are not visible in a trace',
    rotational:
      hints.rotational !== undefined
        ? 'meta.json: queue/rotational at capture'
        : `assumed from the model type (${type})`,
  };
  const source = (cites: Record<string, string>) => ({
    origin: 'fitted' as const,
    references: options.traces,
    params: { ...commonCites, ...cites },
    fit: {
      tool: `ufq-replay ${options.toolVersion ?? 'unknown'}`,
      method: 'ufq-replay calibrate: docs/device-profiles.md "Calibration"',
      traces: options.traces,
      type: { chosen: type, reason: decision.reason },
      domain: domainOf(reqs),
    },
  });
  let result: FitResult;
  if (type === 'hdd') {
    const h = fitHdd(reqs, hints.flush);
    const base: HddProfile = { ...common, type: 'hdd', source: source(h.cites), ...h.params };
    const windows = NCQ_CANDIDATES.filter((w) => w <= base.queueDepth);
    const ncq = searchLittle(windows, (w) => ({ ...base, ncqWindow: w }), searchParts(parts));
    const cites = {
      ...h.cites,
      ncqWindow: `fitted by Little's law: an NCQ window of ${ncq.value} makes the replayed mean D2C ${round(ncq.simulatedMeanNs / 1000)} us against ${round(ncq.recordedMeanNs / 1000)} us recorded${ncq.capped ? '; capped: the fitted mechanics are too slow' : ''}`,
    };
    const profile: HddProfile = { ...base, ncqWindow: ncq.value, source: source(cites) };
    result = { profile, decision, figures: h.figures, little: ncq, queueDepthFrom: qd.from };
  } else {
    const s = fitSsd(parts, hints.flush);
    const base: SsdProfile = { ...common, type, source: source(s.cites), ...s.params };
    const units = searchLittle(UNIT_CANDIDATES, (n) => ({ ...base, channels: n }), searchParts(parts));
    const cites = {
      ...s.cites,
      channels: `fitted by Little's law: ${units.value} units make the replayed mean D2C ${round(units.simulatedMeanNs / 1000)} us against ${round(units.recordedMeanNs / 1000)} us recorded (${units.requests} requests at their recorded D times)${units.capped ? '; capped: the fitted per-request times are too slow' : ''}; balls-in-bins over busy periods gave ${s.params.channels}`,
    };
    const profile: SsdProfile = { ...base, channels: units.value, source: source(cites) };
    result = { profile, decision, figures: s.figures, little: units, queueDepthFrom: qd.from };
  }
  const problems = validateProfile(result.profile);
  if (problems.length > 0)
    throw new InvariantError(
      `calibrate produced an invalid profile: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    );
  return result;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
