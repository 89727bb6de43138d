// The device's view of a paired trace, for calibration (devices-metrics §2.5 steps 1-2): one
// row per dispatched request (the head bio's row of the IoTable, its bytes summed over the
// bios merged into it), in dispatch order, with its D and C times and what the device was
// doing when it arrived: requests in flight at D and the seek distance from where the
// previous request ended. Nothing here fits a parameter; fit.ts reads these columns.
import { FLAG, OP } from '../../trace/event.js';
import { type IoTable, NONE } from '../../trace/io-table.js';
import type { PieceRequests } from '../../trace/split-pieces.js';

/** Dispatched requests of one device, in D order (ties in trace order). */
export interface DeviceRequests {
  length: number;
  /** Dispatch (D) and completion (C) times, integer ns. */
  tD: Float64Array;
  tC: Float64Array;
  /** OP code (trace/event.ts). */
  op: Uint8Array;
  /** FLAG bits of the head bio. */
  flags: Uint16Array;
  /** Start sector (512 B); -1 for requests without one. */
  sector: Float64Array;
  /** Request size: the head bio plus every bio merged into it. */
  bytes: Float64Array;
  /** Requests dispatched earlier and not yet completed at this request's D (0: idle device). */
  inflight: Uint32Array;
  /** |start − end of the previously dispatched request|, sectors; -1 for the first or no sector. */
  seekSectors: Float64Array;
}

const COLUMNS = {
  tD: Float64Array,
  tC: Float64Array,
  op: Uint8Array,
  flags: Uint16Array,
  sector: Float64Array,
  bytes: Float64Array,
  inflight: Uint32Array,
  seekSectors: Float64Array,
} as const;
type Column = keyof typeof COLUMNS;
const COLUMN_NAMES = Object.keys(COLUMNS) as Column[];

function allocate(n: number): DeviceRequests {
  const out = { length: n } as unknown as Record<string, unknown>;
  for (const c of COLUMN_NAMES) out[c] = new COLUMNS[c](n);
  return out as unknown as DeviceRequests;
}

/**
 * A row that is one request the device served: dispatched, completed, not merged into
 * another, and not a bio the kernel split (its D and C are those of different requests).
 */
function isDeviceRequest(ios: IoTable, i: number): boolean {
  return (
    ios.tD[i] !== NONE &&
    ios.tC[i] !== NONE &&
    ios.mergedInto[i] === NONE &&
    (ios.flags[i] & FLAG.SPLIT) === 0
  );
}

/** The device with the most dispatched-and-completed requests (a stacked trace has several). */
function busiestDevice(ios: IoTable, pieces: PieceRequests | undefined): number {
  const count = new Map<number, number>();
  const add = (dev: number) => count.set(dev, (count.get(dev) ?? 0) + 1);
  for (let i = 0; i < ios.length; i++) if (isDeviceRequest(ios, i)) add(ios.dev[i]);
  if (pieces) for (let k = 0; k < pieces.length; k++) add(pieces.dev[k]);
  let dev = 0;
  let most = -1;
  for (const [d, n] of [...count].sort((a, b) => a[0] - b[0]))
    if (n > most) {
      dev = d;
      most = n;
    }
  return dev;
}

/**
 * The requests of the busiest device in `ios` that have both a D and a C. A bio merged into
 * another request adds its bytes to that request's row and has none of its own. A bio the
 * kernel split is no request: its pieces are (`pieces`, from pairing), each with its own D
 * and C and the op and flags of its bio.
 */
export function deviceRequests(ios: IoTable, pieces?: PieceRequests): DeviceRequests {
  const dev = busiestDevice(ios, pieces);
  const merged = new Float64Array(ios.length);
  for (let i = 0; i < ios.length; i++) {
    const head = ios.mergedInto[i];
    if (head !== NONE) merged[head] += ios.bytes[i];
  }
  let n = 0;
  for (let i = 0; i < ios.length; i++) if (ios.dev[i] === dev && isDeviceRequest(ios, i)) n++;
  if (pieces) for (let k = 0; k < pieces.length; k++) if (pieces.dev[k] === dev) n++;
  // Gathered in Q order (then the pieces, in C order), then put in D order below.
  const all = allocate(n);
  let m = 0;
  for (let i = 0; i < ios.length; i++) {
    if (ios.dev[i] !== dev || !isDeviceRequest(ios, i)) continue;
    all.tD[m] = ios.tD[i];
    all.tC[m] = ios.tC[i];
    all.op[m] = ios.op[i];
    all.flags[m] = ios.flags[i];
    all.sector[m] = ios.sector[i];
    all.bytes[m++] = ios.bytes[i] + merged[i];
  }
  if (pieces)
    for (let k = 0; k < pieces.length; k++) {
      if (pieces.dev[k] !== dev) continue;
      const row = pieces.row[k];
      all.tD[m] = pieces.tD[k];
      all.tC[m] = pieces.tC[k];
      all.op[m] = ios.op[row];
      all.flags[m] = ios.flags[row] & ~FLAG.SPLIT;
      all.sector[m] = pieces.sector[k];
      all.bytes[m++] = pieces.bytes[k];
    }
  // The device saw them in D order (ties in the order gathered).
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  order.sort((a, b) => all.tD[a] - all.tD[b] || a - b);
  const out = allocate(n);
  for (let k = 0; k < n; k++) {
    const j = order[k];
    out.tD[k] = all.tD[j];
    out.tC[k] = all.tC[j];
    out.op[k] = all.op[j];
    out.flags[k] = all.flags[j];
    out.sector[k] = all.sector[j];
    out.bytes[k] = all.bytes[j];
  }
  annotate(out);
  return out;
}

