// The pure, incremental blktrace record decoder: bytes in (push/end), events out, one record at
// a time, written straight into EventBatch columns (trace-formats §1.2-§1.9). It frames
// records, checks every magic word, resynchronises after a framing error, diverts PROCESS and
// TIMESTAMP notes to side tables, places a dump's messages in its time line, and counts what it
// skips. It never throws on data and does no I/O; ordering several streams is the reader's job
// (merge.ts, reader.ts).
import type { ErrorCode, ErrorWhere } from '../../errors.js';
import { ACT, type EventBatch, FLAG, NO_SECTOR, OP, StringTable, type WarningCounts } from '../event.js';
import {
  CGROUP_ID_BYTES,
  COMM_BYTES,
  flagsOf,
  hasSector,
  MAX_ACTION_V7,
  MAX_ACTION_V8,
  opOf,
  TA_CGROUP,
  TC,
  TC_SHIFT,
  TN,
} from './action.js';
import {
  BLK_IO_TRACE_MAGIC,
  checkStart,
  isMagicAt,
  LAYOUT_V7,
  layoutOf,
  type RecordLayout,
  VERSION_7,
  VERSION_8,
} from './magic.js';
import { ProcessNames } from './names.js';
import { type SeqState, SequenceTracker } from './sequence.js';

/** advance() results. */
export const HEAD = 0;
export const NEED_DATA = 1;
export const DONE = 2;
export type AdvanceResult = typeof HEAD | typeof NEED_DATA | typeof DONE;

/**
 * headTime and lastEventTime before the first event: earlier than any time, and a fraction,
 * so that the fields are doubles from the start (double-field.ts).
 */
const BEFORE_FIRST_EVENT_NS = -0.5;
/** Placeholder before runV7 has looked up a sequence state. */
const NO_SEQ_STATE: SeqState = { key: '', last: -1, notes: [], notesHead: 0 };
/** nextEventTime(): the bytes read so far end before the next event. */
const NOT_YET = -1;
/** nextEventTime(): no event follows (the stream ends, or a framing error comes first). */
const NO_EVENT = -2;
/** An absolute dump message's time when no event comes before or after it: the genesis, ns. */
const DUMP_GENESIS_NS = 0;
/** 2^32, to assemble u64 fields from two u32 halves (exact below 2^53). */
const TWO_POW_32 = 4294967296;
/** Nanoseconds per second. */
const NS_PER_S = 1e9;
/** v7 header size, bytes (runV7 uses LAYOUT_V7's field offsets as literals). */
const V7_HEADER_BYTES = LAYOUT_V7.headerBytes;
/** First word of every v7 record: the magic with version 7 (magic.ts). */
const MAGIC_V7 = (BLK_IO_TRACE_MAGIC | VERSION_7) >>> 0;
/** The NOTIFY category bit as it sits in the action word. */
const NOTIFY_WORD_BIT = TC.NOTIFY << TC_SHIFT;
/** CPU slots of the decoder's sequence-state cache (a power of two; a collision only costs a lookup). */
const SEQ_SLOTS = 64;

/** State shared by all decoders of one trace: strings, names, sequences, warnings, anchor. */
export interface DecoderShared {
  readonly strings: StringTable;
  readonly names: ProcessNames;
  readonly sequences: SequenceTracker;
  readonly warnings: WarningCounts;
  /** Where each warning reason was first seen. */
  readonly warningWhere: Record<string, ErrorWhere>;
  /** The first TIMESTAMP note: its monotonic time and wall-clock ns. */
  timestamp?: { monoNs: number; wallNs: number };
}

export function newDecoderShared(strings = new StringTable()): DecoderShared {
  const warnings: WarningCounts = {};
  return {
    strings,
    names: new ProcessNames(),
    sequences: new SequenceTracker(warnings),
    warnings,
    warningWhere: {},
  };
}

export interface DecoderOptions {
  /** File name for warnings and errors. */
  file: string;
  /** Index of the file in TraceInfo.files (the `src` column). */
  src: number;
  /** CPU every record must have (per-CPU file), or -1 to accept any. */
  expectedCpu: number;
  /**
   * True when notify times share the events' time base (per-CPU files, raw streams). False for
   * a `blkparse -d` dump, whose notes keep absolute times among relative events: there a note
   * is placed at the time of the last event read before it (trace-formats §2.6). So is a
   * message that blkparse 1.2.0 wrote the same way, and its sequence number is a note's.
   */
  noteTimesComparable: boolean;
  /**
   * Count events whose time is earlier than the previous event's (BLKTRACE_TIME_BACKWARDS):
   * a per-CPU file and a dump are in time order; an interleaved stream is not. Default true.
   */
  checkTimeOrder?: boolean;
}

