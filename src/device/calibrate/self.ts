// Self-calibration: the device profile a replay uses when none is named and the trace has
// D and C events. The trace's own requests are calibrated as `calibrate` would do it (the
// last fifth held out and reported), so `run` and `compare` replay against a device like the
// one the trace was recorded on instead of an arbitrary built-in. Traces without D and C
// (CSV, fio iolog) give null, and the caller falls back to its default device.
import { basename } from 'node:path';
import type { TraceInfo } from '../../trace/event.js';
import type { IoTable } from '../../trace/io-table.js';
import type { PieceRequests } from '../../trace/split-pieces.js';
import type { DeviceProfile } from '../profile.js';
import { type CalibrationReport, calibrate, MIN_REQUESTS } from './calibrate.js';
import type { FitHints } from './fit.js';
import { deviceRequests } from './requests.js';

export interface SelfCalibration {
  profile: DeviceProfile;
  report: CalibrationReport;
}

/** The name a self-calibrated profile gets: `calibrated:<trace file stem>`. */
export function selfProfileName(info: TraceInfo): string {
  const first = info.files[0] ?? 'trace';
  const stem = basename(first)
    .replace(/\.gz$/, '')
    .replace(/\.(blktrace\.\d+|blkparse\.txt|tp\.txt|txt|dump|csv|arrow|log)$/, '');
  return `calibrated:${stem}`;
}

/**
 * Calibrates a profile from the trace's own D→C times, or returns null when the trace has
 * fewer than MIN_REQUESTS requests with both a D and a C. `hints` carries what the
 * capture's meta.json said (rotational, scheduler, nr_requests). `pieces`: the requests that
 * were pieces of split bios (PairResult.pieces).
 */
export function selfCalibrate(
  ios: IoTable,
  info: TraceInfo,
  hints: FitHints = {},
  pieces?: PieceRequests,
): SelfCalibration | null {
  if (!info.hasStages) return null;
  const requests = deviceRequests(ios, pieces);
  if (requests.length < MIN_REQUESTS) return null;
  const name = selfProfileName(info);
  const report = calibrate([{ name: name.slice('calibrated:'.length), requests, hints }], { name });
  return { profile: report.profile, report };
}

/**
 * The one-line note a replay prints when it calibrated its device from the trace; `why` says
 * why it did (run: no --device; validate always does). The default text is a `warnings` key
 * of run results, so it stays as it is.
 */
export function selfCalibrationNote(cal: SelfCalibration, why = 'no --device'): string {
  const p = cal.profile;
  const q = cal.report.holdOut.d2c;
  return `${why}: using profile ${p.name} (${p.type}), fitted to the trace's D and C events; hold-out D2C demerit ${(100 * q.demerit).toFixed(1)}%, KS ${q.ks.toFixed(2)}`;
}
