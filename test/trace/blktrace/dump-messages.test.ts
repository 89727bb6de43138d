// MESSAGE records in a `blkparse -d` dump (trace-formats §1.7, §2.6). blkparse 1.2.0 writes
// them as it reads them, ahead of the events around them, with absolute times and per-CPU
// sequence numbers; newer blkparse sorts them with the events (relative times). The first kind
// must neither move the genesis nor any event, nor count as lost, restarted or backwards.
// Layout detection is not under test here: sources are read as dumps explicitly.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { BlktraceSource } from '../../../src/trace/blktrace/reader.js';
import { SequenceTracker } from '../../../src/trace/blktrace/sequence.js';
import { CONTRACT_BTT_METRICS, contractFigures } from '../../../src/trace/btt.js';
import { ACT, BATCH_ROWS, type TraceEvent, type WarningCounts } from '../../../src/trace/event.js';
import { pairEvents } from '../../../src/trace/pair.js';
import { parseBttAvg } from '../../helpers/btt-avg.js';
import { decodeBytes } from './decode-bytes.js';
import { cat, drain, memoryFileInput, memoryInput, v7Record } from './helpers.js';

// Action words (trace-formats §1.5, §1.7).
const Q_READ = 0x00110001;
const PROCESS = 0x04000000;
const MESSAGE = 0x04000002;
/** A monotonic clock reading of a machine up for about 4.5 hours, ns: an absolute time. */
const ABS_NS = 16_406_887_834_150;

const text = (s: string) => [...new TextEncoder().encode(s)];
const q = (time: number, seq: number, cpu = 1, sector = 8 * seq) =>
  v7Record({ action: Q_READ, time, seq, cpu, sector, bytes: 4096 });
const m = (time: number, seq: number, cpu = 0, msg = `bfq msg ${seq}`) =>
  v7Record({ action: MESSAGE | 0x100, time, seq, cpu, pdu: [1, 0, 0, 0, 0, 0, 0, 0, ...text(msg)] });

/** A BlktraceSource over one file, read as a dump whatever its head sample suggests. */
function dumpSource(
  bytes: Uint8Array,
  chunk = 1 << 20,
  batchRows = BATCH_ROWS,
  onDisk = false,
): BlktraceSource {
  const input = (onDisk ? memoryFileInput : memoryInput)('t.dump', bytes, chunk);
  return Object.assign(new BlktraceSource([input], { batchRows }), { layout: 'dump' as const });
}

const SEQ_WARNINGS = ['BLKTRACE_LOST_EVENTS', 'BLKTRACE_SEQUENCE_RESTART', 'BLKTRACE_TIME_BACKWARDS'];
const seqWarnings = (w: WarningCounts) => Object.keys(w).filter((k) => SEQ_WARNINGS.includes(k));