/** Why decoding could not start: the first record's magic or version. */
export interface StartError {
  code: Extract<ErrorCode, 'BLKTRACE_BAD_MAGIC' | 'BLKTRACE_BAD_VERSION'>;
  offset: number;
  /** The word or version found. */
  found: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Action codes 0..ACT.m inclusive index the per-action tables below. */
const ACTION_TABLE_SIZE = ACT.m + 1;
/** 1 for actions without a sector (plug, unplugs, messages). */
const NO_SECTOR_ACTION = new Uint8Array(ACTION_TABLE_SIZE).map((_, code) => (hasSector(code) ? 0 : 1));
/** 1 for actions whose PDU the decoder reads (remap, unplugs, split, messages). */
const PDU_ACTION = new Uint8Array(ACTION_TABLE_SIZE).map((_, code) =>
  code === ACT.A || code === ACT.U || code === ACT.UT || code === ACT.X || code === ACT.m ? 1 : 0,
);

/**
 * op | flags << 8 | KNOWN for v7 category masks, with bit 16 of the index set when the record
 * has no bytes: opOf/flagsOf memoised, because they run for every record. Filled on first use
 * of each entry (a trace uses a handful), not up front, which would cost every command's
 * start-up about as much as decoding 100 000 records.
 */
const OP_FLAGS = new Uint32Array(0x20000);
/** Marks an OP_FLAGS entry as filled. */
const KNOWN = 0x80000000;

function opFlagsOf(index: number): number {
  const cats = index & 0xffff;
  const op = opOf(cats, index & 0x10000 ? 0 : 1);
  const packed = (op | (flagsOf(cats, op, false) << 8) | KNOWN) >>> 0;
  OP_FLAGS[index] = packed;
  return packed;
}

export class BlktraceDecoder {
  /** Set when the first record is not blktrace v7/v8; the decoder is then DONE. */
  startError?: StartError;
  littleEndian = true;
  version = 0;
  /** Records framed (events, notes and dropped records). */
  records = 0;
  /** Events emitted. */
  events = 0;
  /** Bytes pushed. */
  bytes = 0;
  /** Raw time of the current head event (valid after advance() returned HEAD). */
  headTime = BEFORE_FIRST_EVENT_NS;
  /** CPU of the current head event. */
  headCpu = 0;

  private buf: Uint8Array = new Uint8Array(0);
  private dv = new DataView(this.buf.buffer);
  /** The decoder's own reusable buffer (space/commit, and joining a partial record to a chunk). */
  private own: Uint8Array = new Uint8Array(0);
  /** Offset in buf of the next unread record. */
  private pos = 0;
  /** File offset of buf[0]. */
  private base = 0;
  private ended = false;
  private started = false;
  private resyncing = false;
  private layout: RecordLayout = LAYOUT_V7;
  private maxAction: number = MAX_ACTION_V7;
  private lo64 = 0;
  private hi64 = 4;
  private headPos = -1;
  private headLen = 0;
  private headCats = 0;
  private headCode = 0;
  private headCgroup = false;
  private headRec = 0;
  private lastEventTime = BEFORE_FIRST_EVENT_NS;
  /** True for a dump, whose messages may carry absolute times (see advance()). */
  private readonly dumpMessages: boolean;
  /** Set once a dump's message proved to carry an absolute time (blkparse 1.2.0). */
  private absoluteMessages = false;
  /** File offset of the event nextEventTime() found last (+Infinity: none to the end), or -1. */
  private nextEventAt = -1;
  /** Its time (NO_EVENT when none). */
  private nextEventNs = 0;
  /** File offset where nextEventTime() resumes after running out of bytes, or -1. */
  private nextEventScan = -1;
  /** Sequence states by CPU slot, with the device and CPU each one belongs to. */
  private readonly seqStates: Array<SeqState | undefined> = new Array<SeqState | undefined>(SEQ_SLOTS).fill(
    undefined,
  );
  private readonly seqDevs = new Float64Array(SEQ_SLOTS).fill(-1);
  private readonly seqCpus = new Float64Array(SEQ_SLOTS).fill(-1);
  private readonly src: number;
  private readonly checkTime: boolean;

  constructor(
    private readonly shared: DecoderShared,
    private readonly options: DecoderOptions,
  ) {
    this.src = options.src;
    this.checkTime = options.checkTimeOrder ?? true;
    this.dumpMessages = !options.noteTimesComparable;
  }

  /** Appends bytes of the stream. */
  push(chunk: Uint8Array): void {
    if (this.ended || chunk.length === 0) return;
    if (this.pos === this.buf.length && this.headPos < 0) {
      // Nothing left over: read the chunk where it is.
      this.base += this.pos;
      this.bytes += chunk.length;
      this.setBuffer(chunk, chunk.length);
      return;
    }
    this.space(chunk.length).set(chunk);
    this.commit(chunk.length);
  }

