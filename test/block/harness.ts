// Test harness for the block layer: a queue over a hand-driven device, a recorder table, and
// bio builders. The device either completes each request after a fixed latency or waits for
// the test to complete it.
import {
  type BioInput,
  type BlockDevice,
  type DeviceIo,
  RequestQueue,
  type RequestQueueOptions,
} from '../../src/block/queue.js';
import type { Request } from '../../src/block/request.js';
import { KFUNC_HOST } from '../../src/policies/lib/index.js';
import { Engine } from '../../src/sim/engine.js';
import { OP } from '../../src/trace/event.js';
import { type IoTable, IoTableBuilder } from '../../src/trace/io-table.js';
import type { UfqOps } from '../../src/ufq/ops.js';

/** What the device saw at submission (requests are recycled afterwards, so a copy). */
export interface Seen {
  id: number;
  op: number;
  flags: number;
  sector: number;
  bytes: number;
  atNs: number;
}

export class TestDevice implements BlockDevice {
  readonly submitted: Seen[] = [];
  readonly inflight = new Set<DeviceIo>();
  /** Make the next n submissions return 'busy'. */
  busyNext = 0;
  /** Absent: the queue assumes a volatile write cache. */
  volatileWriteCache?: boolean;
  /** Absent: the queue assumes no FUA support. */
  fua?: boolean;
  private complete: (rq: DeviceIo, error: number) => void = () => {};

  constructor(
    readonly queueDepth: number,
    readonly nrHwQueues: number,
    private readonly engine: Engine,
    /** Completion latency, ns; null: the test completes requests itself. */
    private readonly latencyNs: number | null,
  ) {}

  bind(cb: (rq: DeviceIo, error: number) => void): this {
    this.complete = cb;
    return this;
  }

  submit(rq: DeviceIo): 'queued' | 'busy' {
    if (this.busyNext > 0) {
      this.busyNext--;
      return 'busy';
    }
    this.submitted.push({
      id: rq.id,
      op: rq.op,
      flags: rq.flags,
      sector: rq.sector,
      bytes: rq.bytes,
      atNs: this.engine.now,
    });
    this.inflight.add(rq);
    if (this.latencyNs !== null) this.engine.after(this.latencyNs, () => this.finish(rq));
    return 'queued';
  }

  /** Completes `rq` now (from the test). */
  finish(rq: DeviceIo, error = 0): void {
    this.inflight.delete(rq);
    this.complete(rq, error);
  }

  /** Completes the oldest in-flight request now. */
  finishOldest(): void {
    this.finish(this.inflight.values().next().value as DeviceIo);
  }
}

export interface Harness {
  engine: Engine;
  q: RequestQueue;
  dev: TestDevice;
  table: IoTable;
}

export interface HarnessOptions extends Partial<Omit<RequestQueueOptions, 'engine' | 'device' | 'recorder'>> {
  ios?: number;
  queueDepth?: number;
  nrHwQueues?: number;
  latencyNs?: number | null;
  ops?: UfqOps | null;
  /** The device's volatile write cache (default: present). */
  vwc?: boolean;
  /** The device honours FUA (default: no). */
  fua?: boolean;
}

export function harness(o: HarnessOptions = {}): Harness {
  const engine = new Engine();
  const b = new IoTableBuilder(o.ios ?? 64);
  for (let i = 0; i < (o.ios ?? 64); i++) b.push();
  const table = b.table;
  const dev = new TestDevice(
    o.queueDepth ?? 32,
    o.nrHwQueues ?? 1,
    engine,
    o.latencyNs === undefined ? 1000 : o.latencyNs,
  );
  if (o.vwc !== undefined) dev.volatileWriteCache = o.vwc;
  if (o.fua !== undefined) dev.fua = o.fua;
  const q = new RequestQueue({
    engine,
    device: (cb) => dev.bind(cb),
    recorder: table,
    kfuncHost: KFUNC_HOST,
    nrCpus: 4,
    // Tests drive devices by hand; the stall watchdog only where a test asks for it.
    watchdogNs: 0,
    ...o,
    ops: o.ops ?? null,
  });
  return { engine, q, dev, table };
}

/** A bio for IoTable row `io` (defaults: 4 KiB read of pid 100 on CPU 0, BE/4). */
export function bio(io: number, sector: number, o: Partial<BioInput> = {}): BioInput {
  return {
    io,
    op: OP.READ,
    flags: 0,
    sector,
    bytes: 4096,
    pid: 100,
    comm: 'fio',
    cpu: 0,
    ioprio: (2 << 13) | 4,
    ...o,
  };
}

/** The sectors the device saw, in submission order. */
export function issued(dev: TestDevice): number[] {
  return dev.submitted.map((r) => r.sector);
}

/** The device view as requests (for sizes). */
export function asRq(d: DeviceIo): Request {
  return d as unknown as Request;
}

/** Sectors of the two requests `blocked` parks. */
export const FAR = 1_000_000;
export const FAR2 = 2_000_000;

/**
 * One driver tag, taken by a request at FAR; a second one (FAR2) is pulled from the elevator
 * and parked on hctx->dispatch waiting for a tag, so later requests stay in the elevator.
 * Rows 60 and 61 of the table hold those two.
 */
export function blocked(o: HarnessOptions = {}): Harness {
  // nr_requests would default to 2 x 1; give the elevator room.
  const h = harness({
    queueDepth: 1,
    latencyNs: null,
    ios: 80,
    ...o,
    limits: { nr_requests: 64, ...o.limits },
  });
  h.q.submitBio(bio(60, FAR, { pid: 99 }));
  h.q.submitBio(bio(61, FAR2, { pid: 98 }));
  return h;
}

/** Completes whatever is at the device, one at a time, until nothing is left. */
export function drain(h: Harness): void {
  h.engine.run();
  while (h.dev.inflight.size > 0) {
    h.dev.finishOldest();
    h.engine.run();
  }
}
