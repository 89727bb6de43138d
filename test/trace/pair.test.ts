// Pairing rules of btt (trace-formats §4.1-4.2) on tiny hand-built event sequences. Every
// expected figure is computed by hand from the rules; times are in ns.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  ACT,
  devOf,
  type EventBatch,
  FLAG,
  IOPRIO_CLASS,
  ioprioValue,
  newBatch,
  OP,
  StringTable,
  type TraceSource,
} from '../../src/trace/event.js';
import { NONE } from '../../src/trace/io-table.js';
import { parseIoprioRules } from '../../src/trace/ioprio-rules.js';
import { PAIR_WARNING, type PairResult, pairEvents } from '../../src/trace/pair.js';

const SDA = devOf(8, 0);
const US = 1000;

type Letter = keyof typeof ACT;
/** [action, time ns, sector, sectors] plus optional fields. */
type Ev = [
  Letter,
  number,
  number,
  number,
  {
    dev?: number;
    pid?: number;
    ioprio?: number;
    flags?: number;
    aux?: number;
    auxDev?: number;
    error?: number;
  },
];

function batch(events: (Ev | [Letter, number, number, number])[], strings: StringTable): EventBatch {
  const b = newBatch(events.length + 1);
  const fio = strings.intern('fio');
  for (const [letter, t, sector, sectors, extra = {}] of events as Ev[]) {
    const i = b.length++;
    b.timeNs[i] = t;
    b.action[i] = ACT[letter];
    b.sector[i] = sector;
    b.bytes[i] = sectors * 512;
    b.dev[i] = extra.dev ?? SDA;
    b.pid[i] = extra.pid ?? 100;
    b.comm[i] = fio;
    b.op[i] = OP.READ;
    b.ioprio[i] = extra.ioprio ?? 0;
    b.flags[i] = extra.flags ?? 0;
    b.aux[i] = extra.aux ?? 0;
    b.auxDev[i] = extra.auxDev ?? 0;
    b.error[i] = extra.error ?? 0;
  }
  return b;
}

function source(events: (Ev | [Letter, number, number, number])[]): TraceSource {
  const strings = new StringTable();
  const b = batch(events, strings);
  return {
    info: { format: 'test', files: [], bytes: 0, records: b.length, lines: 0, warnings: {}, hasStages: true },
    strings,
    async *batches() {
      yield b;
    },
  };
}

async function pair(events: (Ev | [Letter, number, number, number])[]): Promise<PairResult> {
  return pairEvents(source(events));
}