  /**
   * Room for up to `n` more bytes after the unread ones, in a buffer the decoder keeps and
   * reuses: the unread bytes (at most one partial record) move to its front, and the caller
   * writes into the returned view, then calls commit(). Reading a file this way touches the
   * same memory chunk after chunk instead of fresh pages.
   */
  space(n: number): Uint8Array {
    const rest = this.buf.length - this.pos;
    const need = rest + n;
    if (this.own.length < need) {
      const grown = new Uint8Array(Math.max(need, this.own.length * 2));
      grown.set(this.buf.subarray(this.pos));
      this.own = grown;
    } else if (this.buf.buffer === this.own.buffer && this.buf.byteOffset === this.own.byteOffset) {
      this.own.copyWithin(0, this.pos, this.buf.length);
    } else {
      this.own.set(this.buf.subarray(this.pos));
    }
    if (this.headPos >= 0) this.headPos -= this.pos;
    this.base += this.pos;
    this.setBuffer(this.own, rest);
    return this.own.subarray(rest, need);
  }

  /** `n` bytes were written into the view space() returned. */
  commit(n: number): void {
    if (this.ended || n <= 0) return;
    this.bytes += n;
    this.setBuffer(this.own, this.buf.length + n);
  }

  /** Makes buf[0, length) of `bytes` the unread data. */
  private setBuffer(bytes: Uint8Array, length: number): void {
    this.buf = length === bytes.length ? bytes : bytes.subarray(0, length);
    this.pos = 0;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, length);
  }

  /** Marks the end of the stream: a partial record left then is a truncation. */
  end(): void {
    this.ended = true;
  }

  /** File offset of the next unread byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /**
   * Moves to the next event (an I/O event or a message), handling notes and skips on the way.
   * HEAD: an event is ready (headTime, emit, skip). NEED_DATA: push more bytes or end().
   * DONE: the stream is exhausted.
   */
  advance(): AdvanceResult {
    if (this.headPos >= 0) return HEAD;
    const buf = this.buf;
    const dv = this.dv;
    const len = buf.length;
    for (;;) {
      const avail = len - this.pos;
      if (!this.started) {
        if (avail < 4) return this.ended ? this.finish() : NEED_DATA;
        if (!this.begin()) return DONE;
      }
      const L = this.layout;
      const le = this.littleEndian;
      const p = this.pos;
      if (avail < L.headerBytes) {
        if (avail >= 4 && !isMagicAt(buf, p, le, this.version)) {
          if (!this.resync()) return this.ended ? this.finish() : NEED_DATA;
          continue;
        }
        return this.ended ? this.finish() : NEED_DATA;
      }
      if (!isMagicAt(buf, p, le, this.version)) {
        if (!this.resync()) return this.ended ? this.finish() : NEED_DATA;
        continue;
      }
      this.resyncing = false;
      const total = L.headerBytes + dv.getUint16(p + L.pduLen, le);
      if (avail < total) return this.ended ? this.finish() : NEED_DATA;
      const rec = this.records++;
      const cpu = dv.getUint32(p + L.cpu, le);
      const expected = this.options.expectedCpu;
      if (expected >= 0 && cpu !== expected) {
        // blkparse.c ms_prime: a record whose cpu is not its file's is reported and dropped.
        this.warn('BLKTRACE_WRONG_CPU', p);
        this.pos = p + total;
        continue;
      }
      let actionLo: number;
      let actionHi = 0;
      if (L.actionBytes === 8) {
        actionLo = dv.getUint32(p + L.action + this.lo64, le);
        actionHi = dv.getUint32(p + L.action + this.hi64, le);
      } else {
        actionLo = dv.getUint32(p + L.action, le);
      }
      const cats = ((actionLo >>> TC_SHIFT) | ((actionHi & 0xffff) << 16)) >>> 0;
      const code = actionLo & 0xff;
      let time = dv.getUint32(p + 8 + this.hi64, le) * TWO_POW_32 + dv.getUint32(p + 8 + this.lo64, le);
      if ((cats & TC.NOTIFY) !== 0) {
        if (code !== TN.MESSAGE) {
          this.notify(p, total, code, (actionLo & TA_CGROUP) !== 0, cpu, time);
          this.pos = p + total;
          continue;
        }
        this.headCode = ACT.m;
        if (this.dumpMessages && (!this.absoluteMessages || this.headTime < 0)) {
          // blkparse 1.3 sorts a dump's messages with its events (relative times, never later
          // than the next event). blkparse.c 1.2.0 ms_prime compares the whole action word
          // with BLK_TN_MESSAGE, so it takes a cgroup-flagged message (every message on a
          // CONFIG_BLK_CGROUP kernel) for a note and writes it as it reads it, with its
          // absolute time, ahead of the events around it. One message later than the event
          // after it tells the second kind (trace-formats §1.7, §2.6).
          const next = this.nextEventTime(p + total);
          if (next === NOT_YET) {
            this.records = rec;
            return NEED_DATA;
          }
          if (next !== NO_EVENT && time > next) this.absoluteMessages = true;
          if (this.absoluteMessages && this.headTime < 0) {
            // Before the first event: the first event's time, so that it sets no genesis.
            time = next !== NO_EVENT ? next : DUMP_GENESIS_NS;
            this.headTime = time;
          }
        }
        if (this.absoluteMessages) {
          // Off the events' time line: the time of the last event read, as for a note; its
          // sequence number is a note's too (emit).
          this.headPos = p;
          this.headLen = total;
          this.headCats = cats;
          this.headCgroup = (actionLo & TA_CGROUP) !== 0;
          this.headRec = rec;
          this.headCpu = cpu;
          return HEAD;
        }
      } else if (code < 1 || code > this.maxAction) {
        this.warn('BLKTRACE_UNKNOWN_ACTION', p);
        this.pos = p + total;
        continue;
      } else {
        this.headCode = code;
      }
      if (time < this.headTime && this.checkTime) this.warn('BLKTRACE_TIME_BACKWARDS', p);
      this.headPos = p;
      this.headLen = total;
      this.headCats = cats;
      this.headCgroup = (actionLo & TA_CGROUP) !== 0;
      this.headRec = rec;
      this.headTime = time;
      this.headCpu = cpu;
      return HEAD;
    }
  }

