// The pure decoder on hand-built records: the worked example of trace-formats §1.13 in both
// byte orders, PDUs, notes, the cgroup bit, v8, and what it counts instead of throwing.
import { describe, expect, it } from 'vitest';
import { devOf, FLAG } from '../../../src/trace/event.js';
import { decodeBytes } from './decode-bytes.js';
import { cat, swapV7Header, v7Record } from './helpers.js';

/** trace-formats §1.13, verbatim. */
const WORKED_EXAMPLE = Uint8Array.from(
  `07 74 61 65 01 00 00 00 40 42 0f 00 00 00 00 00
   00 08 00 00 00 00 00 00 00 10 00 00 01 00 1a 00
   d2 04 00 00 00 00 80 00 01 00 00 00 00 00 00 00`
    .trim()
    .split(/\s+/)
    .map((h) => Number.parseInt(h, 16)),
);
/** The §1.13 remap PDU: from 8,1 sector 63, to 8,0. */
const REMAP_PDU = [0x00, 0x80, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x3f];
/** The §1.13 unplug PDU of 3. */
const UNPLUG_PDU = [0, 0, 0, 0, 0, 0, 0, 3];

// Action words (trace-formats §1.5): QUEUE|READ Q, QUEUE|READ A, QUEUE|READ U, etc.
const Q_READ = 0x00110001;
const A_READ = 0x0011000f;
const U_READ = 0x0011000a;
const X_WRITE = 0x0002000d;
const PROCESS = 0x04000000;
const TIMESTAMP = 0x04000001;
const MESSAGE = 0x04000002;

const expectedWorked = {
  timeNs: 1_000_000,
  action: 'Q',
  op: 'write',
  flags: FLAG.SYNC,
  dev: devOf(8, 0),
  sector: 2048,
  bytes: 4096,
  pid: 1234,
  cpu: 1,
  seq: 1,
  error: 0,
  aux: 0,
  auxDev: 0,
};

describe('decoder: worked example (trace-formats §1.13)', () => {
  it('little-endian bytes decode to the stated fields', () => {
    const { events, decoder } = decodeBytes(WORKED_EXAMPLE);
    expect(decoder.littleEndian).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject(expectedWorked);
  });

  it('the same record byte-swapped decodes identically', () => {
    const swapped = swapV7Header(WORKED_EXAMPLE);
    expect([...swapped.subarray(0, 4)]).toEqual([0x65, 0x61, 0x74, 0x07]);
    const { events, decoder } = decodeBytes(swapped);
    expect(decoder.littleEndian).toBe(false);
    expect(events[0]).toMatchObject(expectedWorked);
  });

  it('fed one byte at a time, decodes the same', () => {
    const { events } = decodeBytes(cat(WORKED_EXAMPLE, WORKED_EXAMPLE), { chunk: 1 });
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject(expectedWorked);
  });
});

describe('decoder: PDUs are big-endian in either header order (trace-formats §1.8)', () => {
  for (const le of [true, false]) {
    const order = le ? 'LE' : 'BE';
    it(`${order}: remap gives origin device and sector; the dev column is device_to`, () => {
      const rec = v7Record(
        { action: A_READ, sector: 2111, bytes: 4096, device: devOf(8, 0), pdu: REMAP_PDU },
        le,
      );
      const [e] = decodeBytes(rec).events;
      expect(e).toMatchObject({ action: 'A', dev: devOf(8, 0), auxDev: devOf(8, 1), aux: 63, sector: 2111 });
    });
    it(`${order}: unplug depth and split point land in aux; unplugs have no sector`, () => {
      const u = v7Record({ action: U_READ, pdu: UNPLUG_PDU }, le);
      const x = v7Record({ action: X_WRITE, sector: 100, bytes: 8192, pdu: [0, 0, 0, 0, 0, 0, 0, 108] }, le);
      const [eu, ex] = decodeBytes(cat(u, x)).events;
      expect(eu).toMatchObject({ action: 'U', aux: 3, sector: null, op: 'none' });
      expect(ex).toMatchObject({ action: 'X', aux: 108, sector: 100, op: 'write' });
    });
  }

  it('a cgroup-flagged record has its 8-byte id stripped before the PDU (trace-formats §1.5)', () => {
    const id = [0x2a, 0, 0, 0, 0, 0, 0, 0];
    const [e] = decodeBytes(v7Record({ action: U_READ | 0x100, pdu: [...id, ...UNPLUG_PDU] })).events;
    expect(e).toMatchObject({ action: 'U', aux: 3 });
    expect(e.flags & FLAG.CGROUP).toBe(FLAG.CGROUP);
  });

  it('error is an int16: 0xFFFB is -5 (EIO) (trace-formats §1.9)', () => {
    const [e] = decodeBytes(v7Record({ action: 0x00810008, bytes: 4096, error: 0xfffb })).events;
    expect(e).toMatchObject({ action: 'C', error: -5 });
  });
});

