// Properties: writer -> reader is the identity for what v7 expresses, in both byte orders; the
// per-CPU merge is a stable time-ordered merge; the decoder never throws on any bytes.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { BlktraceDecoder, HEAD, NEED_DATA, newDecoderShared } from '../../../src/trace/blktrace/decoder.js';
import { BlktraceSource } from '../../../src/trace/blktrace/reader.js';
import { encodeDump, encodePerCpu } from '../../../src/trace/blktrace/writer.js';
import {
  ACT,
  BATCH_ROWS,
  type EventBatch,
  FLAG,
  NO_SECTOR,
  newBatch,
  OP,
  StringTable,
  type TraceEvent,
} from '../../../src/trace/event.js';
import { drain, type GeneratedEvent, generatedBatch, memoryInput } from './helpers.js';

/** One event as the generator describes it (times absolute). */
type Ev = GeneratedEvent;

const IO_ACTIONS = [
  ACT.Q,
  ACT.M,
  ACT.F,
  ACT.G,
  ACT.S,
  ACT.R,
  ACT.D,
  ACT.C,
  ACT.I,
  ACT.X,
  ACT.B,
  ACT.A,
  ACT.ABORT,
  ACT.DRV,
];
const FLAG_BITS = [FLAG.SYNC, FLAG.META, FLAG.RAHEAD, FLAG.FUA, FLAG.PREFLUSH, FLAG.PC, FLAG.FS, FLAG.CGROUP];
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const flagsArb = fc.subarray(FLAG_BITS).map((bits) => bits.reduce((a, b) => a | b, 0));

const ioEvent = fc
  .record({
    action: fc.constantFrom(...IO_ACTIONS),
    op: fc.constantFrom(OP.READ, OP.WRITE, OP.DISCARD, OP.FLUSH, OP.NONE),
    flags: flagsArb,
    sector: fc.maxSafeNat(),
    bytes: u32,
    pid: u32,
    error: fc.integer({ min: -32768, max: 32767 }),
    aux: fc.maxSafeNat(),
    auxDev: u32,
  })
  .map((e): Omit<Ev, 'timeNs'> => {
    let { bytes, flags } = e;
    // Keep to what the category bits can say (trace-formats §1.6): a read has bytes; an
    // empty flush or an op-less event has none and no pre-flush bit of its own.
    if (e.op === OP.READ && bytes === 0) bytes = 512;
    if (e.op === OP.FLUSH || e.op === OP.NONE) {
      bytes = 0;
      flags &= ~FLAG.PREFLUSH;
    }
    const hasAux = e.action === ACT.X || e.action === ACT.A;
    return {
      ...e,
      bytes,
      flags,
      aux: hasAux ? e.aux : 0,
      auxDev: e.action === ACT.A ? e.auxDev : 0,
    };
  });

const plugEvent = fc
  .record({
    action: fc.constantFrom(ACT.P, ACT.U, ACT.UT),
    flags: flagsArb,
    pid: u32,
    aux: fc.maxSafeNat(),
  })
  .map(
    (e): Omit<Ev, 'timeNs'> => ({
      action: e.action,
      op: OP.NONE,
      flags: e.flags & ~FLAG.PREFLUSH,
      sector: NO_SECTOR,
      bytes: 0,
      pid: e.pid,
      error: 0,
      aux: e.action === ACT.P ? 0 : e.aux,
      auxDev: 0,
    }),
  );

const messageEvent = fc
  .record({
    pid: u32,
    cgroup: fc.boolean(),
    text: fc.array(fc.integer({ min: 32, max: 126 }), { maxLength: 120 }),
  })
  .map(
    (e): Omit<Ev, 'timeNs'> => ({
      action: ACT.m,
      op: OP.NONE,
      flags: e.cgroup ? FLAG.CGROUP : 0,
      sector: NO_SECTOR,
      bytes: 0,
      pid: e.pid,
      error: 0,
      aux: 0,
      auxDev: 0,
      msg: String.fromCharCode(...e.text),
    }),
  );