  /** What the last advance() inside run() returned. */
  result: AdvanceResult = HEAD;

  /**
   * Emits the head event and the ones after it while their time is at most `limitNs` and
   * rows remain below `cap`; returns the next free row and leaves the last advance() result in
   * `result`. The merge calls this once per run of one stream. Ordinary v7 events go through
   * runV7, which frames and writes them in one loop; anything else (notes, messages, skips,
   * warnings, v8) through advance() and emit(). Rows written here get their comm from
   * resolveComms, which the reader runs on every batch.
   */
  run(b: EventBatch, row: number, cap: number, limitNs: number, genesisNs: number): number {
    const fast = this.version === VERSION_7;
    if (fast && this.headCode !== ACT.m && this.headTime <= limitNs) {
      // Unframe the head and let runV7 read it again with the ones after it: a merge of
      // per-CPU files emits runs of a few events, and this saves a generic emit() per run.
      this.pos = this.headPos;
      this.records = this.headRec;
      this.headPos = -1;
    } else this.emit(b, row++, genesisNs);
    let r: AdvanceResult;
    for (;;) {
      if (fast) row = this.runV7(b, row, cap, limitNs, genesisNs);
      r = this.advance();
      if (r !== HEAD || row >= cap || this.headTime > limitNs) break;
      this.emit(b, row++, genesisNs);
    }
    this.result = r;
    return row;
  }