describe('decoder: absolute messages in a dump (blkparse 1.2.0)', () => {
  // Each CPU numbers its records: CPU 0 a note (1), messages (2, 4, 5) and events (3, 6);
  // CPU 1 events 1..3. Messages 4 and 5 are written ahead of CPU 0's events 3 and 6.
  const bytes = cat(
    v7Record({
      action: PROCESS,
      time: ABS_NS,
      seq: 1,
      cpu: 0,
      pid: 9,
      pdu: text('fio').concat(new Array(13).fill(0)),
    }),
    m(ABS_NS + 10, 2), // before any event
    q(0, 1),
    q(100, 2),
    m(ABS_NS + 150, 4), // read ahead of CPU 0's event 3
    v7Record({ action: Q_READ, time: 120, seq: 3, cpu: 0, sector: 1, bytes: 512 }),
    q(200, 3),
    m(ABS_NS + 300, 5),
    v7Record({ action: Q_READ, time: 310, seq: 6, cpu: 0, sector: 2, bytes: 512 }),
  );

  it.each([
    ['whole', bytes.length],
    ['one byte at a time', 1],
    ['7 bytes at a time', 7],
  ])('%s: events keep their times, messages take the last event’s (the first one’s before any)', (_, chunk) => {
    const { events, shared } = decodeBytes(bytes, { noteTimesComparable: false, chunk });
    expect(events.map((e) => [e.action, e.cpu, e.seq, e.timeNs])).toEqual([
      ['m', 0, 2, 0],
      ['Q', 1, 1, 0],
      ['Q', 1, 2, 100],
      ['m', 0, 4, 100],
      ['Q', 0, 3, 120],
      ['Q', 1, 3, 200],
      ['m', 0, 5, 200],
      ['Q', 0, 6, 310],
    ]);
    expect(events.filter((e) => e.action === 'm').map((e) => e.msg)).toEqual([
      'bfq msg 2',
      'bfq msg 4',
      'bfq msg 5',
    ]);
    expect(shared.warnings).toEqual({});
  });

  it('a cut dump whose first event is not at 0: the leading message takes that time, not the genesis', async () => {
    const cut = cat(m(ABS_NS, 7), m(ABS_NS + 5, 8), q(5000, 1), q(5100, 2), m(ABS_NS + 9, 9), q(5200, 3));
    const src = dumpSource(cut, 50);
    const { events } = await drain(src);
    expect(events.map((e) => [e.action, e.timeNs])).toEqual([
      ['m', 0],
      ['m', 0],
      ['Q', 0],
      ['Q', 100],
      ['m', 100],
      ['Q', 200],
    ]);
    expect(src.info.warnings).toEqual({});
  });

  it('a real gap is still lost events; a message number is not', () => {
    // CPU 0: events 1, 2; message 4 read ahead of event 3; event 5; then 8 (6 and 7 lost).
    const b = cat(q(0, 1, 0), q(10, 2, 0), m(ABS_NS + 40, 4), q(30, 3, 0), q(50, 5, 0), q(80, 8, 0));
    const { shared } = decodeBytes(b, { noteTimesComparable: false });
    expect(shared.sequences.lost).toEqual({ '0,0,0': 2 });
    expect(shared.warnings).toEqual({ BLKTRACE_LOST_EVENTS: 2 });
  });

  it('a dump of messages only: nothing tells their time base, so they keep their times', async () => {
    const src = dumpSource(cat(m(ABS_NS, 1), m(ABS_NS + 9, 2)));
    expect((await drain(src)).events.map((e) => e.timeNs)).toEqual([0, 9]);
    expect(src.info.warnings).toEqual({});
  });

  it('messages sorted with the events (newer blkparse) keep their own relative times and numbers', () => {
    const sorted = cat(m(0, 1, 1), q(0, 2), q(100, 3), m(150, 4, 1), q(200, 5));
    const { events, shared } = decodeBytes(sorted, { noteTimesComparable: false });
    expect(events.map((e) => [e.action, e.timeNs])).toEqual([
      ['m', 0],
      ['Q', 0],
      ['Q', 100],
      ['m', 150],
      ['Q', 200],
    ]);
    expect(shared.warnings).toEqual({});
  });

  it('in a per-CPU file a message is on the events’ time line and keeps its time', () => {
    const file = cat(q(1000, 1, 0), m(1500, 2), q(2000, 3, 0));
    const { events, shared } = decodeBytes(file, { noteTimesComparable: true, expectedCpu: 0 });
    expect(events.map((e) => e.timeNs)).toEqual([1000, 1500, 2000]);
    expect(shared.warnings).toEqual({});
  });
});

describe('SequenceTracker: notes read ahead of the events around them (trace-formats §1.10)', () => {
  it('waiting note numbers fill the gaps they sit in, in any number', () => {
    const warnings: WarningCounts = {};
    const t = new SequenceTracker(warnings);
    const s = t.state(1, 0);
    t.gap(s, 1);
    for (let n = 3; n < 3000; n += 2) t.note(s, n); // every odd number from 3 is a note
    for (let n = 2; n < 3000; n += 2) {
      if (n === s.last + 1) s.last = n;
      else t.gap(s, n);
    }
    expect(warnings).toEqual({});
    t.gap(s, 3005); // 3000 .. 3004 were not noted: 5 lost
    expect(warnings).toEqual({ BLKTRACE_LOST_EVENTS: 5 });
  });

  it('a note out of order (a restarted trace) is still found; passed notes are dropped', () => {
    const warnings: WarningCounts = {};
    const t = new SequenceTracker(warnings);
    const s = t.state(1, 0);
    t.gap(s, 10);
    t.note(s, 14);
    t.note(s, 12);
    t.gap(s, 15); // 11 and 13 lost, 12 and 14 noted
    expect(warnings).toEqual({ BLKTRACE_LOST_EVENTS: 2 });
    t.gap(s, 3); // restart
    t.note(s, 5);
    t.gap(s, 6);
    expect(warnings).toEqual({ BLKTRACE_LOST_EVENTS: 3, BLKTRACE_SEQUENCE_RESTART: 1 });
  });
});

/**
 * A dump as blkparse 1.2.0 writes it (blkparse.c ms_prime/handle), from records in kernel
 * order: each CPU's file is read in batches of `batch` events, and the messages read with a
 * batch are written at once, with their absolute times: at the start for every CPU's first
 * batch, else right after the event that emptied the CPU's previous batch. Events are written
 * in time order with times relative to the first event, plus `offset` (a cut dump).
 */
