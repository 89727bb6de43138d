// The replay driver in simulated time against a stand-in block layer that completes every bio
// a fixed service time after submission: closed-loop dependencies follow simulated, not
// recorded, completions; open-loop arrivals ignore them; afap keeps the recorded depth;
// plugs follow recorded windows or same-instant batches.
import { describe, expect, it } from 'vitest';
import { planAfap } from '../../src/replay/afap.js';
import { planClosed } from '../../src/replay/closed.js';
import { ReplayDriver, type ReplayTarget } from '../../src/replay/driver.js';
import { planOpen } from '../../src/replay/open.js';
import type { ArrivalPlan } from '../../src/replay/plan.js';
import { Engine } from '../../src/sim/engine.js';
import { type IoTable, IoTableBuilder, NONE } from '../../src/trace/io-table.js';

/** Completes each bio `serviceNs` after submission; logs plugs and submissions. */
class FixedTarget implements ReplayTarget {
  driver!: ReplayDriver;
  submitNs = new Map<number, number>();
  log: string[] = [];
  inflight = 0;
  maxInflight = 0;
  constructor(
    private clock: Engine,
    private serviceNs: number,
  ) {}
  submit(row: number): void {
    this.submitNs.set(row, this.clock.now);
    this.log.push(`Q${row}`);
    this.inflight++;
    this.maxInflight = Math.max(this.maxInflight, this.inflight);
    this.clock.at(this.clock.now + this.serviceNs, () => {
      this.inflight--;
      this.driver.complete(row, this.clock.now);
    });
  }
  startPlug(): void {
    this.log.push('P');
  }
  finishPlug(_p: number, fromSchedule: boolean): void {
    this.log.push(fromSchedule ? 'UT' : 'U');
  }
}

function table(rows: [number, number, number][]): IoTable {
  const b = new IoTableBuilder();
  for (const [pid, q, c] of rows) {
    const i = b.push();
    b.table.pid[i] = pid;
    b.table.tQ[i] = q;
    b.table.tC[i] = c;
    b.table.bytes[i] = 4096;
  }
  return b.finish();
}

function run(plan: ArrivalPlan, serviceNs: number, window: Int32Array | null = null) {
  const clock = new Engine();
  const target = new FixedTarget(clock, serviceNs);
  const driver = new ReplayDriver(clock, target, plan, window);
  target.driver = driver;
  driver.start();
  clock.run();
  return { target, driver };
}

describe('closed-loop driver', () => {
  it('an I/O 50 µs after its previous completion is issued 50 µs after the simulated completion', () => {
    // Recorded: row 0 took 100 µs; the sim completes it in 10 µs, so row 1 comes at 60 µs.
    const ios = table([
      [1, 0, 100_000],
      [1, 150_000, 250_000],
    ]);
    const { target } = run(planClosed(ios, { timeScale: 1 }), 10_000);
    expect(target.submitNs.get(1)).toBe(60_000);
  });

  it('a slower simulated completion delays the dependent arrival', () => {
    const ios = table([
      [1, 0, 100_000],
      [1, 150_000, 250_000],
    ]);
    const { target } = run(planClosed(ios, { timeScale: 1 }), 1_000_000);
    expect(target.submitNs.get(1)).toBe(1_050_000);
  });

  it('an I/O following the previous Q keeps its recorded gap from the simulated Q', () => {
    // Row 2 follows row 1's completion (5 µs after); row 1 followed row 0's Q by 5 µs.
    const ios = table([
      [1, 0, 100_000],
      [1, 5_000, 90_000],
      [1, 95_000, 200_000],
    ]);
    const { target } = run(planClosed(ios, { timeScale: 1 }), 20_000);
    expect(target.submitNs.get(1)).toBe(5_000);
    expect(target.submitNs.get(2)).toBe(30_000); // row 1 completes at 5 + 20 µs
  });

  it('every I/O is submitted and completed once', () => {
    const ios = table([
      [1, 0, 100],
      [2, 10, 80],
      [1, 120, 300],
      [2, 90, 200],
      [1, 310, 400],
    ]);
    const { target, driver } = run(planClosed(ios, { timeScale: 1 }), 37);
    expect(target.submitNs.size).toBe(5);
    expect(driver.submitted).toBe(5);
    expect(driver.completed).toBe(5);
    expect(driver.unfinishedProcesses()).toBe(0);
  });
});