/** Events with nondecreasing absolute times from `base`, spaced by up to `maxGap` ns. */
function timed(ev: fc.Arbitrary<Omit<Ev, 'timeNs'>>, maxGap: number, maxLength: number): fc.Arbitrary<Ev[]> {
  return fc
    .tuple(
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.array(fc.tuple(ev, fc.nat(maxGap)), { minLength: 1, maxLength }),
    )
    .map(([base, list]) => {
      let t = base;
      return list.map(([e, gap]) => {
        t += gap;
        return { ...e, timeNs: t };
      });
    });
}

/** A process name per pid, fixed, so names round-trip (TASK_COMM_LEN - 1 bytes at most). */
const commOf = (pid: number) => `task${pid % 1000}`;

/** Builds one batch of events on `cpu`, sequence numbers 1.. in order. */
function batchOf(
  evs: Array<Ev & { cpu: number; seq: number }>,
  dev: number,
  strings: StringTable,
): EventBatch {
  return generatedBatch(evs, dev, strings, commOf);
}

/** What a read-back event must show for a generated one. */
function expected(e: Ev & { cpu: number; seq: number }, dev: number, genesis: number): Partial<TraceEvent> {
  const out: Partial<TraceEvent> = {
    timeNs: e.timeNs - genesis,
    cpu: e.cpu,
    seq: e.seq,
    dev,
    pid: e.pid,
    comm: commOf(e.pid),
    action: Object.entries(ACT).find(([, v]) => v === e.action)?.[0],
    flags: e.flags,
    sector: e.sector === NO_SECTOR ? null : e.sector,
    bytes: e.bytes,
    error: e.error,
    aux: e.aux,
    auxDev: e.auxDev,
  };
  if (e.msg !== undefined) out.msg = e.msg;
  return out;
}

const pick = (e: TraceEvent, keys: string[]) =>
  Object.fromEntries(keys.map((k) => [k, e[k as keyof TraceEvent]]));

describe('writer -> reader round trip (trace-formats §1.3-§1.8)', () => {
  test.prop(
    [
      timed(fc.oneof({ weight: 6, arbitrary: ioEvent }, plugEvent, messageEvent), 5000, 60),
      fc.boolean(),
      fc.integer({ min: 0, max: 255 }),
      u32,
    ],
    { numRuns: 60 },
  )('events on one CPU come back field for field, either byte order', async (evs, le, cpu, dev) => {
    const strings = new StringTable();
    const withSeq = evs.map((e, i) => ({ ...e, cpu, seq: i + 1 }));
    const files = encodePerCpu([batchOf(withSeq, dev, strings)], strings, { littleEndian: le });
    const bytes = files.get(cpu) as Uint8Array;
    const src = new BlktraceSource([memoryInput(`rt.blktrace.${cpu}`, bytes, 333)], { batchRows: 17 });
    const { events } = await drain(src);
    const want = withSeq.map((e) => expected(e, dev, withSeq[0].timeNs));
    const keys = Object.keys(want[0]).concat('msg');
    expect(events.map((e) => pick(e, keys))).toEqual(want.map((w) => ({ msg: undefined, ...w })));
    expect(src.info.byteOrder).toBe(le ? 'le' : 'be');
    expect(src.info.warnings).toEqual({});
  });

  test.prop([timed(fc.oneof(ioEvent, messageEvent), 3, 40), fc.boolean(), fc.integer({ min: 1, max: 3 })], {
    numRuns: 30,
  })('a dump written in merged order reads back as the same events', async (evs, le, ncpu) => {
    const strings = new StringTable();
    // CPUs take turns; each CPU numbers its own events from 1.
    const next = new Array(ncpu).fill(1);
    const withSeq = evs.map((e, i) => ({ ...e, cpu: i % ncpu, seq: next[i % ncpu]++ }));
    const genesis = withSeq[0].timeNs;
    const rel = withSeq.map((e) => ({ ...e, timeNs: e.timeNs - genesis }));
    const bytes = encodeDump([batchOf(rel, 7 << 20, strings)], strings, {
      littleEndian: le,
      info: { originMonoNs: genesis },
    });
    const src = new BlktraceSource([memoryInput('trace.dump', bytes)], { batchRows: BATCH_ROWS });
    const { events } = await drain(src);
    const want = rel.map((e) => expected(e, 7 << 20, 0));
    const keys = Object.keys(want[0]).concat('msg');
    expect(events.map((e) => pick(e, keys))).toEqual(want.map((w) => ({ msg: undefined, ...w })));
  });
});

