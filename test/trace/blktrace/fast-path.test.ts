// The reader's fast path (BlktraceDecoder.run over ordinary v7 records, batches refilled after
// recycle) against the record-at-a-time path (advance + emit), which it must equal field for
// field on any bytes: valid records of every kind, cgroup PDUs, notes, messages, time going
// backwards, wrong CPUs and corrupted bytes. Also the merge's in-place re-sort.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { BlktraceDecoder, HEAD, newDecoderShared } from '../../../src/trace/blktrace/decoder.js';
import { StreamOrder } from '../../../src/trace/blktrace/merge.js';
import { BlktraceSource } from '../../../src/trace/blktrace/reader.js';
import { encodeDump, encodePerCpu } from '../../../src/trace/blktrace/writer.js';
import {
  ACT,
  type EventBatch,
  eventAt,
  FLAG,
  NO_SECTOR,
  newBatch,
  OP,
  StringTable,
  type TraceEvent,
} from '../../../src/trace/event.js';
import { type GeneratedEvent, generatedBatch, memoryFileInput, memoryInput } from './helpers.js';

type Ev = GeneratedEvent & { cpu: number };

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ACTIONS = [ACT.Q, ACT.M, ACT.G, ACT.I, ACT.D, ACT.C, ACT.P, ACT.U, ACT.UT, ACT.X, ACT.A, ACT.R, ACT.m];

const event = fc
  .record({
    action: fc.constantFrom(...ACTIONS),
    write: fc.boolean(),
    cgroup: fc.boolean(),
    sync: fc.boolean(),
    sector: fc.maxSafeNat(),
    bytes: fc.integer({ min: 0, max: 1 << 20 }),
    pid: fc.integer({ min: 1, max: 40 }),
    error: fc.integer({ min: -32768, max: 32767 }),
    aux: fc.maxSafeNat(),
    auxDev: u32,
    cpu: fc.integer({ min: 0, max: 3 }),
    // Mostly forward, sometimes backwards (BLKTRACE_TIME_BACKWARDS on the slow path).
    gap: fc.integer({ min: -3, max: 50 }),
  })
  .map((e): Ev & { gap: number } => {
    const plug = e.action === ACT.P || e.action === ACT.U || e.action === ACT.UT;
    const message = e.action === ACT.m;
    const none = plug || message;
    return {
      timeNs: 0,
      gap: e.gap,
      cpu: e.cpu,
      action: e.action,
      op: none ? OP.NONE : e.write ? OP.WRITE : OP.READ,
      flags: (e.cgroup ? FLAG.CGROUP : 0) | (e.sync && !none ? FLAG.SYNC : 0),
      sector: none ? NO_SECTOR : e.sector,
      bytes: none ? 0 : Math.max(e.write ? 0 : 512, e.bytes),
      pid: e.pid,
      error: message ? 0 : e.error,
      aux: e.action === ACT.U || e.action === ACT.UT || e.action === ACT.X || e.action === ACT.A ? e.aux : 0,
      auxDev: e.action === ACT.A ? e.auxDev : 0,
      msg: message ? `note ${e.pid}` : undefined,
    };
  });

function toBatch(evs: Ev[], strings: StringTable): EventBatch {
  const seq = new Map<number, number>();
  const numbered = evs.map((e) => {
    const s = (seq.get(e.cpu) ?? 0) + 1;
    seq.set(e.cpu, s);
    return { ...e, seq: s };
  });
  return generatedBatch(numbered, 8 << 20, strings, (pid) => `task${pid}`);
}

/** Flips bytes at the given (position fraction, value) pairs. */
function corrupt(bytes: Uint8Array, hits: Array<[number, number]>): Uint8Array {
  const out = bytes.slice();
  for (const [where, value] of hits) if (out.length > 0) out[Math.floor(where * out.length)] = value;
  return out;
}

/** Events of one stream read record by record (advance + emit), times relative to `genesis`. */
function slowPath(
  bytes: Uint8Array,
  options: { expectedCpu: number; noteTimesComparable: boolean; checkTimeOrder: boolean },
  genesis: number,
): { events: TraceEvent[]; warnings: Record<string, number>; records: number } {
  const shared = newDecoderShared();
  const d = new BlktraceDecoder(shared, { file: 'f', src: 0, ...options });
  d.push(bytes);
  d.end();
  const b = newBatch(1);
  const events: TraceEvent[] = [];
  while (d.advance() === HEAD) {
    d.emit(b, 0, genesis);
    b.length = 1;
    events.push(eventAt(b, 0, shared.strings));
    b.msg.clear();
  }
  return { events, warnings: shared.warnings, records: d.records };
}

/** Everything but comm (names are resolved per batch, a separate concern). */
const fields = (e: TraceEvent) => {
  const { comm: _, ...rest } = e;
  return rest;
};