describe('open-loop driver', () => {
  it('arrivals keep their recorded times whatever the service time', () => {
    const ios = table([
      [1, 1_000, 2_000],
      [1, 3_000, 4_000],
      [2, 3_500, 4_000],
    ]);
    const { target } = run(planOpen(ios, { timeScale: 1 }), 1_000_000);
    expect([0, 1, 2].map((r) => target.submitNs.get(r))).toEqual([0, 2_000, 2_500]);
  });
});

describe('afap driver', () => {
  it('never has more than the recorded depth of a process in flight, and issues at completions', () => {
    // Recorded depth 2 (rows 0 and 1 overlap; later rows one at a time).
    const ios = table([
      [1, 0, 100],
      [1, 10, 50],
      [1, 200, 300],
      [1, 400, 500],
      [1, 600, 700],
    ]);
    const plan = planAfap(ios);
    expect(plan.depth[0]).toBe(2);
    const { target } = run(plan, 1_000);
    expect(target.maxInflight).toBe(2);
    expect([0, 1, 2, 3, 4].map((r) => target.submitNs.get(r))).toEqual([0, 0, 1_000, 1_000, 2_000]);
  });
});

describe('plugging', () => {
  it('bios of one recorded window share a plug; the next window opens another', () => {
    // Windows: rows 0-2 in window 0, rows 3-4 in window 1 (same process, open-loop times).
    const ios = table([
      [1, 0, 10_000],
      [1, 1_000, 10_000],
      [1, 2_000, 10_000],
      [1, 20_000, 30_000],
      [1, 21_000, 30_000],
    ]);
    const window = Int32Array.from([0, 0, 0, 1, 1]);
    const { target } = run(planOpen(ios, { timeScale: 1 }), 50_000, window);
    expect(target.log).toEqual(['P', 'Q0', 'Q1', 'Q2', 'U', 'P', 'Q3', 'Q4', 'U']);
  });

  it('without windows, bios due at the same instant share a plug, others plug alone', () => {
    const ios = table([
      [1, 0, 10_000],
      [1, 0, 10_000],
      [1, 5_000, 10_000],
    ]);
    const { target } = run(planOpen(ios, { timeScale: 1 }), 50_000);
    expect(target.log).toEqual(['P', 'Q0', 'Q1', 'U', 'P', 'Q2', 'U']);
  });

  it('a task that must wait for a completion inside a window flushes its plug as from schedule', () => {
    // Row 1 (same window as row 0) depends on row 0's completion.
    const ios = table([
      [1, 0, 1_000],
      [1, 2_000, 3_000],
    ]);
    const window = Int32Array.from([0, 0]);
    const { target } = run(planClosed(ios, { timeScale: 1 }), 5_000, window);
    expect(target.log).toEqual(['P', 'Q0', 'UT', 'P', 'Q1', 'U']);
  });

  it('afap: a recorded window goes in whole once the process has room for all of it', () => {
    // Depth 2 (rows 0 and 1 overlap). Windows {0,1} {2,3} {4}. Service 1 µs: window 1 waits
    // for both of window 0 to complete; window 2 (one row) then waits for room again.
    const ios = table([
      [1, 0, 100],
      [1, 10, 100],
      [1, 200, 300],
      [1, 210, 300],
      [1, 400, 500],
    ]);
    const window = Int32Array.from([0, 0, 1, 1, 2]);
    const plan = planAfap(ios);
    expect(plan.depth[0]).toBe(2);
    const { target } = run(plan, 1_000, window);
    expect(target.log).toEqual(['P', 'Q0', 'Q1', 'U', 'P', 'Q2', 'Q3', 'U', 'P', 'Q4', 'U']);
    expect([0, 1, 2, 3, 4].map((r) => target.submitNs.get(r))).toEqual([0, 0, 1_000, 1_000, 2_000]);
  });

  it('afap: a window larger than the depth goes in whole when nothing is in flight', () => {
    const ios = table([
      [1, 0, 100],
      [1, 200, 300],
      [1, 400, NONE],
    ]);
    const window = Int32Array.from([0, 0, 0]);
    const { target } = run(planAfap(ios), 1_000, window);
    expect(target.log).toEqual(['P', 'Q0', 'Q1', 'Q2', 'U']);
  });
});