  /**
   * The common case of run(), for v7 records: frames and writes events straight from the
   * bytes, with the decoder's state in locals. It stops, leaving the record at `pos` unread,
   * at anything advance() and emit() must handle (a note, a message, a bad magic, a wrong CPU,
   * an unknown action, a short PDU, time going backwards, a partial record) and at the end of
   * the run (`cap` rows, or a time past `limitNs`). Same columns as emit(), except that
   * comm, volume and ioprio are not written, nor aux and auxDev for events without a PDU: the
   * rows must hold zeros there (a new or cleared batch, see clearForRefill).
   */
  private runV7(b: EventBatch, row: number, cap: number, limitNs: number, genesisNs: number): number {
    const dv = this.dv;
    const len = this.buf.length;
    const le = this.littleEndian;
    const lo = this.lo64;
    const hi = this.hi64;
    const expected = this.options.expectedCpu;
    const checkTime = this.checkTime;
    const src = this.src;
    const sequences = this.shared.sequences;
    const seqStates = this.seqStates;
    const seqDevs = this.seqDevs;
    const seqCpus = this.seqCpus;
    const timeNs = b.timeNs;
    const srcCol = b.src;
    const recCol = b.rec;
    const cpuCol = b.cpu;
    const seqCol = b.seq;
    const pidCol = b.pid;
    const action = b.action;
    const bytesCol = b.bytes;
    const error = b.error;
    const opCol = b.op;
    const flagsCol = b.flags;
    const sectorCol = b.sector;
    const devCol = b.dev;
    const aux = b.aux;
    const auxDev = b.auxDev;
    let pos = this.pos;
    let records = this.records;
    const firstRow = row;
    let prev = this.headTime;
    let lastEmitted = this.lastEventTime;
    // The sequence state of the last (cpu, device) seen: a per-CPU file has one.
    let lastCpu = -1;
    let lastDevice = -1;
    let state: SeqState = NO_SEQ_STATE;
    while (row < cap) {
      const p = pos;
      if (len - p < V7_HEADER_BYTES || dv.getUint32(p, le) !== MAGIC_V7) break;
      const total = V7_HEADER_BYTES + dv.getUint16(p + 46, le);
      if (len - p < total) break;
      const cpu = dv.getUint32(p + 40, le);
      if (expected >= 0 && cpu !== expected) break;
      const word = dv.getUint32(p + 28, le);
      const code = word & 0xff;
      if ((word & NOTIFY_WORD_BIT) !== 0 || code < 1 || code > MAX_ACTION_V7) break;
      const time = dv.getUint32(p + 8 + hi, le) * TWO_POW_32 + dv.getUint32(p + 8 + lo, le);
      if (time < prev && checkTime) break;
      if (time > limitNs) {
        // The next run's head, framed here rather than again by advance().
        this.headPos = p;
        this.headLen = total;
        this.headCats = word >>> TC_SHIFT;
        this.headCode = code;
        this.headCgroup = (word & TA_CGROUP) !== 0;
        this.headRec = records++;
        this.headCpu = cpu;
        prev = time;
        break;
      }
      const device = dv.getUint32(p + 36, le);
      let dev = device;
      if (PDU_ACTION[code] !== 0) {
        // Remap, unplugs and split (messages are notes): the PDU is big-endian (emitPdu).
        let pdu = p + V7_HEADER_BYTES;
        let pduLen = total - V7_HEADER_BYTES;
        if ((word & TA_CGROUP) !== 0) {
          pdu += CGROUP_ID_BYTES;
          pduLen -= CGROUP_ID_BYTES;
        }
        if (code === ACT.A) {
          if (pduLen < 16) break;
          auxDev[row] = dv.getUint32(pdu, false);
          dev = dv.getUint32(pdu + 4, false);
          aux[row] = dv.getUint32(pdu + 8, false) * TWO_POW_32 + dv.getUint32(pdu + 12, false);
        } else {
          if (pduLen < 8) break;
          aux[row] = dv.getUint32(pdu, false) * TWO_POW_32 + dv.getUint32(pdu + 4, false);
        }
      }
      const seq = dv.getUint32(p + 4, le);
      const bytes = dv.getUint32(p + 24, le);
      if (seq !== 0) {
        if (cpu !== lastCpu || device !== lastDevice) {
          const slot = cpu & (SEQ_SLOTS - 1);
          let st = seqStates[slot];
          if (st === undefined || device !== seqDevs[slot] || cpu !== seqCpus[slot]) {
            st = sequences.state(device, cpu);
            seqStates[slot] = st;
            seqDevs[slot] = device;
            seqCpus[slot] = cpu;
          }
          state = st;
          lastCpu = cpu;
          lastDevice = device;
        }
        if (seq === state.last + 1) state.last = seq;
        else sequences.gap(state, seq);
      }
      const index = (word >>> TC_SHIFT) | (bytes === 0 ? 0x10000 : 0);
      let packed = OP_FLAGS[index];
      if (packed === 0) packed = opFlagsOf(index);
      timeNs[row] = time - genesisNs;
      srcCol[row] = src;
      recCol[row] = records++;
      cpuCol[row] = cpu;
      seqCol[row] = seq;
      pidCol[row] = dv.getUint32(p + 32, le);
      action[row] = code;
      bytesCol[row] = bytes;
      error[row] = dv.getInt16(p + 44, le);
      opCol[row] = packed & 0xff;
      flagsCol[row] = ((packed >>> 8) & 0xffff) | ((word & TA_CGROUP) !== 0 ? FLAG.CGROUP : 0);
      sectorCol[row] =
        NO_SECTOR_ACTION[code] === 0
          ? dv.getUint32(p + 16 + hi, le) * TWO_POW_32 + dv.getUint32(p + 16 + lo, le)
          : NO_SECTOR;
      devCol[row] = dev;
      prev = time;
      lastEmitted = time;
      pos = p + total;
      row++;
    }
    // The same stores on every way out: one that optimized code reached for the first time
    // would send it back to the interpreter (and a merge calls this once per short run).
    this.events += row - firstRow;
    this.lastEventTime = lastEmitted;
    this.headTime = prev;
    this.pos = pos;
    this.records = records;
    return row;
  }