describe('decoder: category bits to op and flags (trace-formats §1.5, §1.6)', () => {
  const cases: Array<[string, number, number, string, number]> = [
    // [what, categories, bytes, op, flags]
    ['empty flush (FN)', 0x0145, 0, 'flush', FLAG.FS],
    ['pre-flush + FUA write (FWFS)', 0x800e | 0x10, 4096, 'write', FLAG.PREFLUSH | FLAG.FUA | FLAG.SYNC],
    ['discard', 0x2012, 1 << 20, 'discard', 0],
    ['readahead read', 0x0811, 4096, 'read', FLAG.RAHEAD],
    ['meta read', 0x1011, 4096, 'read', FLAG.META],
    ['plug (READ bit, no bytes)', 0x0011, 0, 'none', 0],
    ['passthrough issue', 0x0241, 512, 'read', FLAG.PC],
  ];
  for (const [what, cats, bytes, op, flags] of cases) {
    it(what, () => {
      const [e] = decodeBytes(v7Record({ action: ((cats << 16) | 1) >>> 0, bytes })).events;
      expect({ op: e.op, flags: e.flags }).toEqual({ op, flags });
    });
  }

  it('an empty flush keeps its recorded sector', () => {
    const [e] = decodeBytes(v7Record({ action: 0x01450007, sector: 77 })).events;
    expect(e).toMatchObject({ action: 'D', op: 'flush', sector: 77 });
  });
});

describe('decoder: notify records (trace-formats §1.7)', () => {
  const comm = (s: string) => [...new TextEncoder().encode(s), ...new Array(16 - s.length).fill(0)];

  it('PROCESS names later events of the pid and is not an event itself', () => {
    const bytes = cat(
      v7Record({ action: PROCESS, pid: 7, time: 10, pdu: comm('fio') }),
      v7Record({ action: Q_READ, pid: 7, time: 10, bytes: 4096, seq: 1 }),
    );
    const { events } = decodeBytes(bytes);
    expect(events).toHaveLength(1);
    expect(events[0].comm).toBe('fio');
  });

  it('a reused pid takes its new name from the new note on', () => {
    const bytes = cat(
      v7Record({ action: PROCESS, pid: 7, time: 10, pdu: comm('first') }),
      v7Record({ action: Q_READ, pid: 7, time: 10, bytes: 4096 }),
      v7Record({ action: PROCESS, pid: 7, time: 20, pdu: comm('second') }),
      v7Record({ action: Q_READ, pid: 7, time: 20, bytes: 4096 }),
      v7Record({ action: Q_READ, pid: 7, time: 30, bytes: 4096 }),
    );
    expect(decodeBytes(bytes).events.map((e) => e.comm)).toEqual(['first', 'second', 'second']);
  });

  it('TIMESTAMP sets the wall-clock anchor, in header byte order', () => {
    const sec = 1_700_000_000;
    const le = [sec & 0xff, (sec >> 8) & 0xff, (sec >> 16) & 0xff, sec >>> 24, 5, 0, 0, 0];
    const { shared } = decodeBytes(v7Record({ action: TIMESTAMP, time: 999, pdu: le }));
    expect(shared.timestamp).toEqual({ monoNs: 999, wallNs: sec * 1e9 + 5 });
  });

  it('MESSAGE is an m event with its text; a cgroup id in front is stripped', () => {
    const text = [...new TextEncoder().encode('bfq7S dispatched')];
    const bytes = cat(
      v7Record({ action: MESSAGE, pid: 3, time: 5, cpu: 2, pdu: text }),
      v7Record({ action: MESSAGE | 0x100, pid: 3, time: 6, cpu: 2, pdu: [1, 0, 0, 0, 0, 0, 0, 0, ...text] }),
    );
    const { events } = decodeBytes(bytes);
    expect(events.map((e) => [e.action, e.msg, e.sector, e.op, e.flags])).toEqual([
      ['m', 'bfq7S dispatched', null, 'none', 0],
      ['m', 'bfq7S dispatched', null, 'none', FLAG.CGROUP],
    ]);
  });
});

describe('decoder: v8 records, provisional (trace-formats §1.12)', () => {
  it('reads the 64-byte header with pid before a u64 action', () => {
    const rec = new Uint8Array(64);
    const v = new DataView(rec.buffer);
    v.setUint32(0, 0x65617408, true);
    v.setUint32(4, 9, true); // sequence
    v.setUint32(8, 500, true); // time
    v.setUint32(16, 4096, true); // sector
    v.setUint32(24, 8192, true); // bytes
    v.setUint32(28, 42, true); // pid
    v.setUint32(32, 0x00120001, true); // action low: QUEUE|WRITE, Q
    v.setUint32(36, 0x0040, true); // action high: WRITE_ZEROES (category bit 22)
    v.setUint32(40, devOf(259, 0), true);
    v.setUint32(44, 3, true); // cpu
    const [e] = decodeBytes(rec).events;
    expect(e).toMatchObject({
      action: 'Q',
      op: 'write_zeroes',
      pid: 42,
      seq: 9,
      sector: 4096,
      bytes: 8192,
      cpu: 3,
      dev: devOf(259, 0),
    });
  });
});