/** Reads a source in small batches, handing each back after copying it out (recycling). */
async function readRecycling(src: BlktraceSource): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  for await (const b of src.batches()) {
    for (let i = 0; i < b.length; i++) events.push(eventAt(b, i, src.strings));
    src.recycle(b);
  }
  return events;
}

describe('fast path equals the record-at-a-time path', () => {
  test.prop(
    [
      fc.array(event, { minLength: 1, maxLength: 80 }),
      fc.boolean(),
      fc.array(fc.tuple(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 0, max: 255 })), {
        maxLength: 4,
      }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 300 }),
      fc.boolean(),
    ],
    { numRuns: 150 },
  )('one file, any bytes, any batch and chunk size', async (evs, le, hits, batchRows, chunk, onDisk) => {
    let t = 1_000_000;
    const timed = evs.map((e) => {
      t = Math.max(0, t + e.gap);
      return { ...e, timeNs: t };
    });
    const strings = new StringTable();
    const clean = encodeDump([toBatch(timed, strings)], strings, {
      littleEndian: le,
      info: { originMonoNs: 5_000_000 },
    });
    const bytes = corrupt(clean, hits);
    let src: BlktraceSource;
    try {
      const input = (onDisk ? memoryFileInput : memoryInput)('t.dump', bytes, chunk);
      src = new BlktraceSource([input], { batchRows });
    } catch {
      return; // a corrupted first record is refused before reading (not this test's subject)
    }
    let got: TraceEvent[];
    try {
      got = await readRecycling(src);
    } catch {
      return; // no events at all: the reader reports that as an error
    }
    const options = {
      expectedCpu: -1,
      noteTimesComparable: src.layout !== 'dump',
      checkTimeOrder: src.layout !== 'interleaved',
    };
    if (src.layout === 'interleaved') return; // staged, not the fast path
    const probe = slowPath(bytes, options, 0);
    const genesis = probe.events.length > 0 ? probe.events[0].timeNs : 0;
    const want = slowPath(bytes, options, genesis);
    expect(got.map(fields)).toEqual(want.events.map(fields));
    expect(src.info.warnings).toEqual(want.warnings);
    expect(src.info.records).toBe(want.records);
  });

  test.prop(
    [
      fc.array(event, { minLength: 1, maxLength: 80 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 300 }),
    ],
    { numRuns: 100 },
  )('per-CPU files: each CPU reads back as its own file does', async (evs, le, batchRows, chunk) => {
    let t = 1_000_000;
    const timed = evs.map((e) => {
      t += Math.max(0, e.gap);
      return { ...e, timeNs: t };
    });
    const strings = new StringTable();
    const files = encodePerCpu([toBatch(timed, strings)], strings, { littleEndian: le });
    const inputs = [...files.entries()].map(([cpu, bytes]) =>
      memoryFileInput(`p.blktrace.${cpu}`, bytes, chunk),
    );
    const src = new BlktraceSource(inputs, { batchRows });
    const got = await readRecycling(src);
    const genesis = Math.min(...timed.map((e) => e.timeNs));
    for (const [cpu, bytes] of files) {
      const options = { expectedCpu: cpu, noteTimesComparable: true, checkTimeOrder: true };
      const want = slowPath(bytes, options, genesis).events.map(fields);
      expect(got.filter((e) => e.cpu === cpu).map((e) => ({ ...fields(e), src: 0 }))).toEqual(want);
    }
    let records = 0;
    for (const [cpu, bytes] of files)
      records += slowPath(
        bytes,
        { expectedCpu: cpu, noteTimesComparable: true, checkTimeOrder: true },
        0,
      ).records;
    expect(src.info.records).toBe(records);
    for (let i = 1; i < got.length; i++) expect(got[i].timeNs).toBeGreaterThanOrEqual(got[i - 1].timeNs);
  });
});

describe('merge re-sort in place (blkparse.c ms_resort)', () => {
  interface S {
    headTime: number;
    id: number;
  }

  /** The head taken out and put back as ms_sort does: after every stream not later than it. */
  function reference(list: S[]): S[] {
    const [head, ...rest] = list;
    if (rest.length === 0 || head.headTime <= rest[0].headTime) return list;
    let i = 0;
    while (i + 1 < rest.length && rest[i + 1].headTime < head.headTime) i++;
    return [...rest.slice(0, i + 1), head, ...rest.slice(i + 1)];
  }

  test.prop([
    fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 8 }),
    fc.integer({ min: 0, max: 25 }),
  ])('puts the head where taking it out and inserting it again would', (times, next) => {
    const order = new StreamOrder<S>();
    times.forEach((t, id) => {
      order.insert({ headTime: t, id });
    });
    order.list[0].headTime = next;
    const want = reference([...order.list]).map((s) => s.id);
    order.resortHead();
    expect(order.list.map((s) => s.id)).toEqual(want);
  });
});