/** Fills `inflight` and `seekSectors` from the time and position columns (D order). */
export function annotate(r: DeviceRequests): void {
  const completions = Float64Array.from(r.tC.subarray(0, r.length)).sort();
  let done = 0;
  let prevEnd = -1;
  for (let k = 0; k < r.length; k++) {
    // Completions at or before this D belong to requests dispatched before it (C > D).
    while (done < completions.length && completions[done] <= r.tD[k]) done++;
    r.inflight[k] = Math.max(0, k - done);
    const s = r.sector[k];
    r.seekSectors[k] = s >= 0 && prevEnd >= 0 ? Math.abs(s - prevEnd) : -1;
    if (s >= 0) prevEnd = s + Math.floor(r.bytes[k] / 512);
  }
}

/** The rows of `r` where `keep(k)` holds, as a new table (every column copied as it is). */
export function selectRequests(r: DeviceRequests, keep: (k: number) => boolean): DeviceRequests {
  let n = 0;
  for (let k = 0; k < r.length; k++) if (keep(k)) n++;
  const out = allocate(n);
  let j = 0;
  for (let k = 0; k < r.length; k++) {
    if (!keep(k)) continue;
    for (const c of COLUMN_NAMES) out[c][j] = r[c][k];
    j++;
  }
  return out;
}

/** Fraction of the trace's span (by D time) used for fitting; the rest is held out. */
export const FIT_FRACTION = 0.8;
/**
 * Fraction at the start of the span that calibration leaves out as warm-up: the sample
 * captures' service times fall for a while (seq-vs-rand.none: 4 KiB reads' mean D2C 399 µs
 * in the first fifth, 214, 159, 141, 122 µs in the next four, as a host page cache fills).
 */
export const WARM_UP_FRACTION = 0.2;

/**
 * Splits by dispatch time: requests dispatched from `warmUp` to `fraction` of the span (first
 * D to last D) fit the model, those from `fraction` on test it; the ones before `warmUp` are
 * in neither. Both keep the in-flight counts and seek distances seen in the whole trace.
 */
export function splitByTime(
  r: DeviceRequests,
  fraction = FIT_FRACTION,
  warmUp = 0,
): { fit: DeviceRequests; holdOut: DeviceRequests } {
  if (r.length === 0) return { fit: r, holdOut: r };
  const span = r.tD[r.length - 1] - r.tD[0];
  const from = r.tD[0] + warmUp * span;
  const cut = r.tD[0] + fraction * span;
  return {
    fit: selectRequests(r, (k) => r.tD[k] >= from && r.tD[k] < cut),
    holdOut: selectRequests(r, (k) => r.tD[k] >= cut),
  };
}

/** True for read and write requests (the ones with a size-dependent service time). */
export function isData(op: number): boolean {
  return op === OP.READ || op === OP.WRITE;
}

/** Concatenates request tables (several traces of one device). Rows keep each table's times. */
export function concatRequests(parts: readonly DeviceRequests[]): DeviceRequests {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = allocate(n);
  let at = 0;
  for (const p of parts) {
    for (const c of COLUMN_NAMES)
      (out[c] as Float64Array).set((p[c] as Float64Array).subarray(0, p.length), at);
    at += p.length;
  }
  return out;
}

/** One request as plain numbers (tests, small inputs). */
export interface RequestRow {
  tD: number;
  tC: number;
  op: number;
  sector: number;
  bytes: number;
  flags?: number;
}

/** A request table from plain rows, sorted into D order and annotated. */
export function requestsFromRows(rows: readonly RequestRow[]): DeviceRequests {
  const order = rows.map((_, i) => i).sort((a, b) => rows[a].tD - rows[b].tD || a - b);
  const out = allocate(rows.length);
  order.forEach((i, k) => {
    const r = rows[i];
    out.tD[k] = r.tD;
    out.tC[k] = r.tC;
    out.op[k] = r.op;
    out.flags[k] = r.flags ?? 0;
    out.sector[k] = r.sector;
    out.bytes[k] = r.bytes;
  });
  annotate(out);
  return out;
}
