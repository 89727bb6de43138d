// Encodes events as blktrace v7 records in either byte order (trace-formats §1.3-§1.8): as
// per-CPU files, as one `blkparse -d`-style dump (merged order, relative times, notes with
// absolute times ahead of the events they name; §2.6), or record by record. It is the inverse
// of decoder.ts for everything v7 can express; what it cannot (zone ops, cgroup ids, PC
// command bytes) is written as the nearest v7 record and said so below.
import { ACT, type EventBatch, FLAG, NO_SECTOR, type StringTable, type TraceInfo } from '../event.js';
import { CGROUP_ID_BYTES, COMM_BYTES, categoriesFor, TA_CGROUP, TC, TC_SHIFT, TN } from './action.js';
import { BLK_IO_TRACE_MAGIC, LAYOUT_V7, VERSION_7 } from './magic.js';

const L = LAYOUT_V7;
/** 2^32, to split u64 values into u32 halves. */
const TWO_POW_32 = 4294967296;
/** Nanoseconds per second. */
const NS_PER_S = 1e9;
/** The kernel's cgroup id when the blk_cgroup option is off (trace-formats §1.7). */
export const DEFAULT_CGROUP_ID = 1;

/** One record's header fields, in host terms. */
export interface RawRecord {
  sequence: number;
  /** Monotonic ns as recorded (absolute, or relative in a dump). */
  timeNs: number;
  sector: number;
  bytes: number;
  /** The full 32-bit action word (category bits, cgroup bit, code). */
  action: number;
  pid: number;
  device: number;
  cpu: number;
  /** Signed errno or raw u16; written as the low 16 bits. */
  error: number;
  pdu?: Uint8Array;
}

/** A growable buffer of v7 records in one byte order. */
export class RecordWriter {
  private buf = new Uint8Array(1 << 16);
  private dv = new DataView(this.buf.buffer);
  private n = 0;

  constructor(readonly littleEndian: boolean) {}

  /** Bytes written so far. */
  get length(): number {
    return this.n;
  }

