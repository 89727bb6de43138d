// The figures `validate` sets side by side: a recorded trace's summary and its replay's, as
// merge ratio, Q2C and D2C percentiles, throughput, and the same per process (matched by
// pid), each with its relative error; and the text table for the terminal. Works on the
// shapes inspect and run share (CONTRACTS.md), declared here structurally.

/** The parts of a latency summary compared (ns). */
interface Points {
  p50: number;
  p90: number;
  p99: number;
}
interface Stages {
  q2c_ns: Points;
  d2c_ns: Points;
}
/** What a summary (inspect) or a run result must have to be compared. */
export interface ComparableRun {
  summary: {
    throughput: { iops: number; mbps: number };
    latency: Stages;
    processes: readonly {
      pid: number;
      comm: string;
      ios: number;
      iops: number;
      mbps: number;
      latency: Stages;
    }[];
  };
  merges: { q: number; d: number; ratio: number };
  /** Empty flushes (inspect's and run's `flushes`); absent or n 0: not compared. */
  flushes?: { n: number; completed: number; latency: Stages };
}

/** Recorded, simulated and (simulated − recorded) / recorded. */
export interface Compared<T> {
  recorded: T;
  simulated: T;
  error: T;
}

type Pct = { p50: number; p90: number; p99: number };
type Rate = { iops: number; mbps: number };

export interface ProcessComparison {
  pid: number;
  comm: string;
  ios: { recorded: number; simulated: number };
  throughput: Compared<Rate>;
  q2c_ns: Compared<Pct>;
  d2c_ns: Compared<Pct>;
}

export interface IoComparison {
  merges: {
    recorded: { q: number; d: number; ratio: number };
    simulated: { q: number; d: number; ratio: number };
    error: number;
  };
  throughput: Compared<Rate>;
  q2c_ns: Compared<Pct>;
  d2c_ns: Compared<Pct>;
  processes: ProcessComparison[];
  /** Empty flushes (fsync), when the recording completed some and the replay did too. */
  flushes?: {
    n: { recorded: number; simulated: number };
    q2c_ns: Compared<Pct>;
    d2c_ns: Compared<Pct>;
  };
}

/** The `validate --json` result. */
export interface ValidateResult extends IoComparison {
  trace: string;
  policy: string;
  policyFrom: 'flag' | 'meta.json';
  recordedScheduler: string | null;
  device: { name: string; type: string; holdOutDemerit: number; holdOutKs: number };
  mode: string;
  seed: number;
  /** The Q2C distributions: demerit figure, KS statistic, mean |log ratio| (fractions). */
  q2c: { demerit: number; ks: number; meanAbsLogRatio: number };
  warnings: Record<string, number>;
}

function rel(sim: number, rec: number): number {
  return rec !== 0 ? (sim - rec) / rec : 0;
}

function pct(rec: Points, sim: Points): Compared<Pct> {
  const r = { p50: rec.p50, p90: rec.p90, p99: rec.p99 };
  const s = { p50: sim.p50, p90: sim.p90, p99: sim.p99 };
  return {
    recorded: r,
    simulated: s,
    error: { p50: rel(s.p50, r.p50), p90: rel(s.p90, r.p90), p99: rel(s.p99, r.p99) },
  };
}

function rate(rec: Rate, sim: Rate): Compared<Rate> {
  return {
    recorded: { iops: rec.iops, mbps: rec.mbps },
    simulated: { iops: sim.iops, mbps: sim.mbps },
    error: { iops: rel(sim.iops, rec.iops), mbps: rel(sim.mbps, rec.mbps) },
  };
}