  /** Drops the head event without emitting it (sampling, filtering). */
  skip(): void {
    if (this.headPos < 0) return;
    this.pos = this.headPos + this.headLen;
    this.headPos = -1;
  }

  /**
   * Writes the head event into row `row` of `b`, with time relative to `genesisNs`, and
   * consumes it. `comm` is left 0: names are resolved per batch (resolveComms), once every
   * note read so far is known.
   */
  emit(b: EventBatch, row: number, genesisNs: number): void {
    const dv = this.dv;
    const o = this.headPos;
    const le = this.littleEndian;
    const L = this.layout;
    const code = this.headCode;
    const device = dv.getUint32(o + L.device, le);
    const cpu = this.headCpu;
    const seq = dv.getUint32(o + L.sequence, le);
    const bytes = dv.getUint32(o + L.bytes, le);
    b.timeNs[row] = this.headTime - genesisNs;
    b.src[row] = this.src;
    b.rec[row] = this.headRec;
    b.volume[row] = 0;
    b.cpu[row] = cpu;
    b.seq[row] = seq;
    b.pid[row] = dv.getUint32(o + L.pid, le);
    b.comm[row] = 0;
    b.action[row] = code;
    b.bytes[row] = bytes;
    b.error[row] = dv.getInt16(o + L.error, le);
    b.ioprio[row] = 0;

    if (seq !== 0) {
      // A dump switches CPU every few records: the state per CPU slot is cached here, so the
      // tracker's map (keyed by a number too large for a small integer) is rarely consulted.
      const slot = cpu & (SEQ_SLOTS - 1);
      let st = this.seqStates[slot];
      if (st === undefined || device !== this.seqDevs[slot] || cpu !== this.seqCpus[slot]) {
        st = this.shared.sequences.state(device, cpu);
        this.seqStates[slot] = st;
        this.seqDevs[slot] = device;
        this.seqCpus[slot] = cpu;
      }
      if (code === ACT.m && this.absoluteMessages) this.shared.sequences.note(st, seq);
      else if (seq === st.last + 1) st.last = seq;
      else this.shared.sequences.gap(st, seq);
    }

    const cats = this.headCats;
    if (cats < 0x10000) {
      // v7 categories: one table lookup gives op and flags (memoised, see OP_FLAGS).
      const index = cats | (bytes === 0 ? 0x10000 : 0);
      let packed = OP_FLAGS[index];
      if (packed === 0) packed = opFlagsOf(index);
      b.op[row] = packed & 0xff;
      b.flags[row] = ((packed >>> 8) & 0xffff) | (this.headCgroup ? FLAG.CGROUP : 0);
    } else {
      const op = opOf(cats, bytes);
      b.op[row] = op;
      b.flags[row] = flagsOf(cats, op, this.headCgroup);
    }
    b.sector[row] =
      NO_SECTOR_ACTION[code] === 0
        ? dv.getUint32(o + L.sector + this.hi64, le) * TWO_POW_32 + dv.getUint32(o + L.sector + this.lo64, le)
        : NO_SECTOR;
    if (PDU_ACTION[code] === 0) {
      b.dev[row] = device;
      b.aux[row] = 0;
      b.auxDev[row] = 0;
    } else this.emitPdu(b, row, device);
    this.lastEventTime = this.headTime;
    this.events++;
    this.pos = o + this.headLen;
    this.headPos = -1;
  }

  /** The PDU-bearing events: remap, unplugs, split and messages (trace-formats §1.8). */
  private emitPdu(b: EventBatch, row: number, device: number): void {
    const dv = this.dv;
    const o = this.headPos;
    const code = this.headCode;
    let pdu = o + this.layout.headerBytes;
    let pduLen = this.headLen - this.layout.headerBytes;
    if (this.headCgroup) {
      pdu += CGROUP_ID_BYTES;
      pduLen -= CGROUP_ID_BYTES;
    }
    let dev = device;
    let aux = 0;
    let auxDev = 0;
    if (code === ACT.m) {
      // A message has no operation of its own, whatever its category bits say.
      b.op[row] = OP.NONE;
      b.flags[row] = this.headCgroup ? FLAG.CGROUP : 0;
      b.msg.set(row, pduLen > 0 ? messageText(this.buf, pdu, pduLen) : '');
    } else if (code === ACT.A) {
      // PDUs are big-endian whatever the header order.
      if (pduLen >= 16) {
        auxDev = dv.getUint32(pdu, false);
        dev = dv.getUint32(pdu + 4, false);
        aux = dv.getUint32(pdu + 8, false) * TWO_POW_32 + dv.getUint32(pdu + 12, false);
      } else this.warn('BLKTRACE_SHORT_PDU', o);
    } else if (pduLen >= 8) {
      aux = dv.getUint32(pdu, false) * TWO_POW_32 + dv.getUint32(pdu + 4, false);
    } else this.warn('BLKTRACE_SHORT_PDU', o);
    b.dev[row] = dev;
    b.aux[row] = aux;
    b.auxDev[row] = auxDev;
  }

