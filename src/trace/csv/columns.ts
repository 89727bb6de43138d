// One table per CSV dialect of the public already-paired traces (trace-formats §5.2-5.5):
// column order, units, and how a row becomes one I/O. Each dialect's `decode` fills an
// IoRow and names the first bad column instead of throwing. The generic CSV schema (our
// own, with a header row) is in generic.ts.
import { OP } from '../event.js';
import { parseSecondsNs, parseUint, parseUintSplit } from './numbers.js';

export type DialectId = 'msr' | 'alibaba' | 'spc' | 'tencent';

/** One I/O as a dialect decodes it. Time is `hi * 1e9 + lo` units of `unitNs` ns, exact. */
export interface IoRow {
  tHi: number;
  tLo: number;
  op: number;
  /** Start in 512-byte sectors (fractional when a byte offset is not sector-aligned). */
  sector: number;
  bytes: number;
  /** The fields naming the volume (MSR: host and disk; others: one id and ''). */
  volA: string;
  volB: string;
  /** Source-supplied latency in ns, or -1. */
  latencyNs: number;
}

export interface DialectColumn {
  name: string;
  meaning: string;
}

export interface Dialect {
  id: DialectId;
  description: string;
  /** The columns in file order; rows may carry more (ignored) but not fewer. */
  columns: readonly DialectColumn[];
  /** ns per time unit of the timestamp column. */
  unitNs: number;
  /** Time value (in time units) of the Unix epoch, when timestamps are absolute. */
  epochUnits?: bigint;
  /** The volume name from IoRow.volA/volB (`hm_0`, `alibaba:17`, `asu:3`, `tencent:1234`). */
  volume(a: string, b: string): string;
  /** Shape test for sniffing (trace-formats §7 item 7); fields are already trimmed. */
  looksLike(f: string[]): boolean;
  /** Fills `row` from the fields; returns the name of the first bad column, or null. */
  decode(f: string[], row: IoRow): string | null;
}

/** FILETIME of 1970-01-01T00:00:00Z: 100 ns ticks since 1601-01-01 (trace-formats §5.2). */
export const FILETIME_UNIX_EPOCH = 116444736000000000n;
/** ns per FILETIME tick. */
export const FILETIME_TICK_NS = 100;

/** Windows FILETIME -> ns since the Unix epoch, exactly (trace-formats §5.2). */
export function filetimeToUnixNs(ft: bigint): bigint {
  return (ft - FILETIME_UNIX_EPOCH) * BigInt(FILETIME_TICK_NS);
}

/** 512-byte sectors, whatever the device (trace-formats conventions). */
const SECTOR_BYTES = 512;
/** Largest value of a u32 length column. */
const U32_MAX = 0xffffffff;

const DIGITS = /^\d+$/;

function time(s: string, row: IoRow): boolean {
  const parts = SPLIT;
  if (!parseUintSplit(s, parts)) return false;
  row.tHi = parts[0];
  row.tLo = parts[1];
  return true;
}
const SPLIT = new Float64Array(2);

/** MSR's Type column: `Read` / `Write` (any case); -1 otherwise. */
function opOf(s: string): number {
  if (s === 'Read' || s === 'read' || s === 'READ') return OP.READ;
  if (s === 'Write' || s === 'write' || s === 'WRITE') return OP.WRITE;
  const l = s.toLowerCase();
  return l === 'read' ? OP.READ : l === 'write' ? OP.WRITE : -1;
}

function length(s: string, unitBytes: number): number {
  const v = parseUint(s) * unitBytes;
  return v <= U32_MAX ? v : Number.NaN;
}

/** MSR Cambridge (SNIA IOTTA, FAST'08): no header, 7 columns (trace-formats §5.2). */
export const MSR: Dialect = {
  id: 'msr',
  description: 'MSR Cambridge CSV (Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime)',
  columns: [
    { name: 'Timestamp', meaning: 'Windows FILETIME (100 ns ticks since 1601) of the issue' },
    { name: 'Hostname', meaning: 'host name; with DiskNumber it names the volume (hm_0)' },
    { name: 'DiskNumber', meaning: 'logical disk number' },
    { name: 'Type', meaning: 'Read or Write' },
    { name: 'Offset', meaning: 'bytes from the start of the disk' },
    { name: 'Size', meaning: 'bytes' },
    { name: 'ResponseTime', meaning: 'issue-to-completion latency in 100 ns ticks' },
  ],
  unitNs: FILETIME_TICK_NS,
  epochUnits: FILETIME_UNIX_EPOCH,
  volume: (host, disk) => `${host}_${disk}`,
  looksLike: (f) =>
    f.length === 7 &&
    /^(read|write)$/i.test(f[3]) &&
    DIGITS.test(f[0]) &&
    DIGITS.test(f[4]) &&
    DIGITS.test(f[5]),
  decode(f, row) {
    if (!time(f[0], row)) return 'Timestamp';
    if (f[1].length === 0) return 'Hostname';
    if (Number.isNaN(parseUint(f[2]))) return 'DiskNumber';
    const op = opOf(f[3]);
    if (op < 0) return 'Type';
    row.op = op;
    const off = parseUint(f[4]);
    if (Number.isNaN(off)) return 'Offset';
    row.bytes = length(f[5], 1);
    if (Number.isNaN(row.bytes)) return 'Size';
    const rt = parseUint(f[6]);
    if (Number.isNaN(rt)) return 'ResponseTime';
    row.sector = off / SECTOR_BYTES;
    row.volA = f[1];
    row.volB = f[2];
    row.latencyNs = rt * FILETIME_TICK_NS;
    return null;
  },
};