describe('pairing (trace-formats §4.2)', () => {
  it('Q G I D C: one I/O with every stage and its btt deltas', async () => {
    const r = await pair([
      ['Q', 1 * US, 100, 8],
      ['G', 2 * US, 100, 8],
      ['I', 4 * US, 100, 8],
      ['D', 7 * US, 100, 8],
      ['C', 11 * US, 100, 8],
    ]);
    expect(r.ios.length).toBe(1);
    expect([r.ios.tQ[0], r.ios.tG[0], r.ios.tI[0], r.ios.tD[0], r.ios.tC[0]]).toEqual([
      1 * US,
      2 * US,
      4 * US,
      7 * US,
      11 * US,
    ]);
    expect(r.ios.tM[0]).toBe(NONE);
    const f = r.btt.all;
    expect(f.Q2G).toEqual({ min_ns: 1 * US, avg_ns: 1 * US, max_ns: 1 * US, n: 1 });
    expect(f.G2I.avg_ns).toBe(2 * US);
    expect(f.I2D.avg_ns).toBe(3 * US);
    expect(f.D2C.avg_ns).toBe(4 * US);
    expect(f.Q2C.avg_ns).toBe(10 * US);
    expect(f.Q2Q.n).toBe(0);
    expect(r.btt.merges).toEqual({ q: 1, d: 1, ratio: 1, blkmin: 8, blkavg: 8, blkmax: 8, total: 8 });
    expect(r.warnings).toEqual({});
  });

  it('a back-merged bio is attributed to the request it joined: M2D, D2C per bio, mergedInto', async () => {
    const r = await pair([
      ['Q', 0, 100, 8],
      ['G', 1 * US, 100, 8],
      ['Q', 2 * US, 108, 8],
      ['M', 3 * US, 108, 8],
      ['I', 5 * US, 100, 16],
      ['D', 9 * US, 100, 16],
      ['C', 20 * US, 100, 16],
    ]);
    expect(r.ios.length).toBe(2);
    expect(r.ios.mergedInto[0]).toBe(NONE);
    expect(r.ios.mergedInto[1]).toBe(0);
    expect(r.ios.tD[1]).toBe(9 * US);
    expect(r.ios.tC[1]).toBe(20 * US);
    const f = r.btt.all;
    expect(f.Q2M).toMatchObject({ avg_ns: 1 * US, n: 1 });
    expect(f.I2D).toMatchObject({ avg_ns: 4 * US, n: 1 }); // I at 5 µs found the head Q
    expect(f.M2D).toMatchObject({ avg_ns: 6 * US, n: 1 });
    // D2C and Q2C once per bio: (11 + 11) / 2 and (20 + 18) / 2
    expect(f.D2C).toMatchObject({ avg_ns: 11 * US, n: 2 });
    expect(f.Q2C).toMatchObject({ min_ns: 18 * US, avg_ns: 19 * US, max_ns: 20 * US, n: 2 });
    expect(r.btt.merges).toMatchObject({ q: 2, d: 1, ratio: 2, total: 16 });
  });

  it('a D covering several pending Qs issues all of them (plugged sequential bios)', async () => {
    const r = await pair([
      ['Q', 0, 0, 8],
      ['G', 1 * US, 0, 8],
      ['Q', 2 * US, 8, 8],
      ['M', 3 * US, 8, 8],
      ['Q', 4 * US, 16, 8],
      ['M', 5 * US, 16, 8],
      ['D', 10 * US, 0, 24],
      ['C', 30 * US, 0, 24],
    ]);
    expect(Array.from(r.ios.tD)).toEqual([10 * US, 10 * US, 10 * US]);
    expect(Array.from(r.ios.mergedInto)).toEqual([NONE, 0, 0]);
    expect(r.btt.all.M2D).toMatchObject({ min_ns: 5 * US, max_ns: 7 * US, n: 2 });
    expect(r.btt.all.D2C).toMatchObject({ avg_ns: 20 * US, n: 3 });
    expect(r.btt.merges).toMatchObject({ q: 3, d: 1, blkmin: 24, blkavg: 24, total: 24 });
  });

  it('requeue: R counts as a Q for the merge ratio, the later D re-stamps the I/O', async () => {
    const r = await pair([
      ['Q', 1 * US, 100, 8],
      ['G', 2 * US, 100, 8],
      ['I', 3 * US, 100, 8],
      ['D', 4 * US, 100, 8],
      ['R', 5 * US, 100, 8],
      ['D', 7 * US, 100, 8],
      ['C', 10 * US, 100, 8],
    ]);
    expect(r.ios.requeues[0]).toBe(1);
    expect(r.ios.tD[0]).toBe(7 * US);
    // two I2D samples from the one I: 1 µs and 4 µs; D2C from the last D
    expect(r.btt.all.I2D).toEqual({ min_ns: 1 * US, avg_ns: 2.5 * US, max_ns: 4 * US, n: 2 });
    expect(r.btt.all.D2C).toMatchObject({ avg_ns: 3 * US, n: 1 });
    expect(r.btt.all.Q2C).toMatchObject({ avg_ns: 9 * US, n: 1 });
    // #Q = 1 Q + 1 R, #D = 2, average size = 8 sectors / 2 issues, truncated
    expect(r.btt.merges).toEqual({ q: 2, d: 2, ratio: 1, blkmin: 8, blkavg: 4, blkmax: 8, total: 8 });
  });

  it('remap: Q2A from the volume Q; md/dm volumes go to the dm rows', async () => {
    const dm = devOf(253, 0);
    const part = devOf(8, 1);
    const r = await pair([
      ['Q', 0, 5000, 8, { dev: dm }],
      ['A', 3 * US, 9000, 8, { dev: SDA, auxDev: dm, aux: 5000 }],
      ['Q', 4 * US, 9000, 8, { dev: SDA }],
      ['Q', 10 * US, 200, 8, { dev: part }],
      ['A', 12 * US, 2248, 8, { dev: SDA, auxDev: part, aux: 200 }],
      ['A', 13 * US, 4000, 8, { dev: SDA, auxDev: part, aux: 77 }],
      ['C', 20 * US, 5000, 8, { dev: dm }],
    ]);
    expect(r.btt.all.Q2Adm).toMatchObject({ avg_ns: 3 * US, n: 1 });
    expect(r.btt.all.Q2A).toMatchObject({ avg_ns: 2 * US, n: 1 });
    expect(r.btt.all.Q2Cdm).toMatchObject({ avg_ns: 20 * US, n: 1 });
    expect(r.btt.all.Q2C.n).toBe(0);
    // Q2Q uses the previous Q on any device; dm Qs feed Q2Qdm
    expect(r.btt.all.Q2Q).toMatchObject({ min_ns: 4 * US, max_ns: 6 * US, n: 2 });
    expect(r.btt.all.Q2Qdm.n).toBe(0);
    expect(r.warnings[PAIR_WARNING.A_WITHOUT_Q]).toBe(1);
  });

  it('an A ends pre-culling on its own device', async () => {
    const r = await pair([
      ['A', 1 * US, 900, 8, { dev: SDA, auxDev: devOf(8, 1), aux: 10 }],
      ['D', 2 * US, 900, 8],
      ['C', 3 * US, 900, 8],
    ]);
    expect(r.warnings[PAIR_WARNING.CULLED]).toBeUndefined();
    expect(r.warnings[PAIR_WARNING.D_WITHOUT_Q]).toBe(1);
  });

  it('pre-culling: events before the first Q of a device are dropped (I/O in flight at start)', async () => {
    const r = await pair([
      ['D', 1 * US, 50, 8],
      ['C', 2 * US, 50, 8],
      ['Q', 3 * US, 100, 8],
      ['D', 4 * US, 100, 8],
      ['C', 6 * US, 100, 8],
    ]);
    expect(r.warnings[PAIR_WARNING.CULLED]).toBe(2);
    expect(r.btt.merges).toEqual({ q: 1, d: 1, ratio: 1, blkmin: 8, blkavg: 8, blkmax: 8, total: 8 });
    expect(r.btt.all.D2C).toMatchObject({ avg_ns: 2 * US, n: 1 });
    expect(r.btt.all.Q2C).toMatchObject({ avg_ns: 3 * US, n: 1 });
  });

  it('zero-byte Q/D/C (flushes) are ignored, and a zero-byte Q does not end pre-culling', async () => {
    const r = await pair([
      ['Q', 1 * US, 0, 0],
      ['D', 2 * US, 0, 0],
      ['C', 3 * US, 0, 0],
      ['G', 4 * US, 100, 8],
      ['Q', 5 * US, 100, 8],
      ['D', 6 * US, 0, 0],
      ['D', 7 * US, 100, 8],
      ['C', 8 * US, 0, 0],
      ['C', 9 * US, 100, 8],
    ]);
    expect(r.ios.length).toBe(1);
    expect(r.warnings[PAIR_WARNING.CULLED]).toBe(1); // the G before the first Q with bytes
    expect(r.btt.merges).toMatchObject({ q: 1, d: 1, total: 8 });
    expect(r.btt.all.Q2C).toMatchObject({ avg_ns: 4 * US, n: 1 });
  });

  it('deltas are clamped to at least 1 ns (equal or reversed times)', async () => {
    const r = await pair([
      ['Q', 5 * US, 100, 8],
      ['Q', 5 * US, 200, 8],
      ['G', 5 * US, 100, 8],
      ['I', 4 * US, 100, 8],
      ['D', 3 * US, 100, 8],
      ['C', 5 * US, 100, 8],
    ]);
    const f = r.btt.all;
    expect([f.Q2Q.max_ns, f.Q2G.max_ns, f.G2I.max_ns, f.I2D.max_ns, f.Q2C.max_ns]).toEqual([1, 1, 1, 1, 1]);
    expect(f.D2C.max_ns).toBe(2 * US);
  });

  it('a Q at the start sector of a pending Q replaces it, as btt does', async () => {
    const r = await pair([
      ['Q', 1 * US, 100, 8],
      ['Q', 3 * US, 100, 16],
      ['D', 5 * US, 100, 8],
      ['C', 6 * US, 100, 8],
    ]);
    expect(r.btt.all.Q2Q.n).toBe(1);
    expect(r.btt.all.Q2C.n).toBe(0);
    expect(r.warnings).toEqual({
      [PAIR_WARNING.Q_REPLACED]: 1,
      [PAIR_WARNING.D_WITHOUT_Q]: 1,
      [PAIR_WARNING.C_WITHOUT_Q]: 1,
      [PAIR_WARNING.Q_NEVER_COMPLETED]: 1,
    });
  });

  it("keeps btt's search pruning: a Q nested in a wider pending Q's span is not found by D/C", async () => {
    const r = await pair([
      ['Q', 1 * US, 100, 1000],
      ['Q', 2 * US, 108, 8],
      ['D', 3 * US, 100, 16],
      ['C', 4 * US, 100, 16],
    ]);
    expect(r.btt.all.D2C.n).toBe(0);
    expect(r.warnings[PAIR_WARNING.Q_NEVER_COMPLETED]).toBe(2);
  });

  it('a G inside two pending spans takes the first on the red-black search path', async () => {
    // inserting 0, 50, 60 rotates 50 to the root: sector 55 finds the Q at 50, not the wider one at 0
    const a = await pair([
      ['Q', 0, 0, 100],
      ['Q', 1 * US, 50, 8],
      ['Q', 2 * US, 60, 8],
      ['G', 9 * US, 55, 8],
    ]);
    expect(a.btt.all.Q2G).toMatchObject({ avg_ns: 8 * US, n: 1 });
    // 100, 50 (spanning to 110), 150, 25: the recolouring keeps 100 at the root; the Q that
    // replaces it stays there, so sector 102 finds it rather than the span from 50
    const b = await pair([
      ['Q', 0, 100, 8],
      ['Q', 1 * US, 50, 60],
      ['Q', 2 * US, 150, 8],
      ['Q', 3 * US, 25, 8],
      ['Q', 4 * US, 100, 4],
      ['G', 9 * US, 102, 8],
    ]);
    expect(b.btt.all.Q2G).toMatchObject({ avg_ns: 5 * US, n: 1 });
  });

  it('passthrough (PC) events are skipped; cgroup-flagged events are paired', async () => {
    const r = await pair([
      ['Q', 1 * US, 100, 8, { flags: FLAG.CGROUP }],
      ['D', 2 * US, 100, 8, { flags: FLAG.PC }],
      ['D', 3 * US, 100, 8, { flags: FLAG.CGROUP }],
      ['C', 5 * US, 100, 8, { flags: FLAG.CGROUP }],
    ]);
    expect(r.btt.merges.d).toBe(1);
    expect(r.btt.all.D2C).toMatchObject({ avg_ns: 2 * US, n: 1 });
  });

  it('I/O priority of request events goes to the I/O and to every bio merged into it', async () => {
    const be2 = ioprioValue(IOPRIO_CLASS.BE, 2);
    const rt0 = ioprioValue(IOPRIO_CLASS.RT, 0);
    const r = await pair([
      ['Q', 0, 100, 8],
      ['Q', 1 * US, 108, 8],
      ['M', 2 * US, 108, 8],
      ['I', 3 * US, 100, 16, { ioprio: be2 }],
      ['D', 4 * US, 100, 16, { ioprio: be2 }],
      ['C', 5 * US, 100, 16, { ioprio: be2 }],
      ['Q', 6 * US, 300, 8, { ioprio: rt0 }],
      ['C', 7 * US, 300, 8],
    ]);
    expect(Array.from(r.ios.ioprio)).toEqual([be2, be2, rt0]);
  });

  it('--ioprio rules fill only I/Os without a recorded priority', async () => {
    const rt0 = ioprioValue(IOPRIO_CLASS.RT, 0);
    const r = await pairEvents(
      source([
        ['Q', 0, 100, 8],
        ['Q', 1 * US, 200, 8, { ioprio: rt0 }],
        ['Q', 2 * US, 300, 8, { pid: 7 }],
      ]),
      { ioprioRules: parseIoprioRules(['comm:fio=idle', 'pid:7=be/1']) },
    );
    expect(Array.from(r.ios.ioprio)).toEqual([
      ioprioValue(IOPRIO_CLASS.IDLE, 0),
      rt0,
      ioprioValue(IOPRIO_CLASS.BE, 1),
    ]);
  });

  it('already-paired I/Os (CSV): completion from the latency, or a warning', async () => {
    const r = await pair([
      ['IO', 1 * US, 100, 8, { aux: 250 * US }],
      ['IO', 2 * US, 200, 8, { aux: -1 }],
    ]);
    expect(r.ios.tC[0]).toBe(251 * US);
    expect(r.ios.tC[1]).toBe(NONE);
    expect(r.btt.all.Q2C).toMatchObject({ avg_ns: 250 * US, n: 1 });
    expect(r.warnings[PAIR_WARNING.IO_WITHOUT_LATENCY]).toBe(1);
  });

  it('several devices: Q2Q across devices, merge rows per device and their TOTAL', async () => {
    const sdb = devOf(8, 16);
    const r = await pair([
      ['Q', 0, 100, 8],
      ['Q', 2 * US, 100, 16, { dev: sdb }],
      ['D', 3 * US, 100, 8],
      ['D', 4 * US, 100, 16, { dev: sdb }],
      ['C', 5 * US, 100, 8],
      ['C', 6 * US, 100, 16, { dev: sdb }],
    ]);
    expect(r.btt.all.Q2Q).toMatchObject({ avg_ns: 2 * US, n: 1 });
    expect(r.btt.devices.map((d) => [d.dev, d.q, d.d, d.total])).toEqual([
      [SDA, 1, 1, 8],
      [sdb, 1, 1, 16],
    ]);
    expect(r.btt.merges).toEqual({ q: 2, d: 2, ratio: 1, blkmin: 8, blkavg: 12, blkmax: 16, total: 24 });
  });

  it('events split over several batches pair as one stream', async () => {
    const strings = new StringTable();
    const a = batch(
      [
        ['Q', 0, 100, 8],
        ['G', 1 * US, 100, 8],
      ],
      strings,
    );
    const b = batch(
      [
        ['D', 2 * US, 100, 8],
        ['C', 3 * US, 100, 8],
      ],
      strings,
    );
    const r = await pairEvents({
      info: { format: 'test', files: [], bytes: 0, records: 4, lines: 0, warnings: {}, hasStages: true },
      strings,
      async *batches() {
        yield a;
        yield b;
      },
    });
    expect(r.btt.all.Q2C).toMatchObject({ avg_ns: 3 * US, n: 1 });
  });
});

