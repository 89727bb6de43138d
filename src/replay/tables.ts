// The two IoTables of a replay: the recorded rows that are replayed (one device, rows with a
// Q time), and the simulated table of the same rows, whose static columns (op, size, sector,
// process, CPU, priority) are the recorded table's own arrays, shared rather than copied, and
// whose stage times the queue fills in. Both keep the same row numbers, so a row index names
// the same I/O in the trace and in the replay.
import { countWarning, devName, type WarningCounts } from '../trace/event.js';
import {
  IO_COLUMN_NAMES,
  type IoColumnName,
  type IoTable,
  IoTableBuilder,
  ioTableOf,
  NONE,
} from '../trace/io-table.js';

/** Columns the simulation fills; every other column is copied from the trace. */
const SIMULATED: ReadonlySet<IoColumnName> = new Set<IoColumnName>([
  'tQ',
  'tG',
  'tI',
  'tM',
  'tD',
  'tC',
  'mergedInto',
  'requeues',
  'error',
]);

/**
 * The rows to replay: those with a Q time on the device with the most I/Os. A trace of a
 * stacked device (dm, md) records each bio on every layer; replaying one layer keeps each bio
 * once. What is left out is counted in `warnings`.
 */
export function replayedRows(ios: IoTable, warnings: WarningCounts, dev = replayedDevice(ios)): IoTable {
  const keep = (i: number) => ios.tQ[i] !== NONE && ios.dev[i] === dev;
  let kept = 0;
  let noQ = 0;
  for (let i = 0; i < ios.length; i++) {
    if (ios.tQ[i] === NONE) noQ++;
    else if (ios.dev[i] === dev) kept++;
  }
  if (kept === ios.length) return ios;
  if (noQ > 0) countWarning(warnings, 'I/Os without a Q time (not replayed)', noQ);
  const elsewhere = ios.length - noQ - kept;
  if (elsewhere > 0)
    countWarning(
      warnings,
      `I/Os on devices other than ${devName(dev)} (not replayed: one device per run)`,
      elsewhere,
    );
  const t = copyRows(ios, kept, keep);
  // Merge links name trace rows; they are not needed for replay and would dangle here.
  t.mergedInto.fill(NONE);
  return t;
}

/** The `n` rows of `t` that `keep` accepts, in order, in a new table. */
export function copyRows(t: IoTable, n: number, keep: (i: number) => boolean): IoTable {
  const b = new IoTableBuilder(n);
  const out = b.table;
  for (let i = 0; i < t.length; i++) {
    if (!keep(i)) continue;
    const r = b.push();
    for (const name of IO_COLUMN_NAMES) out[name][r] = t[name][i];
  }
  return b.finish();
}

/** Rows with a Q time per device. */
function rowsPerDevice(ios: IoTable): Map<number, number> {
  const perDev = new Map<number, number>();
  const { tQ, dev } = ios;
  // Rows come in runs of one device (usually a single run): count a run, then add it.
  let runDev = -1;
  let run = 0;
  for (let i = 0; i < ios.length; i++) {
    if (tQ[i] === NONE) continue;
    if (dev[i] !== runDev) {
      if (run > 0) perDev.set(runDev, (perDev.get(runDev) ?? 0) + run);
      runDev = dev[i];
      run = 0;
    }
    run++;
  }
  if (run > 0) perDev.set(runDev, (perDev.get(runDev) ?? 0) + run);
  return perDev;
}

/** The device a replay keeps: the one with the most rows with a Q time (the lowest dev_t on a tie). */
export function replayedDevice(ios: IoTable): number {
  let dev = 0;
  let most = -1;
  for (const [d, n] of [...rowsPerDevice(ios)].sort((a, b) => a[0] - b[0]))
    if (n > most) {
      dev = d;
      most = n;
    }
  return dev;
}

/**
 * The recorded empty flushes (PairResult.flushes) replayed beside the rows of `dev`: those on
 * that device with a Q time. What is left out is counted in `warnings`.
 */
export function replayedFlushes(flushes: IoTable, dev: number, warnings: WarningCounts): IoTable {
  const keep = (i: number) => flushes.tQ[i] !== NONE && flushes.dev[i] === dev;
  let kept = 0;
  for (let i = 0; i < flushes.length; i++) if (keep(i)) kept++;
  if (kept === flushes.length) return flushes;
  countWarning(
    warnings,
    'empty flushes on other devices or without a Q time (not replayed)',
    flushes.length - kept,
  );
  return copyRows(flushes, kept, keep);
}

/** `a`'s rows followed by `b`'s, in a new table (row i of `b` becomes row a.length + i). */
export function appendRows(a: IoTable, b: IoTable): IoTable {
  const n = a.length + b.length;
  return ioTableOf(n, (name) => {
    const col = a[name];
    const out = new (col.constructor as Float64ArrayConstructor)(n);
    out.set((col as Float64Array).subarray(0, a.length));
    out.set((b[name] as Float64Array).subarray(0, b.length), a.length);
    return out;
  });
}

/** Rows [from, to) of `t` as a table of views (no copy). */
export function rowsView(t: IoTable, from: number, to: number): IoTable {
  return ioTableOf(to - from, (name) => (t[name] as Float64Array).subarray(from, to));
}

/**
 * A table with the trace's static columns (the same arrays: neither side writes them, and
 * sharing saves ~50 bytes per I/O) and every simulated column unset (NONE / 0).
 */
export function simulatedTable(ios: IoTable): IoTable {
  const n = ios.length;
  return ioTableOf(n, (name) => {
    const col = ios[name].subarray(0, n);
    if (!SIMULATED.has(name)) return col;
    const fresh = new (col.constructor as Float64ArrayConstructor)(n);
    return name === 'requeues' || name === 'error' ? fresh : fresh.fill(NONE);
  });
}