/** Alibaba Cloud block traces 2020, io_traces.csv (trace-formats §5.3). */
export const ALIBABA: Dialect = {
  id: 'alibaba',
  description: 'Alibaba 2020 block trace CSV (device_id,opcode,offset,length,timestamp)',
  columns: [
    { name: 'device_id', meaning: 'volume number (0-999); the volume is alibaba:<id>' },
    { name: 'opcode', meaning: 'R or W' },
    { name: 'offset', meaning: 'bytes' },
    { name: 'length', meaning: 'bytes' },
    { name: 'timestamp', meaning: 'µs since the Unix epoch when the server received the I/O' },
  ],
  unitNs: 1000,
  epochUnits: 0n,
  volume: (id) => `alibaba:${id}`,
  looksLike: (f) => f.length === 5 && /^[RrWw]$/.test(f[1]) && /^\d{16}$/.test(f[4]) && DIGITS.test(f[0]),
  decode(f, row) {
    if (Number.isNaN(parseUint(f[0]))) return 'device_id';
    if (f[1] === 'R' || f[1] === 'r') row.op = OP.READ;
    else if (f[1] === 'W' || f[1] === 'w') row.op = OP.WRITE;
    else return 'opcode';
    const off = parseUint(f[2]);
    if (Number.isNaN(off)) return 'offset';
    row.bytes = length(f[3], 1);
    if (Number.isNaN(row.bytes)) return 'length';
    if (!time(f[4], row)) return 'timestamp';
    row.sector = off / SECTOR_BYTES;
    row.volA = f[0];
    row.volB = '';
    row.latencyNs = -1;
    return null;
  },
};

/** SPC trace file format 1.0.1, as used by the UMass Financial/WebSearch traces (§5.5). */
export const SPC: Dialect = {
  id: 'spc',
  description: 'SPC / UMass trace (ASU,LBA,Size,Opcode,Timestamp[,...])',
  columns: [
    { name: 'ASU', meaning: 'application specific unit; the volume is asu:<n>' },
    { name: 'LBA', meaning: '512-byte block offset within the ASU' },
    { name: 'Size', meaning: 'bytes' },
    { name: 'Opcode', meaning: 'r/R or w/W' },
    { name: 'Timestamp', meaning: 'seconds since the start of the trace (decimal)' },
  ],
  unitNs: 1,
  volume: (asu) => `asu:${asu}`,
  looksLike: (f) =>
    f.length >= 5 &&
    /^[rRwW]$/.test(f[3]) &&
    /^\d+(\.\d+)?$/.test(f[4]) &&
    DIGITS.test(f[0]) &&
    DIGITS.test(f[1]),
  decode(f, row) {
    if (Number.isNaN(parseUint(f[0]))) return 'ASU';
    const lba = parseUint(f[1]);
    if (Number.isNaN(lba)) return 'LBA';
    row.bytes = length(f[2], 1);
    if (Number.isNaN(row.bytes)) return 'Size';
    const o = f[3];
    if (o === 'r' || o === 'R') row.op = OP.READ;
    else if (o === 'w' || o === 'W') row.op = OP.WRITE;
    else return 'Opcode';
    const ns = parseSecondsNs(f[4]);
    if (Number.isNaN(ns)) return 'Timestamp';
    row.tHi = Math.floor(ns / 1e9);
    row.tLo = ns - row.tHi * 1e9;
    row.sector = lba;
    row.volA = f[0];
    row.volB = '';
    row.latencyNs = -1;
    return null;
  },
};

/** Tencent CBS (SNIA IOTTA, ATC'20) CSV (trace-formats §5.4). */
export const TENCENT: Dialect = {
  id: 'tencent',
  description: 'Tencent CBS trace CSV (Timestamp,Offset,Size,IOType,VolumeID)',
  columns: [
    { name: 'Timestamp', meaning: 'Unix seconds (integer)' },
    { name: 'Offset', meaning: '512-byte sectors' },
    { name: 'Size', meaning: '512-byte sectors' },
    { name: 'IOType', meaning: '0 = read, 1 = write' },
    { name: 'VolumeID', meaning: 'cloud volume id; the volume is tencent:<id>' },
  ],
  unitNs: 1e9,
  epochUnits: 0n,
  volume: (id) => `tencent:${id}`,
  looksLike: (f) => f.length === 5 && /^[01]$/.test(f[3]) && /^\d{10}$/.test(f[0]) && DIGITS.test(f[4]),
  decode(f, row) {
    if (!time(f[0], row)) return 'Timestamp';
    const off = parseUint(f[1]);
    if (Number.isNaN(off)) return 'Offset';
    row.bytes = length(f[2], SECTOR_BYTES);
    if (Number.isNaN(row.bytes)) return 'Size';
    if (f[3] === '0') row.op = OP.READ;
    else if (f[3] === '1') row.op = OP.WRITE;
    else return 'IOType';
    if (Number.isNaN(parseUint(f[4]))) return 'VolumeID';
    row.sector = off;
    row.volA = f[4];
    row.volB = '';
    row.latencyNs = -1;
    return null;
  },
};

export const DIALECTS: readonly Dialect[] = [MSR, ALIBABA, SPC, TENCENT];
