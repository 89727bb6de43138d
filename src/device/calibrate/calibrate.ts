// Calibration end to end, minus reading files: each trace's requests are split by time, the
// first fifth is left out as warm-up, the next three fit a profile (fit.ts), and the last
// fifth tests it: its recorded D times are replayed through the fitted model and the
// simulated D2C distribution is compared with the recorded one (quality.ts). The profile
// records the hold-out figures in source.fit, so a profile file says how well it fitted.
import type { DeviceProfile } from '../profile.js';
import type { CalibrationType } from './device-type.js';
import { type FitHints, type FitResult, fitProfile } from './fit.js';
import type { FlushObservations } from './flush-scan.js';
import { type DeviceFitQuality, type DistributionFit, predictD2c } from './quality.js';
import { type DeviceRequests, FIT_FRACTION, splitByTime, WARM_UP_FRACTION } from './requests.js';

/** Fewest requests with D and C for a calibration to be attempted. */
export const MIN_REQUESTS = 100;

/** One trace's device requests and what its capture said. */
export interface TraceRequests {
  name: string;
  requests: DeviceRequests;
  hints?: FitHints;
}

export interface CalibrateOptions {
  type?: CalibrationType;
  /** Profile name (default "calibrated"). */
  name?: string;
  toolVersion?: string;
}

/** Hold-out figures as the profile and the report carry them (fractions; times in ns). */
export interface HoldOutFigures {
  /** Share of each trace's span held out (the last fifth). */
  fraction: number;
  /** Share of each trace's span left out of the fit as warm-up (the first fifth). */
  warmUpFraction: number;
  /** Requests left out as warm-up (none from a trace too short to spare them). */
  warmUpRequests: number;
  fitRequests: number;
  holdOutRequests: number;
  d2c: DistributionFit;
  byOp: Record<string, DistributionFit>;
  /** Held-out requests the model refused at their recorded D (all tags busy). */
  waited: number;
}

export interface CalibrationReport {
  profile: DeviceProfile;
  traces: string[];
  type: { chosen: string; reason: string };
  holdOut: HoldOutFigures;
  /** The search that set parallelism (SSD units) or the NCQ window (HDD). */
  little: FitResult['little'];
  figures: FitResult['figures'];
  queueDepthFrom: string;
}

function mergeHints(traces: readonly TraceRequests[]): FitHints {
  const out: FitHints = {};
  let flush: FlushObservations | undefined;
  for (const t of traces) {
    const h = t.hints ?? {};
    out.rotational ??= h.rotational;
    out.scheduler ??= h.scheduler;
    out.nrRequests ??= h.nrRequests;
    if (h.flush)
      flush = flush
        ? {
            flushD2cNs: [...flush.flushD2cNs, ...h.flush.flushD2cNs],
            flushAfterWrite: [...flush.flushAfterWrite, ...h.flush.flushAfterWrite],
            fuaWrites: flush.fuaWrites + h.flush.fuaWrites,
            cacheEvidence: flush.cacheEvidence + h.flush.cacheEvidence,
          }
        : h.flush;
  }
  if (flush) out.flush = flush;
  return out;
}

function compact(q: DeviceFitQuality): Pick<HoldOutFigures, 'd2c' | 'byOp' | 'waited'> {
  const { byOp, waited, ...d2c } = q;
  return { d2c, byOp, waited };
}

/** Total requests with D and C across `traces`. */
export function requestCount(traces: readonly TraceRequests[]): number {
  return traces.reduce((s, t) => s + t.requests.length, 0);
}

/**
 * Fits a profile to the second to fourth fifths (by D time) of each trace and tests it on
 * the last. A trace whose fit window would hold fewer than MIN_REQUESTS requests keeps its
 * first fifth in the fit. The caller checks there are at least MIN_REQUESTS requests.
 */
export function calibrate(
  traces: readonly TraceRequests[],
  options: CalibrateOptions = {},
): CalibrationReport {
  const fitParts: DeviceRequests[] = [];
  const holdParts: DeviceRequests[] = [];
  let warmUpRequests = 0;
  for (const t of traces) {
    let { fit, holdOut } = splitByTime(t.requests, FIT_FRACTION, WARM_UP_FRACTION);
    if (fit.length < MIN_REQUESTS) fit = splitByTime(t.requests, FIT_FRACTION).fit;
    warmUpRequests += t.requests.length - fit.length - holdOut.length;
    fitParts.push(fit);
    holdParts.push(holdOut);
  }
  const names = traces.map((t) => t.name);
  const fitted = fitProfile(fitParts, {
    type: options.type,
    hints: mergeHints(traces),
    name: options.name ?? 'calibrated',
    traces: names,
    toolVersion: options.toolVersion,
  });
  const quality = predictD2c(fitted.profile, holdParts);
  const holdOut: HoldOutFigures = {
    fraction: Math.round((1 - FIT_FRACTION) * 100) / 100,
    warmUpFraction: WARM_UP_FRACTION,
    warmUpRequests,
    fitRequests: fitParts.reduce((s, p) => s + p.length, 0),
    holdOutRequests: holdParts.reduce((s, p) => s + p.length, 0),
    ...compact(quality),
  };
  const profile = fitted.profile;
  profile.source.fit = {
    ...profile.source.fit,
    holdOut: {
      fraction: holdOut.fraction,
      warmUpFraction: holdOut.warmUpFraction,
      warmUpRequests: holdOut.warmUpRequests,
      fitRequests: holdOut.fitRequests,
      holdOutRequests: holdOut.holdOutRequests,
      d2cErrorP50: round4(holdOut.d2c.error.p50),
      d2cErrorP90: round4(holdOut.d2c.error.p90),
      d2cErrorP99: round4(holdOut.d2c.error.p99),
      demerit: round4(holdOut.d2c.demerit),
      ks: round4(holdOut.d2c.ks),
      meanAbsLogRatio: round4(holdOut.d2c.meanAbsLogRatio),
    },
  };
  return {
    profile,
    traces: names,
    type: { chosen: profile.type, reason: fitted.decision.reason },
    holdOut,
    little: fitted.little,
    figures: fitted.figures,
    queueDepthFrom: fitted.queueDepthFrom,
  };
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}
