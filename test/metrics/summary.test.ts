// summarizeIos on a hand-built IoTable: the figures inspect and run both report.
import { describe, expect, it } from 'vitest';
import { summarizeIos } from '../../src/metrics/summary.js';
import { IOPRIO_CLASS, ioprioValue, OP, StringTable } from '../../src/trace/event.js';
import { IoTableBuilder, NONE } from '../../src/trace/io-table.js';

const MS = 1e6;

/** Two readers: A (pid 1, rt) 40 I/Os every 10 ms from 0, B (pid 2, be) 20 writes every 20 ms from 100 ms. */
function table() {
  const strings = new StringTable();
  const b = new IoTableBuilder(4);
  const add = (pid: number, comm: string, op: number, prio: number, q: number, d: number, c: number) => {
    const i = b.push();
    const t = b.table;
    t.pid[i] = pid;
    t.comm[i] = strings.intern(comm);
    t.op[i] = op;
    t.ioprio[i] = prio;
    t.bytes[i] = 4096;
    t.tQ[i] = q;
    t.tD[i] = d;
    t.tC[i] = c;
  };
  for (let k = 0; k < 40; k++)
    add(
      1,
      'a',
      OP.READ,
      ioprioValue(IOPRIO_CLASS.RT, 0),
      k * 10 * MS,
      k * 10 * MS + 1 * MS,
      k * 10 * MS + 3 * MS,
    );
  for (let k = 0; k < 20; k++)
    add(
      2,
      'b',
      OP.WRITE,
      ioprioValue(IOPRIO_CLASS.BE, 4),
      100 * MS + k * 20 * MS,
      100 * MS + k * 20 * MS + 2 * MS,
      100 * MS + k * 20 * MS + 7 * MS,
    );
  add(3, 'kworker', OP.WRITE, 0, 50 * MS, NONE, NONE); // never completed
  return { ios: b.finish(), strings };
}

describe('summarizeIos', () => {
  it('whole-trace, per-process, per-op and per-class figures', () => {
    const { ios, strings } = table();
    const s = summarizeIos(ios, strings);
    expect([s.ios, s.completed, s.spanStartNs, s.spanEndNs]).toEqual([61, 60, 0, 487 * MS]);
    // 60 completions of 4096 B over 0.487 s
    expect(s.throughput.iops).toBeCloseTo(60 / 0.487, 9);
    expect(s.throughput.mbps).toBeCloseTo((60 * 4096) / 1e6 / 0.487, 9);
    // Q2C: 40 × 3 ms and 20 × 7 ms
    expect(s.latency.q2c_ns).toEqual({
      mean: Math.round(((40 * 3 + 20 * 7) / 60) * MS),
      p50: 3 * MS,
      p90: 7 * MS,
      p99: 7 * MS,
      p999: 7 * MS,
      max: 7 * MS,
    });
    // Q2D counts the dispatched: 40 × 1 ms, 20 × 2 ms
    expect(s.latency.q2d_ns.p50).toBe(1 * MS);
    expect(s.latency.d2c_ns.max).toBe(5 * MS);

    const [a, b, k] = s.processes;
    expect([a.pid, a.comm, a.ioprioClass, a.ios]).toEqual([1, 'a', 'rt', 40]);
    expect([b.pid, b.comm, b.ioprioClass, b.ios]).toEqual([2, 'b', 'be', 20]);
    expect([k.pid, k.ios, k.iops, k.windowIops]).toEqual([3, 1, 0, 0]);
    // A: 40 completions from 0 to 393 ms; B: 20 from 100 ms to 487 ms
    expect(a.iops).toBeCloseTo(40 / 0.393, 9);
    expect(b.iops).toBeCloseTo(20 / 0.387, 9);
    // window: B starts at 100 ms, A finishes at 393 ms; A completes at 103..393 (30), B at 107..387 (15)
    expect([s.fairness.windowStartNs, s.fairness.windowEndNs, s.fairness.flows]).toEqual([
      100 * MS,
      393 * MS,
      2,
    ]);
    expect(a.windowIops).toBeCloseTo(30 / 0.293, 9);
    expect(b.windowIops).toBeCloseTo(15 / 0.293, 9);
    expect(s.fairness.jain).toBeCloseTo((45 * 45) / (2 * (30 * 30 + 15 * 15)), 12);

    expect(Object.keys(s.byOp)).toEqual(['read', 'write']);
    expect(s.byOp.write.ios).toBe(21);
    expect(s.byOp.read.latency.q2c_ns.max).toBe(3 * MS);
    expect(Object.keys(s.byClass)).toEqual(['be', 'none', 'rt']);
    expect(s.byClass.none).toMatchObject({ ios: 1, iops: 0, mbps: 0 });
  });

  it('an empty table gives zeros, not NaN', () => {
    const b = new IoTableBuilder(4);
    const s = summarizeIos(b.finish(), new StringTable());
    expect(s.throughput).toEqual({ iops: 0, mbps: 0 });
    expect(s.processes).toEqual([]);
    expect(s.fairness.jain).toBe(1);
  });
});

