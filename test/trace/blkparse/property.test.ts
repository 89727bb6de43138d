// Properties of the blkparse reader: printing arbitrary events in blkparse's default format
// (test/helpers/blkparse-print.ts, written from trace-formats §2.1) and reading them back is
// the identity on every field the text carries; arbitrary lines never make it throw.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { BlkparseDecoder } from '../../../src/trace/blkparse/decoder.js';
import { blkparseFormat } from '../../../src/trace/blkparse/reader.js';
import { LineReport } from '../../../src/trace/blkparse/text-source.js';
import { devOf, FLAG, newBatch, OP, OP_NAME, StringTable, type TraceInfo } from '../../../src/trace/event.js';
import { type PrintableEvent, printBlkparse } from '../../helpers/blkparse-print.js';
import { readText } from './helpers.js';

const REQUEST = ['I', 'D', 'R', 'C'];
const ACTIONS = ['Q', 'M', 'F', 'G', 'S', 'R', 'D', 'C', 'P', 'U', 'UT', 'I', 'X', 'B', 'A', 'm'];
/** Printable names without line breaks; brackets, blanks and slashes included on purpose. */
const name = fc.stringMatching(/^[ -~]{0,16}$/).filter((s) => s !== '(null)');
const text = fc.stringMatching(/^[ -~]{0,60}$/);
const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** (op, flags) pairs that blktrace's RWBS letters can express (trace-formats §1.6). */
const opFlags = fc
  .record({
    op: fc.constantFrom(OP.READ, OP.WRITE, OP.DISCARD, OP.FLUSH, OP.NONE),
    flags: fc.subarray([FLAG.SYNC, FLAG.META, FLAG.RAHEAD, FLAG.FUA, FLAG.PREFLUSH]),
  })
  .map(({ op, flags }) => {
    let f = flags.reduce((a, b) => a | b, 0);
    // A pre-flush on an empty non-write prints `FN`, which is the flush op itself.
    if (op === OP.FLUSH || op === OP.NONE) f &= ~FLAG.PREFLUSH;
    return { op, flags: f };
  });

const event = fc
  .record({
    major: fc.integer({ min: 0, max: 4095 }),
    minor: fc.integer({ min: 0, max: 0xfffff }),
    cpu: fc.integer({ min: 0, max: 1023 }),
    seq: u32,
    timeNs: fc.integer({ min: 0, max: 2 ** 52 }),
    pid: fc.integer({ min: 0, max: 4194304 }),
    action: fc.constantFrom(...ACTIONS),
    rw: opFlags,
    pc: fc.boolean(),
    sector: fc.integer({ min: 0, max: 2 ** 48 }),
    sectors: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 65535 })),
    pcBytes: u32,
    error: fc.integer({ min: -32768, max: 32767 }),
    comm: fc.option(name, { nil: null }),
    aux: u32,
    auxMajor: fc.integer({ min: 0, max: 4095 }),
    auxMinor: fc.integer({ min: 0, max: 0xfffff }),
    msg: text,
    elapsedNs: fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: null }),
    cgroup: fc.option(fc.constantFrom('1,0', 'ab12,3'), { nil: null }),
  })
  .map((r): PrintableEvent => {
    const pcForm = r.pc && ['Q', 'I', 'D', 'B', 'C', 'R'].includes(r.action);
    let flags = r.rw.flags;
    if (pcForm) flags |= FLAG.PC;
    return {
      ...r,
      op: r.action === 'm' ? OP.NONE : r.rw.op,
      flags: r.action === 'm' ? 0 : flags,
      bytes: pcForm ? r.pcBytes : r.sectors * 512,
    };
  });

/** What reading the printed line must give back (only fields the line shows). */
function expected(e: PrintableEvent) {
  const pc = (e.flags & FLAG.PC) !== 0;
  const a = e.action;
  const noSector =
    a === 'P' ||
    a === 'U' ||
    a === 'UT' ||
    a === 'm' ||
    pc ||
    (!['C', 'R', 'A', 'X'].includes(a) && e.bytes === 0);
  const printsBytes = !(
    a === 'P' ||
    a === 'U' ||
    a === 'UT' ||
    a === 'm' ||
    a === 'X' ||
    (pc && (a === 'C' || a === 'R'))
  );
  const printsName = !['C', 'R', 'A', 'm'].includes(a);
  let flags = e.flags & ~FLAG.PC;
  if (pc) flags |= FLAG.PC;
  else if (REQUEST.includes(a)) flags |= FLAG.FS;
  if (a === 'm') flags = e.cgroup === null ? 0 : FLAG.CGROUP;
  return {
    timeNs: e.timeNs,
    dev: devOf(e.major, e.minor),
    cpu: e.cpu,
    seq: a === 'm' ? 0 : e.seq,
    pid: e.pid,
    comm: printsName ? (e.comm ?? '') : '',
    action: a,
    op: a === 'm' ? 'none' : OP_NAME[e.op],
    flags,
    sector: noSector ? null : e.sector,
    bytes: printsBytes ? e.bytes : 0,
    error: a === 'C' || a === 'R' ? e.error : 0,
    aux: ['U', 'UT', 'X', 'A'].includes(a) ? e.aux : 0,
    auxDev: a === 'A' ? devOf(e.auxMajor, e.auxMinor) : 0,
    ...(a === 'm' ? { msg: e.msg } : {}),
  };
}

describe('blkparse print -> read', () => {
  test.prop([fc.array(event, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4096 })])(
    'is the identity on the fields the text carries',
    async (events, chunk) => {
      const lines = events.map(printBlkparse);
      const { events: read, info } = await readText(blkparseFormat, `${lines.join('\n')}\n`, {
        chunk,
        batchRows: 5,
      });
      expect(info.warnings).toEqual({});
      expect(read.map(({ src, rec, volume, ioprio, ...rest }) => rest)).toEqual(events.map(expected));
    },
  );
});

describe('the decoder never throws', () => {
  const info = (): TraceInfo => ({
    format: 'x',
    files: [],
    bytes: 0,
    records: 0,
    lines: 0,
    warnings: {},
    hasStages: true,
  });
  test.prop([
    fc.array(fc.oneof(fc.string(), fc.stringMatching(/^[ 0-9,.+\-[\]()<>/A-Za-z]{0,80}$/)), {
      maxLength: 50,
    }),
  ])('on random lines', (lines) => {
    const report = new LineReport(info(), 'x');
    const d = new BlkparseDecoder(new StringTable(), report);
    const b = newBatch(64);
    let row = 0;
    lines.forEach((l, i) => {
      if (d.decode(l, i + 1, b, row)) row = (row + 1) % 64;
    });
    d.finish();
  });

  test.prop([event, fc.integer({ min: 0, max: 200 }), fc.string({ maxLength: 3 })])(
    'on mutated event lines',
    (e, cut, junk) => {
      const line = printBlkparse(e);
      const mutated = line.slice(0, cut) + junk + line.slice(cut + junk.length);
      const d = new BlkparseDecoder(new StringTable(), new LineReport(info(), 'x'));
      d.decode(mutated, 1, newBatch(4), 0);
    },
  );
});
