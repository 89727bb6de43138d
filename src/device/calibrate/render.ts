// Terminal text for a calibration: the chosen model and why, the fitted parameters with where
// each came from, the Little's-law search, and the hold-out figures. Text only; the numbers
// come from calibrate.ts.
import { profileParameters } from '../profile.js';
import type { CalibrationReport } from './calibrate.js';
import type { DistributionFit } from './quality.js';

const us = (ns: number) => `${(ns / 1000).toFixed(1)} us`;
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
/** Values longer than this (characters) are printed below the parameter table. */
const LONG_VALUE = 24;

/** One line per percentile and the distribution figures, indented by `pad`. */
export function renderFit(fit: DistributionFit, pad = '  '): string[] {
  const r = fit.recorded;
  const s = fit.simulated;
  return [
    `${pad}           recorded    simulated   error`,
    `${pad}mean   ${us(r.mean).padStart(12)} ${us(s.mean).padStart(12)}   ${pct(r.mean > 0 ? (s.mean - r.mean) / r.mean : 0)}`,
    `${pad}p50    ${us(r.p50).padStart(12)} ${us(s.p50).padStart(12)}   ${pct(fit.error.p50)}`,
    `${pad}p90    ${us(r.p90).padStart(12)} ${us(s.p90).padStart(12)}   ${pct(fit.error.p90)}`,
    `${pad}p99    ${us(r.p99).padStart(12)} ${us(s.p99).padStart(12)}   ${pct(fit.error.p99)}`,
    `${pad}demerit ${(100 * fit.demerit).toFixed(1)}%   KS ${fit.ks.toFixed(3)}   mean |log ratio| ${fit.meanAbsLogRatio.toFixed(3)}   (n = ${r.n})`,
  ];
}

export function renderCalibration(rep: CalibrationReport, out?: string): string {
  const p = rep.profile;
  const lines: string[] = [];
  lines.push(`${p.name}: ${p.type} model fitted from ${rep.traces.join(', ')}`);
  lines.push(`type: ${rep.type.reason}`);
  lines.push(
    `requests: ${rep.holdOut.fitRequests} fitted (from ${Math.round(rep.holdOut.warmUpFraction * 100)}% to ${Math.round((1 - rep.holdOut.fraction) * 100)}% of each trace by time), ${rep.holdOut.warmUpRequests} left out as warm-up, ${rep.holdOut.holdOutRequests} held out`,
  );
  lines.push('');
  const all = profileParameters(p).map((r) => [r.key, String(r.value), r.unit, r.source]);
  // Service-time tables summarise to a long value: they go below the table, one per line.
  const rows = all.filter((r) => r[1].length <= LONG_VALUE);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows)
    lines.push(`  ${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padEnd(w[2])}  ${r[3]}`.trimEnd());
  for (const r of all.filter((x) => x[1].length > LONG_VALUE))
    lines.push(`  ${r[0]} (${r[2]}, min / median / max): ${r[1]}`, `    ${r[3]}`);
  lines.push('');
  lines.push(
    `hold-out D2C (the last ${Math.round(rep.holdOut.fraction * 100)}% replayed at its recorded D times):`,
  );
  lines.push(...renderFit(rep.holdOut.d2c));
  const ops = Object.entries(rep.holdOut.byOp);
  if (ops.length > 1)
    for (const [op, fit] of ops) {
      lines.push(`  ${op}:`);
      lines.push(...renderFit(fit, '    '));
    }
  if (out) lines.push('', `wrote ${out}`);
  return lines.join('\n');
}