  /**
   * The time of the first event at or after buffer offset `from` (a record boundary), for a
   * dump's messages; NOT_YET when the bytes read so far end first, NO_EVENT when none follows.
   * The answer is kept for the messages up to that event, and a scan that ran out of bytes
   * resumes where it stopped, so a run of messages is scanned once.
   */
  private nextEventTime(from: number): number {
    const absFrom = this.base + from;
    if (this.nextEventAt >= absFrom) return this.nextEventNs;
    const buf = this.buf;
    const dv = this.dv;
    const L = this.layout;
    const le = this.littleEndian;
    let q = Math.max(absFrom, this.nextEventScan) - this.base;
    for (;;) {
      if (buf.length - q < L.headerBytes || !isMagicAt(buf, q, le, this.version)) break;
      const total = L.headerBytes + dv.getUint16(q + L.pduLen, le);
      if (buf.length - q < total) break;
      const actionLo = dv.getUint32(q + L.action + (L.actionBytes === 8 ? this.lo64 : 0), le);
      const actionHi = L.actionBytes === 8 ? dv.getUint32(q + L.action + this.hi64, le) : 0;
      const cats = ((actionLo >>> TC_SHIFT) | ((actionHi & 0xffff) << 16)) >>> 0;
      const code = actionLo & 0xff;
      if ((cats & TC.NOTIFY) === 0 && code >= 1 && code <= this.maxAction) {
        this.nextEventScan = -1;
        this.nextEventAt = this.base + q;
        this.nextEventNs =
          dv.getUint32(q + L.time + this.hi64, le) * TWO_POW_32 + dv.getUint32(q + L.time + this.lo64, le);
        return this.nextEventNs;
      }
      q += total;
    }
    if (buf.length - q >= 4 && !isMagicAt(buf, q, le, this.version)) {
      // A framing error: what follows is unknown until advance() resynchronises.
      this.nextEventScan = -1;
      return NO_EVENT;
    }
    if (this.ended) {
      this.nextEventScan = -1;
      this.nextEventAt = Number.POSITIVE_INFINITY;
      this.nextEventNs = NO_EVENT;
      return NO_EVENT;
    }
    this.nextEventScan = this.base + q;
    return NOT_YET;
  }

  /** Decides byte order and version on the first record; false when it is not blktrace. */
  private begin(): boolean {
    const c = checkStart(this.buf, this.pos);
    if (c.kind === 'ok') {
      this.started = true;
      this.littleEndian = c.littleEndian;
      this.version = c.version;
      this.layout = layoutOf(c.version) ?? LAYOUT_V7;
      this.maxAction = c.version === VERSION_8 ? MAX_ACTION_V8 : MAX_ACTION_V7;
      this.lo64 = c.littleEndian ? 0 : 4;
      this.hi64 = c.littleEndian ? 4 : 0;
      return true;
    }
    if (c.kind === 'bad-version') {
      this.littleEndian = c.littleEndian;
      this.startError = { code: 'BLKTRACE_BAD_VERSION', offset: this.offset, found: c.version };
    } else if (c.kind === 'bad-magic') {
      this.startError = { code: 'BLKTRACE_BAD_MAGIC', offset: this.offset, found: c.word };
    }
    this.ended = true;
    this.pos = this.buf.length;
    return false;
  }

  /** At the end of the stream: a partial record left over is a truncation. */
  private finish(): AdvanceResult {
    if (this.pos < this.buf.length) {
      this.warn('BLKTRACE_TRUNCATED', this.pos);
      this.pos = this.buf.length;
    }
    return DONE;
  }

  /**
   * Scans forward for the next magic word after a framing error, counting the bytes skipped.
   * Returns false when the buffer ends first (the last 3 bytes are kept: a magic may straddle).
   */
  private resync(): boolean {
    const buf = this.buf;
    const len = buf.length;
    if (!this.resyncing) {
      this.resyncing = true;
      this.warn('BLKTRACE_RESYNC', this.pos);
    }
    const from = this.pos;
    for (let i = from + 1; i + 4 <= len; i++) {
      if (isMagicAt(buf, i, this.littleEndian, this.version)) {
        this.countSkipped(i - from);
        this.pos = i;
        return true;
      }
    }
    const keep = this.ended ? 0 : 3;
    const to = Math.max(from, len - keep);
    this.countSkipped(to - from);
    this.pos = to;
    return false;
  }

