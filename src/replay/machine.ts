// The simulated machine of one replay: builds the arrival plan, wires the engine, device
// model, request queue and driver, runs them until nothing is left to do, and reports what
// the result needs. Everything it builds (plan, driver state, queue, engine) is dropped when
// it returns, so on a large trace that memory is free again before the simulated table is
// summarised. It decides nothing about options or defaults: replay.ts does.
import { type Conservation, RequestQueue } from '../block/queue.js';
import { createDevice } from '../device/model.js';
import type { DeviceProfile } from '../device/profile.js';
import { KFUNC_HOST } from '../policies/registry.js';
import { Engine } from '../sim/engine.js';
import { Rng } from '../sim/rng.js';
import type { StringTable } from '../trace/event.js';
import { type IoTable, NONE } from '../trace/io-table.js';
import type { Ejection } from '../ufq/elevator.js';
import type { UfqOps } from '../ufq/ops.js';
import type { UfqRevision } from '../ufq/revisions.js';
import { planAfap } from './afap.js';
import { planClosed } from './closed.js';
import { ReplayDriver, type ReplayTarget } from './driver.js';
import { planOpen } from './open.js';
import { type ArrivalPlan, processOrder, type ReplayMode } from './plan.js';
import type { PlugWindows } from './plug-windows.js';
import type { ResolvedLimits } from './trace-meta.js';

export interface MachineSetup {
  /** The recorded rows to replay, and the simulated table the queue fills (same rows). */
  ios: IoTable;
  sim: IoTable;
  strings: StringTable;
  windows: PlugWindows | null;
  mode: ReplayMode;
  timeScale: number;
  seed: number;
  ops: UfqOps | null;
  ufqRevision: UfqRevision;
  profile: DeviceProfile;
  limits: ResolvedLimits;
  /** Stall watchdog, simulated ns; 0 off. */
  watchdogNs: number;
  /** Where the kernel split rows in the recording (row -> cut sectors), or null to split by limits only. */
  recordedSplits?: ReadonlyMap<number, readonly number[]> | null;
}

/** What a drained run leaves for the result. */
export interface MachineReport {
  conservation: Conservation;
  opsStats: Record<string, number>;
  ejected: Ejection | null;
  /** The queue's counted surprises (reason -> count). */
  warnings: Record<string, number>;
  /** Processes left waiting for a completion that never came. */
  unfinishedProcesses: number;
  /** The limits the queue ran with (sysfs names). */
  limits: { nr_requests: number; max_sectors_kb: number; queue_depth: number; nomerges: number };
  unplugs: { explicit: number; limit: number; fromSchedule: number };
}

/** Plans the arrivals, runs the machine to quiescence, and reports (see file header). */
export function runMachine(s: MachineSetup): MachineReport {
  const { ios, sim, limits } = s;
  const order = processOrder(ios);
  let plan: ArrivalPlan;
  if (s.mode === 'open') plan = planOpen(ios, { timeScale: s.timeScale }, order);
  else if (s.mode === 'closed') plan = planClosed(ios, { timeScale: s.timeScale }, order);
  else plan = planAfap(ios, order);

  const rng = new Rng(s.seed);
  const engine = new Engine();
  let driver: ReplayDriver | undefined;
  const maxCpu = largest(ios.cpu, ios.length);
  const queue = new RequestQueue({
    engine,
    device: (onComplete) => createDevice(s.profile, engine, rng.fork('device'), onComplete),
    ops: s.ops,
    ufqRevision: s.ufqRevision,
    limits: {
      nr_requests: limits.values.nr_requests,
      max_sectors_kb: limits.values.max_sectors_kb,
      nomerges: limits.values.nomerges,
    },
    recorder: sim,
    rng: rng.fork('queue'),
    kfuncHost: KFUNC_HOST,
    nrCpus: maxCpu + 1,
    onBioComplete: (io) => driver?.complete(io, engine.now),
    watchdogNs: s.watchdogNs,
    recordedSplits: s.recordedSplits ?? null,
  });
  const procPid = order.procPid;
  const comms = Array.from(procPid, (_, p) => s.strings.get(ios.comm[order.rows[order.procStart[p]]]));
  const { op, flags, sector, bytes, cpu, ioprio } = ios;
  const simQ = sim.tQ;
  const target: ReplayTarget = {
    submit(row, proc) {
      // Latency counts from the simulated arrival even if the task is asleep for a tag.
      simQ[row] = engine.now;
      queue.submitIo(
        row,
        op[row],
        flags[row],
        // An empty flush has no sector in the trace; its bio starts at 0, as bio_init leaves it.
        sector[row] === NONE ? 0 : sector[row],
        bytes[row],
        procPid[proc],
        comms[proc],
        cpu[row],
        ioprio[row],
      );
    },
    startPlug(proc) {
      queue.blkStartPlug(procPid[proc], comms[proc]);
    },
    finishPlug(proc, fromSchedule) {
      if (fromSchedule) queue.blkScheduleOut(procPid[proc]);
      queue.blkFinishPlug(procPid[proc]);
    },
  };
  driver = new ReplayDriver(engine, target, plan, s.windows?.window ?? null);
  let conservation: Conservation;
  let opsStats: Record<string, number>;
  try {
    driver.start();
    engine.run();
    // A policy that stalls at the end of input is ejected and the fallback drains its work.
    while (queue.settle()) engine.run();
    queue.checkInvariants();
    conservation = queue.conservation();
    opsStats = queue.opsStats();
  } finally {
    // exit_sched frees the policy's per-disk state even when the run failed.
    queue.exit();
    // The kfunc host would otherwise keep this whole machine (and the tables its closures
    // hold) reachable until the next replay.
    if (KFUNC_HOST.kernel === queue.elevator) KFUNC_HOST.kernel = null;
  }
  return {
    conservation,
    opsStats,
    ejected: queue.elevator.ejected,
    warnings: queue.warnings,
    unfinishedProcesses: driver.unfinishedProcesses(),
    limits: {
      nr_requests: queue.limits.nr_requests,
      max_sectors_kb: queue.limits.max_sectors_kb,
      queue_depth: queue.device.queueDepth,
      nomerges: queue.limits.nomerges,
    },
    unplugs: {
      explicit: queue.plugStats.explicit,
      limit: queue.plugStats.limit,
      fromSchedule: queue.plugStats.fromSchedule,
    },
  };
}

// The largest of the first n values (its own function: a one-shot loop, see plan.ts).
function largest(values: Uint16Array, n: number): number {
  let max = 0;
  for (let i = 0; i < n; i++) if (values[i] > max) max = values[i];
  return max;
}