/** Compares a recorded summary with a replay's, overall and per process (by pid). */
export function compareIos(recorded: ComparableRun, simulated: ComparableRun): IoComparison {
  const r = recorded.summary;
  const s = simulated.summary;
  const simByPid = new Map(s.processes.map((p) => [p.pid, p]));
  const processes: ProcessComparison[] = [];
  for (const p of r.processes) {
    const q = simByPid.get(p.pid);
    if (!q) continue;
    processes.push({
      pid: p.pid,
      comm: p.comm,
      ios: { recorded: p.ios, simulated: q.ios },
      throughput: rate(p, q),
      q2c_ns: pct(p.latency.q2c_ns, q.latency.q2c_ns),
      d2c_ns: pct(p.latency.d2c_ns, q.latency.d2c_ns),
    });
  }
  const rm = recorded.merges;
  const sm = simulated.merges;
  const rf = recorded.flushes;
  const sf = simulated.flushes;
  const flushes =
    rf && sf && rf.completed > 0 && sf.completed > 0
      ? {
          flushes: {
            n: { recorded: rf.n, simulated: sf.n },
            q2c_ns: pct(rf.latency.q2c_ns, sf.latency.q2c_ns),
            d2c_ns: pct(rf.latency.d2c_ns, sf.latency.d2c_ns),
          },
        }
      : {};
  return {
    merges: {
      recorded: { q: rm.q, d: rm.d, ratio: rm.ratio },
      simulated: { q: sm.q, d: sm.d, ratio: sm.ratio },
      error: rel(sm.ratio, rm.ratio),
    },
    throughput: rate(r.throughput, s.throughput),
    q2c_ns: pct(r.latency.q2c_ns, s.latency.q2c_ns),
    d2c_ns: pct(r.latency.d2c_ns, s.latency.d2c_ns),
    processes,
    ...flushes,
  };
}

const us = (ns: number) => (ns / 1000).toFixed(1);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;

function rows(label: string, c: Compared<Pct>, out: string[][]): void {
  for (const k of ['p50', 'p90', 'p99'] as const)
    out.push([`${label} ${k} (us)`, us(c.recorded[k]), us(c.simulated[k]), signed(c.error[k])]);
}

function table(body: string[][]): string[] {
  const head = ['', 'recorded', 'simulated', 'error'];
  const all = [head, ...body];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map(
    (r) => `  ${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padStart(w[2])}  ${r[3].padStart(w[3])}`,
  );
}

/** Terminal text of a validation. */
export function renderValidation(v: ValidateResult): string {
  const lines: string[] = [];
  lines.push(
    `trace=${v.trace} policy=${v.policy} (${v.policyFrom}${v.recordedScheduler ? `: recorded under ${v.recordedScheduler}` : ''}) device=${v.device.name} mode=${v.mode} seed=${v.seed}`,
  );
  const body: string[][] = [
    [
      'merge ratio (#Q/#D)',
      `${v.merges.recorded.ratio.toFixed(3)}`,
      `${v.merges.simulated.ratio.toFixed(3)}`,
      signed(v.merges.error),
    ],
    [
      'IOPS',
      v.throughput.recorded.iops.toFixed(1),
      v.throughput.simulated.iops.toFixed(1),
      signed(v.throughput.error.iops),
    ],
    [
      'MB/s',
      v.throughput.recorded.mbps.toFixed(2),
      v.throughput.simulated.mbps.toFixed(2),
      signed(v.throughput.error.mbps),
    ],
  ];
  rows('Q2C', v.q2c_ns, body);
  rows('D2C', v.d2c_ns, body);
  lines.push(...table(body));
  if (v.flushes) {
    const fb: string[][] = [['empty flushes', `${v.flushes.n.recorded}`, `${v.flushes.n.simulated}`, '']];
    rows('flush Q2C', v.flushes.q2c_ns, fb);
    rows('flush D2C', v.flushes.d2c_ns, fb);
    lines.push(...table(fb));
  }
  lines.push(
    `  Q2C distribution: demerit ${(100 * v.q2c.demerit).toFixed(1)}%, KS ${v.q2c.ks.toFixed(3)}; device hold-out D2C demerit ${(100 * v.device.holdOutDemerit).toFixed(1)}%`,
  );
  for (const p of v.processes) {
    lines.push('', `pid ${p.pid} ${p.comm} (${p.ios.recorded} I/Os recorded, ${p.ios.simulated} replayed)`);
    const pb: string[][] = [
      [
        'IOPS',
        p.throughput.recorded.iops.toFixed(1),
        p.throughput.simulated.iops.toFixed(1),
        signed(p.throughput.error.iops),
      ],
      [
        'MB/s',
        p.throughput.recorded.mbps.toFixed(2),
        p.throughput.simulated.mbps.toFixed(2),
        signed(p.throughput.error.mbps),
      ],
    ];
    rows('Q2C', p.q2c_ns, pb);
    rows('D2C', p.d2c_ns, pb);
    lines.push(...table(pb));
  }
  return lines.join('\n');
}