describe('per-CPU merge (trace-formats §1.10)', () => {
  const perCpu = fc.array(fc.array(fc.nat(4), { maxLength: 30 }), { minLength: 1, maxLength: 4 });

  test.prop([perCpu], { numRuns: 100 })(
    'is a stable time-ordered merge: the same events as a reference sort, each CPU in its own order',
    async (gapsPerCpu) => {
      // Small gaps make many equal times across CPUs.
      const input = gapsPerCpu.map((gaps, cpu) => {
        let t = 1000;
        return gaps.map((g, k) => {
          t += g;
          return { cpu, seq: k + 1, timeNs: t };
        });
      });
      const all = input.flat();
      if (all.length === 0) return;
      const strings = new StringTable();
      const files = input
        .filter((evs) => evs.length > 0)
        .map((evs) => {
          const b = batchOf(
            evs.map((e) => ({
              ...e,
              action: ACT.Q,
              op: OP.READ,
              flags: 0,
              sector: e.seq,
              bytes: 512,
              pid: 1,
              error: 0,
              aux: 0,
              auxDev: 0,
            })),
            8 << 20,
            strings,
          );
          const bytes = encodePerCpu([b], strings, { littleEndian: true }).get(evs[0].cpu) as Uint8Array;
          return memoryInput(`m.blktrace.${evs[0].cpu}`, bytes);
        });
      const { events } = await drain(new BlktraceSource(files, { batchRows: 7 }));
      const genesis = Math.min(...all.map((e) => e.timeNs));
      const got = events.map((e) => ({ cpu: e.cpu, seq: e.seq, timeNs: e.timeNs + genesis }));
      for (let i = 1; i < got.length; i++) expect(got[i].timeNs).toBeGreaterThanOrEqual(got[i - 1].timeNs);
      for (const evs of input) expect(got.filter((e) => e.cpu === evs[0]?.cpu)).toEqual(evs);
      const key = (e: { cpu: number; seq: number; timeNs: number }) => [e.timeNs, e.cpu, e.seq];
      const cmp = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
      expect(got.map(key).sort(cmp)).toEqual(all.map(key).sort(cmp));
      // With all times distinct, the merge is exactly the reference sort.
      if (new Set(all.map((e) => e.timeNs)).size === all.length)
        expect(got.map(key)).toEqual(all.map(key).sort(cmp));
    },
  );
});

describe('decoder robustness', () => {
  const feed = (bytes: Uint8Array, chunk: number) => {
    const d = new BlktraceDecoder(newDecoderShared(), {
      file: 'r',
      src: 0,
      expectedCpu: -1,
      noteTimesComparable: true,
    });
    const b = newBatch(64);
    let fed = 0;
    let row = 0;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const r = d.advance();
      if (r === HEAD) {
        d.emit(b, row, 0);
        row = (row + 1) % 64;
      } else if (r === NEED_DATA) {
        if (fed >= bytes.length) d.end();
        else {
          d.push(bytes.subarray(fed, fed + chunk));
          fed += chunk;
        }
      } else return d;
    }
    throw new Error('decoder did not finish');
  };

  test.prop([fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 })], { numRuns: 200 })(
    'random bytes never throw and always finish',
    (bytes, chunk) => {
      expect(() => feed(bytes, chunk)).not.toThrow();
    },
  );

  test.prop([fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }), fc.boolean()], {
    numRuns: 200,
  })(
    'random bytes behind a valid magic word never throw, and every byte is accounted for',
    (tail, chunk, le) => {
      const bytes = new Uint8Array(4 + tail.length);
      bytes.set(le ? [0x07, 0x74, 0x61, 0x65] : [0x65, 0x61, 0x74, 0x07]);
      bytes.set(tail, 4);
      const d = feed(bytes, chunk);
      expect(d.bytes).toBe(bytes.length);
    },
  );
});
