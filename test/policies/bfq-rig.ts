// Shared set-up for the BFQ tests: a queue with a BFQ instance over the block-layer test
// device, bio batches per process in disjoint sector ranges, and typed views of BFQ's dump.
import { bfq } from '../../src/policies/bfq/index.js';
import type { BfqParams } from '../../src/policies/bfq/iosched-h.js';
import { bio, type Harness, type HarnessOptions, harness } from '../block/harness.js';

export const RT = (lvl: number) => (1 << 13) | lvl;
export const BE = (lvl: number) => (2 << 13) | lvl;
export const IDLE = 3 << 13;
export const NONE = 0;
export const MS = 1_000_000;

/** Each pid's bios live at pid x 10^8 sectors and up, so a dispatched sector names its process. */
export const PID_SPAN = 100_000_000;

export function pidOf(sector: number): number {
  return Math.floor(sector / PID_SPAN);
}

export interface QueueDump {
  pid: number;
  sync: boolean;
  ioprio_class: number;
  ioprio: number;
  weight: number;
  orig_weight: number;
  wr_coeff: number;
  budget: number;
  service: number;
  max_budget: number;
  queued: number;
  dispatched: number;
  busy: boolean;
  inject_limit: number;
  last_serv_time_ns: number;
  waker_pid: number | null;
}

export interface DeviceDump {
  queued: number;
  tot_rq_in_driver: number;
  busy_queues: number[];
  stats: {
    expired: Record<string, number>;
    idle_timer_fired: number;
    dispatched: number;
    completed: number;
    wr_started: number;
    injected: number;
  };
  /** Requests BFQ has seen and not yet seen freed; at-head requests waiting. */
  rqs: number;
  dispatch_list: number;
  bfqq: QueueDump[];
}

export interface Rig extends Harness {
  /** Next free IoTable row. */
  io: number;
}

/** A queue running BFQ with `params`; harness defaults otherwise (4 KiB reads, BE/4, CPU 0). */
export function rig(params: Partial<Record<keyof BfqParams, number | boolean>>, o: HarnessOptions = {}): Rig {
  const h = harness({
    ufqRevision: 3,
    ios: 4096,
    ...o,
    ops: bfq(params),
    limits: { nr_requests: 2048, ...o.limits },
  });
  return Object.assign(h, { io: 0 });
}

export interface Batch {
  pid: number;
  ioprio?: number;
  /** Sector offsets inside the pid's range. */
  offsets: number[];
  bytes?: number;
}

/** Submits each batch's bios now, batches in order. */
export function submit(r: Rig, ...batches: Batch[]): void {
  for (const b of batches)
    for (const off of b.offsets)
      r.q.submitBio(
        bio(r.io++, b.pid * PID_SPAN + off, {
          pid: b.pid,
          ioprio: b.ioprio ?? BE(4),
          bytes: b.bytes ?? 4096,
        }),
      );
}

/** Submits the batches at simulated time `atNs`. */
export function submitAt(r: Rig, atNs: number, ...batches: Batch[]): void {
  r.engine.at(atNs, () => submit(r, ...batches));
}

/** Offsets 0, stride, 2 x stride, ... (n of them). */
export function strided(n: number, stride: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i * stride);
}

/** BFQ's state for the rig's queue. */
export function bfqState(r: Rig): DeviceDump {
  const d = r.q.policyDump() as { queues: Record<string, DeviceDump> };
  return d.queues[String(r.q.id)];
}

export function queueOf(r: Rig, pid: number, sync = true): QueueDump {
  const q = bfqState(r).bfqq.find((x) => x.pid === pid && x.sync === sync);
  if (q === undefined) throw new Error(`no queue for pid ${pid}`);
  return q;
}

/** Dispatches seen by the device: [pid, sector offset, time ns]. */
export function dispatches(r: Rig): [number, number, number][] {
  return r.dev.submitted.map((s) => [pidOf(s.sector), s.sector % PID_SPAN, s.atNs]);
}

/** Runs the engine to quiescence (bounded, so a scheduler that never settles fails instead of hanging). */
export function runAll(r: Rig, limitNs = 600_000 * MS): void {
  r.engine.run(limitNs);
  if (r.engine.pending > 0) throw new Error(`engine still busy at ${limitNs} ns`);
}

/**
 * For a device the test completes by hand: completes the oldest request every `stepNs`
 * (default 1 us) until nothing is in flight or queued. The block layer's 3 ms polling while
 * BFQ holds requests back never ends on its own, so the harness's drain() would not return.
 */
export function completeInTurn(r: Rig, stepNs = 1000): void {
  for (let guard = 0; guard < 100_000; guard++) {
    r.engine.run(r.engine.now + stepNs);
    if (r.dev.inflight.size > 0) r.dev.finishOldest();
    else if (bfqState(r).queued === 0) {
      runAll(r);
      return;
    } else r.engine.run(r.engine.now + 100 * MS);
  }
  throw new Error('completeInTurn: no progress');
}