/** Random traces on one device: a few sectors so that spans collide, events in time order. */
const randomEvents = fc.array(
  fc.tuple(
    fc.constantFrom<Letter>('Q', 'Q', 'Q', 'G', 'I', 'M', 'D', 'D', 'C', 'C', 'C', 'R'),
    fc.integer({ min: 0, max: 40 }),
    fc.constantFrom(0, 1, 8, 16),
    fc.integer({ min: 0, max: 5 }),
  ),
  { maxLength: 80 },
);

describe('pairing properties', () => {
  test.prop([randomEvents])('every Q row is completed or counted as unpaired', async (raw) => {
    let t = 0;
    const events = raw.map(([a, s, n, dt]) => {
      t += dt;
      return [a, t, s * 8, n] as [Letter, number, number, number];
    });
    const r = await pair(events);
    let open = 0;
    for (let i = 0; i < r.ios.length; i++) if (r.ios.tC[i] === NONE) open++;
    const counted =
      (r.warnings[PAIR_WARNING.Q_NEVER_COMPLETED] ?? 0) + (r.warnings[PAIR_WARNING.Q_REPLACED] ?? 0);
    expect(counted).toBe(open);
    expect(r.ios.length).toBe(events.filter(([a, , , n]) => a === 'Q' && n > 0).length);
    // one Q2C sample per completed I/O
    expect(r.btt.all.Q2C.n).toBe(r.ios.length - open);
  });
});