  private countSkipped(n: number): void {
    if (n > 0)
      this.shared.warnings.BLKTRACE_SKIPPED_BYTES = (this.shared.warnings.BLKTRACE_SKIPPED_BYTES ?? 0) + n;
  }

  /** PROCESS and TIMESTAMP notes (trace-formats §1.7); they are not events. */
  private notify(p: number, total: number, code: number, cgroup: boolean, cpu: number, time: number): void {
    const dv = this.dv;
    const L = this.layout;
    const le = this.littleEndian;
    const pid = dv.getUint32(p + L.pid, le);
    const device = dv.getUint32(p + L.device, le);
    const seq = dv.getUint32(p + L.sequence, le);
    if (seq !== 0) this.shared.sequences.note(this.shared.sequences.state(device, cpu), seq);
    let pdu = p + L.headerBytes;
    let n = total - L.headerBytes;
    if (cgroup) {
      pdu += CGROUP_ID_BYTES;
      n -= CGROUP_ID_BYTES;
    }
    if (code === TN.PROCESS) {
      if (n <= 0) {
        this.warn('BLKTRACE_SHORT_PDU', p);
        return;
      }
      const comm = messageText(this.buf, pdu, Math.min(n, COMM_BYTES));
      const at = this.options.noteTimesComparable ? time : this.lastEventTime;
      this.shared.names.note(pid, at, this.shared.strings.intern(comm));
    } else if (code === TN.TIMESTAMP) {
      if (n < 8) {
        this.warn('BLKTRACE_SHORT_PDU', p);
        return;
      }
      // The two u32 halves are in the header's byte order, unlike other PDUs.
      const sec = dv.getUint32(pdu, le);
      const nsec = dv.getUint32(pdu + 4, le);
      this.shared.timestamp ??= { monoNs: time, wallNs: sec * NS_PER_S + nsec };
    } else {
      this.warn('BLKTRACE_UNKNOWN_NOTIFY', p);
    }
  }

  private warn(reason: string, bufOffset: number): void {
    const w = this.shared.warnings;
    w[reason] = (w[reason] ?? 0) + 1;
    if (this.shared.warningWhere[reason] === undefined)
      this.shared.warningWhere[reason] = {
        file: this.options.file,
        offset: this.base + bufOffset,
        record: this.records,
      };
  }
}

/** Text of a PDU up to its first NUL (comm names are NUL-padded; blkparse prints up to a NUL). */
function messageText(buf: Uint8Array, from: number, n: number): string {
  let end = from;
  const stop = from + n;
  while (end < stop && buf[end] !== 0) end++;
  return utf8.decode(buf.subarray(from, end));
}

/**
 * Zeroes the columns of a batch's first `rows` rows that run() leaves alone when they are 0
 * (volume, ioprio, aux, auxDev), so that the batch can be filled again.
 */
export function clearForRefill(b: EventBatch, rows: number): void {
  b.volume.fill(0, 0, rows);
  b.ioprio.fill(0, 0, rows);
  b.aux.fill(0, 0, rows);
  b.auxDev.fill(0, 0, rows);
}

/** Slots of resolveComms' pid -> name cache (a power of two; a collision only costs a lookup). */
const COMM_CACHE_SLOTS = 256;
const COMM_CACHE_PID = new Float64Array(COMM_CACHE_SLOTS);
const COMM_CACHE_COMM = new Uint32Array(COMM_CACHE_SLOTS);

/** Fills the comm column of rows [from, to) from the PROCESS notes read so far. */
export function resolveComms(
  b: EventBatch,
  names: ProcessNames,
  genesisNs: number,
  from = 0,
  to = b.length,
): void {
  if (!names.renamed) {
    // No pid was named twice: the name does not depend on time, so runs of one pid (a task's
    // Q G P U D) reuse one lookup, and a small cache serves pids that alternate (merged CPUs).
    // Names read later may name a pid this batch found unnamed: the cache lives for one call.
    const pids = b.pid;
    const comms = b.comm;
    const cachePid = COMM_CACHE_PID.fill(-1);
    const cacheComm = COMM_CACHE_COMM;
    let lastPid = -1;
    let lastComm = 0;
    for (let i = from; i < to; i++) {
      const pid = pids[i];
      if (pid !== lastPid) {
        const slot = pid & (COMM_CACHE_SLOTS - 1);
        if (cachePid[slot] === pid) lastComm = cacheComm[slot];
        else {
          lastComm = names.lookup(pid, 0);
          cachePid[slot] = pid;
          cacheComm[slot] = lastComm;
        }
        lastPid = pid;
      }
      comms[i] = lastComm;
    }
    return;
  }
  for (let i = from; i < to; i++) b.comm[i] = names.lookup(b.pid[i], b.timeNs[i] + genesisNs);
}
