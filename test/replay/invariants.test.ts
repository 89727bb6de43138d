// Properties of every replay on random small traces: whatever the policy, mode, UFQ revision
// and plugging, each bio (empty flushes included) completes exactly once (lost = 0), stage
// times are ordered, merged bios are counted once, and the same inputs give byte-identical results.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { ReplayMode } from '../../src/replay/plan.js';
import { simulateTable } from '../../src/replay/replay.js';
import { FLAG, OP, StringTable } from '../../src/trace/event.js';
import { IoTableBuilder, NONE } from '../../src/trace/io-table.js';
import { testTraceInfo } from '../helpers/trace-info.js';
import { expectRunInvariants } from './invariants.js';

const INFO = testTraceInfo();

const ioArb = fc.record({
  pid: fc.integer({ min: 1, max: 3 }),
  gapNs: fc.integer({ min: 0, max: 200_000 }),
  latencyNs: fc.option(fc.integer({ min: 1_000, max: 2_000_000 }), { freq: 8 }),
  write: fc.boolean(),
  /** Sequential after the process's previous I/O, or somewhere else. */
  sequential: fc.boolean(),
  sector: fc.integer({ min: 0, max: 1_000_000 }),
  kib: fc.constantFrom(4, 8, 64, 128, 512, 2048),
  cpu: fc.integer({ min: 0, max: 3 }),
  /** Starts a new plug window for its process. */
  newWindow: fc.boolean(),
  /** An fsync's empty flush (WRITE|PREFLUSH, no data) instead of a data I/O. */
  flush: fc.integer({ min: 0, max: 5 }).map((k) => k === 0),
});

const caseArb = fc.record({
  ios: fc.array(ioArb, { minLength: 1, maxLength: 60 }),
  policy: fc.constantFrom('none', 'simple', 'mq-deadline', 'kyber', 'bfq'),
  mode: fc.constantFrom<ReplayMode>('open', 'closed', 'afap'),
  rev: fc.constantFrom<1 | 3>(1, 3),
  windows: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
  device: fc.constantFrom('nvme', 'sata-ssd', 'hdd-7200', 'loop-virtio'),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

// Data I/Os go to one table and empty flushes to another (as pairing hands them to the
// replay); the windows are the data rows' then the flushes', the replay's row order.
function build(c: Case) {
  const strings = new StringTable();
  const comm = strings.intern('fio');
  const data = new IoTableBuilder();
  const flushes = new IoTableBuilder();
  const dataWindows: number[] = [];
  const flushWindows: number[] = [];
  const next = new Map<number, number>();
  const win = new Map<number, number>();
  let t = 0;
  let w = 0;
  for (const io of c.ios) {
    const b = io.flush ? flushes : data;
    const r = b.push();
    const tb = b.table;
    t += io.gapNs;
    tb.pid[r] = io.pid;
    tb.comm[r] = comm;
    tb.op[r] = io.write || io.flush ? OP.WRITE : OP.READ;
    tb.cpu[r] = io.cpu;
    if (io.flush) tb.flags[r] = FLAG.PREFLUSH | FLAG.SYNC;
    else {
      tb.bytes[r] = io.kib * 1024;
      tb.sector[r] = io.sequential && next.has(io.pid) ? next.get(io.pid)! : io.sector * 8;
      next.set(io.pid, tb.sector[r] + io.kib * 2);
    }
    tb.tQ[r] = t;
    tb.tC[r] = io.latencyNs === null ? NONE : t + io.latencyNs;
    if (io.newWindow || !win.has(io.pid)) win.set(io.pid, w++);
    (io.flush ? flushWindows : dataWindows).push(win.get(io.pid)!);
  }
  const window = Int32Array.from([...dataWindows, ...flushWindows]);
  return { ios: data.finish(), flushes: flushes.finish(), strings, window };
}

describe('replay invariants', () => {
  test.prop([caseArb], { numRuns: 100 })('every bio completes once; same inputs, same bytes', (c) => {
    const { ios, flushes, strings, window } = build(c);
    const input = {
      ios,
      flushes,
      strings,
      info: INFO,
      windows: c.windows ? { window, count: 0, unplugs: 1 } : null,
      limits: { values: {}, from: {} },
      warnings: {},
    };
    const opts = {
      trace: 'random',
      policy: c.policy,
      mode: c.mode,
      ufqRevision: c.rev,
      seed: c.seed,
      device: c.device,
    };
    const a = simulateTable(input, opts);
    expectRunInvariants(a);
    const b = simulateTable(input, opts);
    expect(JSON.stringify(b.result)).toBe(JSON.stringify(a.result));
  });
});