  private reserve(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  private u64(at: number, v: number): void {
    const le = this.littleEndian;
    const hi = Math.floor(v / TWO_POW_32);
    const lo = v - hi * TWO_POW_32;
    this.dv.setUint32(at + (le ? 0 : 4), lo >>> 0, le);
    this.dv.setUint32(at + (le ? 4 : 0), hi >>> 0, le);
  }

  /** Appends one record: header in this writer's byte order, PDU bytes as given. */
  record(r: RawRecord): void {
    const pduLen = r.pdu?.length ?? 0;
    this.reserve(L.headerBytes + pduLen);
    const o = this.n;
    const le = this.littleEndian;
    const dv = this.dv;
    dv.setUint32(o, (BLK_IO_TRACE_MAGIC | VERSION_7) >>> 0, le);
    dv.setUint32(o + L.sequence, r.sequence >>> 0, le);
    this.u64(o + L.time, r.timeNs);
    this.u64(o + L.sector, r.sector);
    dv.setUint32(o + L.bytes, r.bytes >>> 0, le);
    dv.setUint32(o + L.action, r.action >>> 0, le);
    dv.setUint32(o + L.pid, r.pid >>> 0, le);
    dv.setUint32(o + L.device, r.device >>> 0, le);
    dv.setUint32(o + L.cpu, r.cpu >>> 0, le);
    dv.setUint16(o + L.error, r.error & 0xffff, le);
    dv.setUint16(o + L.pduLen, pduLen, le);
    if (r.pdu) this.buf.set(r.pdu, o + L.headerBytes);
    this.n = o + L.headerBytes + pduLen;
  }

  /** A PROCESS note naming `pid` (TASK_COMM_LEN bytes, NUL-padded; longer names are cut). */
  process(pid: number, comm: string, timeNs: number, cpu: number, device: number, sequence = 0): void {
    const pdu = new Uint8Array(COMM_BYTES);
    pdu.set(new TextEncoder().encode(comm).subarray(0, COMM_BYTES - 1));
    this.record({
      sequence,
      timeNs,
      sector: 0,
      bytes: 0,
      action: ((TC.NOTIFY << TC_SHIFT) | TN.PROCESS) >>> 0,
      pid,
      device,
      cpu,
      error: 0,
      pdu,
    });
  }

  /** A TIMESTAMP note: wall-clock time `wallNs` was monotonic time `timeNs`. */
  timestamp(wallNs: number, timeNs: number, cpu: number, device: number): void {
    const pdu = new Uint8Array(8);
    const v = new DataView(pdu.buffer);
    const sec = Math.floor(wallNs / NS_PER_S);
    // The two u32 halves follow the header's byte order (trace-formats §1.7).
    v.setUint32(0, sec >>> 0, this.littleEndian);
    v.setUint32(4, (wallNs - sec * NS_PER_S) >>> 0, this.littleEndian);
    this.record({
      sequence: 0,
      timeNs,
      sector: 0,
      bytes: 0,
      action: ((TC.NOTIFY << TC_SHIFT) | TN.TIMESTAMP) >>> 0,
      pid: 0,
      device,
      cpu,
      error: 0,
      pdu,
    });
  }

  /**
   * Appends row `i` of `b` as one record, its time shifted by `timeBaseNs`. Remap, unplug and
   * split PDUs are rebuilt big-endian; a message's text becomes its PDU; a CGROUP flag puts
   * `cgroupId` (the column does not keep the real id) in front, in header byte order.
   */
  event(b: EventBatch, i: number, timeBaseNs = 0, cgroupId = DEFAULT_CGROUP_ID): void {
    const action = b.action[i];
    const flags = b.flags[i];
    const cgroup = (flags & FLAG.CGROUP) !== 0;
    let payload: Uint8Array | undefined;
    if (action === ACT.m) {
      payload = new TextEncoder().encode(b.msg.get(i) ?? '');
    } else if (action === ACT.A) {
      payload = new Uint8Array(16);
      const v = new DataView(payload.buffer);
      v.setUint32(0, b.auxDev[i] >>> 0, false);
      v.setUint32(4, b.dev[i] >>> 0, false);
      setU64be(v, 8, b.aux[i]);
    } else if (action === ACT.U || action === ACT.UT || action === ACT.X) {
      payload = new Uint8Array(8);
      setU64be(new DataView(payload.buffer), 0, b.aux[i]);
    }
    let pdu = payload;
    if (cgroup) {
      pdu = new Uint8Array(CGROUP_ID_BYTES + (payload?.length ?? 0));
      const v = new DataView(pdu.buffer);
      const hi = Math.floor(cgroupId / TWO_POW_32);
      v.setUint32(this.littleEndian ? 0 : 4, (cgroupId - hi * TWO_POW_32) >>> 0, this.littleEndian);
      v.setUint32(this.littleEndian ? 4 : 0, hi >>> 0, this.littleEndian);
      if (payload) pdu.set(payload, CGROUP_ID_BYTES);
    }
    const code = action === ACT.m ? TN.MESSAGE : action;
    const cats = categoriesFor(action, b.op[i], flags);
    const sector = b.sector[i];
    this.record({
      sequence: b.seq[i],
      timeNs: b.timeNs[i] + timeBaseNs,
      sector: sector === NO_SECTOR ? 0 : sector,
      bytes: b.bytes[i],
      action: ((cats << TC_SHIFT) | (cgroup ? TA_CGROUP : 0) | code) >>> 0,
      pid: b.pid[i],
      // For A, the traced device is the remap target, which is also the dev column.
      device: b.dev[i],
      cpu: b.cpu[i],
      error: b.error[i],
      pdu,
    });
  }

  /** The bytes written (a copy). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

function setU64be(v: DataView, at: number, value: number): void {
  const hi = Math.floor(value / TWO_POW_32);
  v.setUint32(at, hi >>> 0, false);
  v.setUint32(at + 4, (value - hi * TWO_POW_32) >>> 0, false);
}

export interface EncodeOptions {
  littleEndian: boolean;
  /** Added to every event time (relative times back to monotonic). Default 0. */
  timeBaseNs?: number;
}

/**
 * Names pids as the kernel does: a PROCESS note on the event's CPU, at its time, before the
 * first event of a pid and again whenever its name changes. Recent kernels number notes in
 * the CPU's sequence (sequence.ts) and may name a task again on another CPU; so when an
 * event's number is one past a hole of exactly one, a note for its pid fills the hole, as the
 * note the kernel wrote there would have. (A single lost event right before a named task's
 * event is then not seen; a column set without notes cannot tell the two apart.)
 */
class Namer {
  private readonly named = new Map<number, number>();
  /** Last event sequence written per (device, cpu). */
  private readonly lastSeq = new Map<number, number>();

