// Recorded empty flushes in the replay (replay.ts, tables.ts): they are submitted beside the
// data bios in each process's recorded order, a process's next I/O after an fsync waits for
// the simulated flush in closed-loop mode, and they stay out of the data figures (ios,
// throughput, btt's #Q/#D) while conservation counts them. The expected times follow from the
// fixed device's constant latencies and the closed-loop rule (docs/replay.md), by hand.
import { describe, expect, it } from 'vitest';
import type { DeviceProfile } from '../../src/device/profile.js';
import { summarizeFlushes } from '../../src/metrics/flushes.js';
import { simulate, simulateTable } from '../../src/replay/replay.js';
import { FLAG, OP, StringTable } from '../../src/trace/event.js';
import { type IoTable, IoTableBuilder, NONE } from '../../src/trace/io-table.js';
import { openTrace } from '../../src/trace/open.js';
import { pairEvents } from '../../src/trace/pair.js';
import { testTraceInfo } from '../helpers/trace-info.js';
import { expectRunInvariants } from './invariants.js';

const INFO = testTraceInfo();

const US = 1000;

/** A device whose writes take 20 µs and whose cache flushes take `flushUs`, one queue. */
function fixed(flushUs: number, writeCache: 'volatile' | 'none' = 'volatile'): DeviceProfile {
  return {
    type: 'fixed',
    name: `fixed-flush-${flushUs}`,
    description: 'test',
    source: { origin: 'assumed' },
    queueDepth: 32,
    nrHwQueues: 1,
    rotational: false,
    readLatencyUs: 80,
    writeLatencyUs: 20,
    flushLatencyUs: flushUs,
    discardLatencyUs: 50,
    writeCache,
    fua: true,
  };
}

interface Row {
  tQ: number;
  tC: number;
  sector?: number;
  bytes?: number;
}

function table(rows: Row[], strings: StringTable, flush: boolean): IoTable {
  const b = new IoTableBuilder();
  const comm = strings.intern('fio');
  for (const r of rows) {
    const i = b.push();
    const t = b.table;
    t.tQ[i] = r.tQ;
    t.tC[i] = r.tC;
    t.pid[i] = 100;
    t.comm[i] = comm;
    t.op[i] = OP.WRITE;
    // An fsync's flush: WRITE with PREFLUSH, no sector, no data (blkdev_issue_flush).
    t.flags[i] = flush ? FLAG.PREFLUSH | FLAG.SYNC : FLAG.SYNC;
    t.sector[i] = flush ? NONE : (r.sector ?? 0);
    t.bytes[i] = flush ? 0 : (r.bytes ?? 4096);
  }
  return b.finish();
}

// write at 0 (done 100 µs), fsync's flush 10 µs later (done 300 µs), next write 10 µs after that.
function fsyncTrace() {
  const strings = new StringTable();
  const ios = table(
    [
      { tQ: 0, tC: 100 * US, sector: 0 },
      { tQ: 310 * US, tC: 400 * US, sector: 8 },
    ],
    strings,
    false,
  );
  const flushes = table([{ tQ: 110 * US, tC: 300 * US }], strings, true);
  return { ios, flushes, strings };
}

function replayOn(profile: DeviceProfile, withFlushes = true) {
  const { ios, flushes, strings } = fsyncTrace();
  return simulateTable(
    {
      ios,
      ...(withFlushes ? { flushes } : {}),
      strings,
      info: INFO,
      windows: null,
      limits: { values: {}, from: {} },
      warnings: {},
    },
    { trace: 'fsync', policy: 'none', mode: 'closed', profile },
  );
}

describe('replayed empty flushes', () => {
  it('the write after an fsync waits for the simulated flush', () => {
    for (const flushUs of [50, 500]) {
      const out = replayOn(fixed(flushUs));
      expectRunInvariants(out);
      // Write 1: Q 0, done at 20 µs. Flush: 10 µs after that, served in flushUs.
      expect(out.ios.tC[0]).toBe(20 * US);
      expect(out.flushes.tQ[0]).toBe(30 * US);
      expect(out.flushes.tC[0]).toBe((30 + flushUs) * US);
      // Write 2: 10 µs after the flush's completion, as recorded.
      expect(out.ios.tQ[1]).toBe((40 + flushUs) * US);
      expect(out.result.flushes).toMatchObject({ n: 1, completed: 1 });
      expect(out.result.flushes?.latency.q2c_ns.max).toBe(flushUs * US);
    }
  });

  it('are not data I/Os: ios, throughput and btt #Q/#D count the two writes only', () => {
    const out = replayOn(fixed(50));
    expect(out.result.ios).toBe(2);
    expect(out.result.merges).toEqual({ q: 2, d: 2, ratio: 1 });
    expect(out.result.conservation).toEqual({ queued: 3, completed: 3, merged: 0, lost: 0 });
    expect(out.result.byOp.write?.ios).toBe(2);
  });

  it('without a volatile write cache the flush completes at once and the next write follows it', () => {
    const out = replayOn(fixed(500, 'none'));
    expectRunInvariants(out);
    expect(out.flushes.tC[0]).toBe(out.flushes.tQ[0]);
    expect(out.ios.tQ[1]).toBe(out.flushes.tC[0] + 10 * US);
  });

  it('without the flush table, the recorded wait for the flush replays as think time', () => {
    const out = replayOn(fixed(500), false);
    expectRunInvariants(out);
    // Write 2 depends on write 1's completion: 310 - 100 = 210 µs after it.
    expect(out.ios.tQ[1]).toBe(230 * US);
    expect(out.result.flushes).toMatchObject({ n: 0, completed: 0 });
  });
});

// Against the kernel: fsync-ext4 replayed under its own scheduler on the device fitted to its
// D and C events (no --device), the replayed fsync flushes wait and take about what the
// recorded ones did. The reference is the capture itself (its paired flushes: 1802, Q2C mean
// 208.2 µs, p50 177.8 µs, checked against an independent pairing of the blkparse text in
// test/trace/flush-pairs.test.ts). Tolerances: 10% on the mean and the median; the tail is
// not held to it (docs/replay.md: a few simulated flush commands take longer).
describe('fsync-ext4 replayed: flush latency against the recording', () => {
  it('mean and median flush Q2C within 10% of the recorded ones', async () => {
    const trace = 'traces/fsync-ext4.mq-deadline';
    const paired = await pairEvents(await openTrace(trace));
    const recorded = summarizeFlushes(paired.flushes);
    expect(recorded.n).toBe(1802);
    const out = await simulate({ trace, policy: 'mq-deadline' });
    expectRunInvariants(out);
    const replayed = out.result.flushes!;
    expect(replayed.n).toBe(1802);
    expect(replayed.completed).toBe(1802);
    const rel = (a: number, b: number) => Math.abs(a - b) / b;
    expect(rel(replayed.latency.q2c_ns.mean, recorded.latency.q2c_ns.mean)).toBeLessThan(0.1);
    expect(rel(replayed.latency.q2c_ns.p50, recorded.latency.q2c_ns.p50)).toBeLessThan(0.1);
  });
});