function buildDump(
  recs: Array<{ cpu: number; msg: boolean; gap: number }>,
  batch: number,
  offset: number,
): { bytes: Uint8Array; plain: Uint8Array; messages: string[] } | null {
  const seqs = [0, 0, 0];
  let t = ABS_NS;
  const timed = recs.map((r, k) => {
    t += r.gap;
    seqs[r.cpu]++;
    return { ...r, k, seq: seqs[r.cpu], t };
  });
  const events = timed.filter((r) => !r.msg);
  if (events.length === 0) return null;
  const genesis = events[0].t;
  const slots: Array<{ slot: number; r: (typeof timed)[number] }> = [];
  for (const r of timed) {
    if (!r.msg) continue;
    const own = events.filter((e) => e.cpu === r.cpu);
    let next = own.findIndex((e) => e.k > r.k);
    if (next < 0) next = own.length;
    const call = Math.floor(next / batch);
    const slot = call === 0 ? 0 : events.indexOf(own[call * batch - 1]) + 1;
    slots.push({ slot, r });
  }
  slots.sort((a, b) => a.slot - b.slot || a.r.cpu - b.r.cpu || a.r.k - b.r.k);
  // Messages that all follow the last event carry no sign of their time base: out of scope.
  if (slots.length > 0 && slots[0].slot >= events.length) return null;
  const parts: Uint8Array[] = [];
  const plain: Uint8Array[] = [];
  const messages: string[] = [];
  let j = 0;
  for (let i = 0; i <= events.length; i++) {
    for (; j < slots.length && slots[j].slot === i; j++) {
      const r = slots[j].r;
      parts.push(m(r.t, r.seq, r.cpu, `msg ${r.k}`));
      messages.push(`msg ${r.k}`);
    }
    if (i < events.length) {
      const e = events[i];
      const rec = q(e.t - genesis + offset, e.seq, e.cpu, e.k);
      parts.push(rec);
      plain.push(rec);
    }
  }
  return { bytes: cat(...parts), plain: cat(...plain), messages };
}

const fields = (e: TraceEvent) => [e.action, e.cpu, e.seq, e.sector, e.timeNs];

describe('reader: a dump with messages read ahead (property)', () => {
  test.prop(
    [
      fc.array(
        fc.record({
          cpu: fc.integer({ min: 0, max: 2 }),
          msg: fc.boolean(),
          gap: fc.integer({ min: 0, max: 5000 }),
        }),
        { minLength: 1, maxLength: 60 },
      ),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 1, max: 400 }),
      fc.integer({ min: 1, max: 9 }),
      fc.boolean(),
    ],
    { numRuns: 120 },
  )(
    'events and genesis as without the messages; each message at the last event’s time',
    async (recs, batch, offset, chunk, batchRows, onDisk) => {
      const dump = buildDump(recs, batch, offset);
      if (dump === null) return;
      const withMsgs = dumpSource(dump.bytes, chunk, batchRows, onDisk);
      const got = (await drain(withMsgs)).events;
      const want = (await drain(dumpSource(dump.plain))).events;
      expect(got.filter((e) => e.action !== 'm').map(fields)).toEqual(want.map(fields));
      expect(got.filter((e) => e.action === 'm').map((e) => e.msg)).toEqual(dump.messages);
      let last = 0; // before any event: the first event's time, 0 after the genesis
      for (const e of got) {
        if (e.action === 'm') expect(e.timeNs).toBe(last);
        else last = e.timeNs;
      }
      expect(seqWarnings(withMsgs.info.warnings)).toEqual([]);
    },
  );
});

describe('a real bfq dump with messages: btt’s figures (test/fixtures/blktrace/README.md)', () => {
  const dir = new URL('../../fixtures/blktrace/', import.meta.url).pathname;
  const bytes = new Uint8Array(gunzipSync(readFileSync(`${dir}bfq-messages.dump.gz`)));
  const btt = parseBttAvg(readFileSync(`${dir}bfq-messages.btt.avg`, 'utf8'));

  it('every All Devices row, Q2Q included, and the merge row equal btt’s; messages are read; no sequence warnings', async () => {
    const src = dumpSource(bytes);
    let messages = 0;
    const counted = {
      info: src.info,
      strings: src.strings,
      async *batches() {
        for await (const b of src.batches()) {
          for (let i = 0; i < b.length; i++) if (b.action[i] === ACT.m) messages++;
          yield b;
        }
      },
    };
    const paired = await pairEvents(counted);
    const figures = contractFigures(paired.btt);
    for (const metric of CONTRACT_BTT_METRICS) {
      const want = btt.all[metric];
      const got = figures[metric];
      if (!want) {
        expect(got.n, `${metric}: btt printed no row`).toBe(0);
        continue;
      }
      expect(got.n, `${metric} N`).toBe(want.n);
      // btt prints seconds with 9 decimals: exact to the nanosecond.
      for (const k of ['min_ns', 'avg_ns', 'max_ns'] as const)
        expect(
          Math.abs(got[k] - want[k]),
          `${metric} ${k}: got ${got[k]}, btt ${want[k]}`,
        ).toBeLessThanOrEqual(1);
    }
    const merge = btt.merges[0];
    const { ratio: _, ...counts } = paired.btt.merges;
    expect(counts).toEqual({
      q: merge.q,
      d: merge.d,
      blkmin: merge.blkmin,
      blkavg: merge.blkavg,
      blkmax: merge.blkmax,
      total: merge.total,
    });
    expect(messages).toBe(9606); // MESSAGE records in the file (fixture README)
    expect(src.info.warnings).toEqual({});
  });
});