describe('decoder: counts instead of throwing', () => {
  it('a truncated final record: events before the cut, BLKTRACE_TRUNCATED at its offset', () => {
    const recs = [1, 2, 3].map((seq) => v7Record({ action: Q_READ, seq, time: seq, bytes: 4096 }));
    const bytes = cat(...recs, v7Record({ action: Q_READ, seq: 4, bytes: 4096 }).subarray(0, 20));
    const { events, shared } = decodeBytes(bytes, { chunk: 7 });
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(shared.warnings).toEqual({ BLKTRACE_TRUNCATED: 1 });
    expect(shared.warningWhere.BLKTRACE_TRUNCATED?.offset).toBe(3 * 48);
  });

  it('a PDU cut short at the end is a truncation too', () => {
    const bytes = cat(
      v7Record({ action: Q_READ, seq: 1 }),
      v7Record({ action: U_READ, pdu: UNPLUG_PDU }).subarray(0, 52),
    );
    const { events, shared } = decodeBytes(bytes);
    expect(events).toHaveLength(1);
    expect(shared.warningWhere.BLKTRACE_TRUNCATED?.offset).toBe(48);
  });

  it('garbage mid-stream: resync on the next magic, skipped bytes counted', () => {
    const garbage = new Uint8Array(13).fill(0xee);
    const bytes = cat(
      v7Record({ action: Q_READ, seq: 1 }),
      garbage,
      v7Record({ action: Q_READ, seq: 2 }),
      v7Record({ action: Q_READ, seq: 3 }),
    );
    const { events, shared } = decodeBytes(bytes, { chunk: 5 });
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(shared.warnings).toEqual({ BLKTRACE_RESYNC: 1, BLKTRACE_SKIPPED_BYTES: 13 });
    expect(shared.warningWhere.BLKTRACE_RESYNC?.offset).toBe(48);
  });

  it('a record whose cpu is not its file’s is dropped and counted (blkparse does the same)', () => {
    const bytes = cat(
      v7Record({ action: Q_READ, seq: 1, cpu: 1 }),
      v7Record({ action: Q_READ, seq: 2, cpu: 0 }),
      v7Record({ action: Q_READ, seq: 2, cpu: 1 }),
    );
    const { events, shared } = decodeBytes(bytes, { expectedCpu: 1 });
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    expect(shared.warnings).toEqual({ BLKTRACE_WRONG_CPU: 1 });
  });

  it('sequence gaps per (device, cpu) count lost events; note numbers are not gaps', () => {
    const dev = devOf(8, 0);
    const bytes = cat(
      v7Record({ action: Q_READ, seq: 5, cpu: 0, device: dev }),
      v7Record({ action: PROCESS, seq: 6, cpu: 0, device: dev, pdu: new Array(16).fill(0x61) }),
      v7Record({ action: Q_READ, seq: 7, cpu: 0, device: dev }),
      v7Record({ action: Q_READ, seq: 10, cpu: 0, device: dev }),
      v7Record({ action: Q_READ, seq: 1, cpu: 1, device: dev }),
      v7Record({ action: Q_READ, seq: 2, cpu: 1, device: dev }),
    );
    const { shared } = decodeBytes(bytes);
    expect(shared.sequences.lost).toEqual({ '8,0,0': 2 });
    expect(shared.warnings).toEqual({ BLKTRACE_LOST_EVENTS: 2 });
  });

  it('an unknown action code is skipped and counted', () => {
    const { events, shared } = decodeBytes(
      cat(v7Record({ action: 0x00110063 }), v7Record({ action: Q_READ })),
    );
    expect(events).toHaveLength(1);
    expect(shared.warnings).toEqual({ BLKTRACE_UNKNOWN_ACTION: 1 });
  });

  it('wrong magic or version at the start: a start error with offset, no events, no throw', () => {
    const bad = Uint8Array.from(WORKED_EXAMPLE);
    bad[3] = 0x66;
    expect(decodeBytes(bad).decoder.startError).toEqual({
      code: 'BLKTRACE_BAD_MAGIC',
      offset: 0,
      found: 0x66617407,
    });
    const v6 = v7Record({ action: Q_READ, version: 6 });
    expect(decodeBytes(v6).decoder.startError).toMatchObject({
      code: 'BLKTRACE_BAD_VERSION',
      offset: 0,
      found: 6,
    });
  });
});