  constructor(private readonly strings: StringTable) {}

  before(w: RecordWriter, b: EventBatch, i: number, timeNs: number): void {
    const key = b.dev[i] * 65536 + b.cpu[i];
    const seq = b.seq[i];
    const last = this.lastSeq.get(key);
    if (seq !== 0) this.lastSeq.set(key, seq);
    const comm = b.comm[i];
    if (comm === 0) return;
    const hole = seq >= 2 && (last === undefined ? seq === 2 : last === seq - 2);
    if (!hole && this.named.get(b.pid[i]) === comm) return;
    this.named.set(b.pid[i], comm);
    w.process(b.pid[i], this.strings.get(comm), timeNs, b.cpu[i], b.dev[i], hole ? seq - 1 : 0);
  }
}

/**
 * Builds per-CPU files (NAME.blktrace.N contents) batch by batch: each CPU's events in the
 * order given, preceded by PROCESS notes for the pids they name, and a TIMESTAMP note first on
 * the first event's CPU when the wall-clock anchor is known.
 */
export class PerCpuEncoder {
  private readonly writers = new Map<number, RecordWriter>();
  private readonly namer: Namer;
  private first = true;

  constructor(
    strings: StringTable,
    private readonly options: EncodeOptions & { info?: Pick<TraceInfo, 'originWallNs'> },
  ) {
    this.namer = new Namer(strings);
  }

  add(b: EventBatch): void {
    const base = this.options.timeBaseNs ?? 0;
    for (let i = 0; i < b.length; i++) {
      const cpu = b.cpu[i];
      let w = this.writers.get(cpu);
      if (w === undefined) {
        w = new RecordWriter(this.options.littleEndian);
        this.writers.set(cpu, w);
      }
      if (this.first) {
        this.first = false;
        const wall = this.options.info?.originWallNs;
        if (wall !== undefined) w.timestamp(wall, b.timeNs[i] + base, cpu, b.dev[i]);
      }
      this.namer.before(w, b, i, b.timeNs[i] + base);
      w.event(b, i, base);
    }
  }

  /** The file contents, keyed by CPU. */
  files(): Map<number, Uint8Array> {
    return new Map([...this.writers.entries()].map(([cpu, w]) => [cpu, w.bytes()]));
  }
}

/**
 * Builds one `blkparse -d`-style dump batch by batch: the events in the order given (already
 * merged), times as given (relative to genesis), PROCESS notes ahead of the first event of each
 * pid with absolute times (`originMonoNs` + time), and a TIMESTAMP note first when the
 * wall-clock anchor is known.
 */
export class DumpEncoder {
  private readonly w: RecordWriter;
  private readonly namer: Namer;
  private first = true;

  constructor(
    strings: StringTable,
    private readonly options: {
      littleEndian: boolean;
      info?: Pick<TraceInfo, 'originWallNs' | 'originMonoNs'>;
    },
  ) {
    this.w = new RecordWriter(options.littleEndian);
    this.namer = new Namer(strings);
  }

  add(b: EventBatch): void {
    const mono = this.options.info?.originMonoNs ?? 0;
    for (let i = 0; i < b.length; i++) {
      if (this.first) {
        this.first = false;
        const wall = this.options.info?.originWallNs;
        if (wall !== undefined) this.w.timestamp(wall, mono, b.cpu[i], b.dev[i]);
      }
      this.namer.before(this.w, b, i, b.timeNs[i] + mono);
      this.w.event(b, i, 0);
    }
  }

  bytes(): Uint8Array {
    return this.w.bytes();
  }
}

/** Per-CPU file contents for a whole set of batches (see PerCpuEncoder). */
export function encodePerCpu(
  batches: Iterable<EventBatch>,
  strings: StringTable,
  options: EncodeOptions & { info?: Pick<TraceInfo, 'originWallNs'> },
): Map<number, Uint8Array> {
  const enc = new PerCpuEncoder(strings, options);
  for (const b of batches) enc.add(b);
  return enc.files();
}

/** A `-d`-style dump of a whole set of batches (see DumpEncoder). */
export function encodeDump(
  batches: Iterable<EventBatch>,
  strings: StringTable,
  options: { littleEndian: boolean; info?: Pick<TraceInfo, 'originWallNs' | 'originMonoNs'> },
): Uint8Array {
  const enc = new DumpEncoder(strings, options);
  for (const b of batches) enc.add(b);
  return enc.bytes();
}