// A process that waits on its fsyncs' flushes waits on the device: the empty flushes count
// towards its busy time (flow rule, backlogged intervals), not towards its completions.
describe('summarizeIos with empty flushes', () => {
  /**
   * pid 1: 10 writes, each [10k, 10k+1] ms, then its fsync's flush [10k+1, 10k+9] ms.
   * pid 2: 10 reads back to back, each [10k, 10k+10] ms. Span 0..100 ms.
   */
  function fsyncPair() {
    const strings = new StringTable();
    const data = new IoTableBuilder(4);
    const flushes = new IoTableBuilder(4);
    const row = (b: IoTableBuilder, pid: number, op: number, bytes: number, q: number, c: number) => {
      const i = b.push();
      const t = b.table;
      t.pid[i] = pid;
      t.comm[i] = strings.intern(`p${pid}`);
      t.op[i] = op;
      t.bytes[i] = bytes;
      t.tQ[i] = q;
      t.tC[i] = c;
    };
    for (let k = 0; k < 10; k++) {
      row(data, 1, OP.WRITE, 4096, 10 * k * MS, (10 * k + 1) * MS);
      row(data, 2, OP.READ, 4096, 10 * k * MS, (10 * k + 10) * MS);
      row(flushes, 1, OP.WRITE, 0, (10 * k + 1) * MS, (10 * k + 9) * MS);
    }
    return { ios: data.finish(), flushes: flushes.finish(), strings };
  }

  it('data figures are unchanged; busy time adds the flushes', () => {
    const { ios, flushes, strings } = fsyncPair();
    const without = summarizeIos(ios, strings);
    const withFlushes = summarizeIos(ios, strings, flushes);
    // 20 I/Os either way: the flushes are not among them.
    expect(withFlushes.ios).toBe(20);
    expect(withFlushes.throughput).toEqual(without.throughput);
    expect(withFlushes.processes).toEqual(without.processes);
    // pid 1 is busy 10 ms of the 100 ms span without its flushes (the 10% threshold), 90 ms with.
    expect(without.fairness.flows).toBe(2);
    expect(withFlushes.fairness.flows).toBe(2);
    // pid 2 is busy throughout, so the time both are backlogged is pid 1's busy time.
    expect(without.fairness.backlogged.ns).toBe(10 * MS);
    expect(withFlushes.fairness.backlogged.ns).toBe(90 * MS);
  });

  it('a process busy only through its flushes becomes a flow', () => {
    const strings = new StringTable();
    const data = new IoTableBuilder(4);
    const flushes = new IoTableBuilder(4);
    const row = (b: IoTableBuilder, pid: number, bytes: number, q: number, c: number) => {
      const i = b.push();
      const t = b.table;
      t.pid[i] = pid;
      t.comm[i] = strings.intern(`p${pid}`);
      t.op[i] = OP.WRITE;
      t.bytes[i] = bytes;
      t.tQ[i] = q;
      t.tC[i] = c;
    };
    // pid 1: one 1 ms write at 0 and a 50 ms flush after it; pid 2: writes back to back for 100 ms.
    row(data, 1, 4096, 0, 1 * MS);
    row(flushes, 1, 0, 1 * MS, 51 * MS);
    for (let k = 0; k < 10; k++) row(data, 2, 4096, 10 * k * MS, (10 * k + 10) * MS);
    const ios = data.finish();
    // 1 ms of 100: below the 10% rule, one flow; with the flush, 51 ms: two flows.
    expect(summarizeIos(ios, strings).fairness.flows).toBe(1);
    expect(summarizeIos(ios, strings, flushes.finish()).fairness.flows).toBe(2);
  });
});