// A bio larger than the queue's limits is split (X: the bio at `sector` is cut at `aux`; the
// first piece is [sector, aux)); each piece gets its own G, I, D and C, none covering the Q's
// span. btt leaves such a Q unpaired; its row takes the D of its first piece and the C of its
// last (block/bio.c bio_chain_endio: the parent ends when every piece has).
describe('split bios (X): the row completes with its last piece', () => {
  it('one split: D of the first piece issued, C of the last piece completed; btt pairs nothing', async () => {
    const r = await pair([
      ['Q', 1 * US, 0, 2064],
      ['X', 2 * US, 0, 1032, { aux: 1032 }],
      ['G', 3 * US, 0, 1032],
      ['G', 4 * US, 1032, 1032],
      ['D', 6 * US, 1032, 1032],
      ['D', 7 * US, 0, 1032],
      ['C', 20 * US, 1032, 1032],
      ['C', 25 * US, 0, 1032],
    ]);
    expect(r.ios.length).toBe(1);
    expect(r.ios.tQ[0]).toBe(1 * US);
    expect(r.ios.tD[0]).toBe(6 * US);
    expect(r.ios.tC[0]).toBe(25 * US);
    expect(r.ios.bytes[0]).toBe(2064 * 512);
    // btt: both Gs find the Q (its span holds their sectors); no D or C covers it.
    expect(r.btt.all.Q2G.n).toBe(2);
    expect(r.btt.all.Q2C.n).toBe(0);
    expect(r.btt.all.D2C.n).toBe(0);
    expect(r.warnings).toEqual({});
  });

  it('a piece split again (three pieces), completed out of order, with the first error kept', async () => {
    const r = await pair([
      ['Q', 1 * US, 100, 3000],
      ['X', 2 * US, 100, 1000, { aux: 1100 }],
      ['X', 3 * US, 1100, 1000, { aux: 2100 }],
      ['D', 5 * US, 100, 1000],
      ['D', 6 * US, 1100, 1000],
      ['D', 7 * US, 2100, 1000],
      ['C', 9 * US, 2100, 1000, { error: -5 }],
      ['C', 10 * US, 100, 1000, { error: -11 }],
      ['C', 12 * US, 1100, 1000],
    ]);
    expect(r.ios.tD[0]).toBe(5 * US);
    expect(r.ios.tC[0]).toBe(12 * US);
    expect(r.ios.error[0]).toBe(-5);
    expect(r.warnings).toEqual({});
  });

  it('a request holding pieces of two bios, and a whole bio beside a piece', async () => {
    const r = await pair([
      ['Q', 1 * US, 0, 2000],
      ['X', 2 * US, 0, 1000, { aux: 1000 }],
      ['Q', 3 * US, 2000, 8],
      // The second piece of bio 0 and bio 1 go out in one request.
      ['D', 4 * US, 0, 1000],
      ['D', 5 * US, 1000, 1008],
      ['C', 8 * US, 0, 1000],
      ['C', 9 * US, 1000, 1008],
    ]);
    expect(r.ios.length).toBe(2);
    expect([r.ios.tD[0], r.ios.tC[0]]).toEqual([4 * US, 9 * US]);
    expect([r.ios.tD[1], r.ios.tC[1]]).toEqual([5 * US, 9 * US]);
    expect(r.btt.all.Q2C.n).toBe(1);
    expect(r.warnings).toEqual({});
  });

  it('an unfinished split bio is a Q never completed; a split with no pending Q is counted', async () => {
    const r = await pair([
      ['Q', 1 * US, 0, 2000],
      ['X', 2 * US, 0, 1000, { aux: 1000 }],
      ['C', 8 * US, 0, 1000],
      ['X', 9 * US, 50000, 8, { aux: 50004 }],
    ]);
    expect(r.ios.tC[0]).toBe(NONE);
    expect(r.warnings).toEqual({
      [PAIR_WARNING.Q_NEVER_COMPLETED]: 1,
      [PAIR_WARNING.X_WITHOUT_Q]: 1,
    });
  });

  it('a new Q at the start of a split bio already completed is not a lost Q', async () => {
    const r = await pair([
      ['Q', 1 * US, 0, 2000],
      ['X', 2 * US, 0, 1000, { aux: 1000 }],
      ['C', 8 * US, 0, 1000],
      ['C', 9 * US, 1000, 1000],
      ['Q', 10 * US, 0, 8],
      ['C', 12 * US, 0, 8],
    ]);
    expect(r.ios.tC[0]).toBe(9 * US);
    expect(r.ios.tC[1]).toBe(12 * US);
    expect(r.warnings).toEqual({});
  });
});
