// Drives a device model on the real engine for tests: scripted submissions at given times,
// and closed loops that keep a fixed number of requests in flight. Records each request's
// submit and completion time. Workload randomness comes from its own seeded stream.
import { createDevice, type DeviceModel, type DeviceRequest } from '../../src/device/model.js';
import type { DeviceProfile } from '../../src/device/profile.js';
import { Engine } from '../../src/sim/engine.js';
import { Rng } from '../../src/sim/rng.js';
import { OP } from '../../src/trace/event.js';

export interface Done {
  rq: DeviceRequest;
  submitNs: number;
  doneNs: number;
}

export class Bench {
  readonly engine = new Engine();
  readonly dev: DeviceModel;
  readonly done: Done[] = [];
  private readonly submitted = new Map<number, number>();
  private nextId = 0;
  /** Called after each completion is recorded. */
  onDone: (d: Done) => void = () => {};

  constructor(profile: DeviceProfile, seed = 1) {
    this.dev = createDevice(profile, this.engine, new Rng(seed).fork('device'), (rq, error) => {
      if (error !== 0) throw new Error(`request ${rq.id} failed: ${error}`);
      const d = { rq, submitNs: this.submitted.get(rq.id) as number, doneNs: this.engine.now };
      this.submitted.delete(rq.id);
      this.done.push(d);
      this.onDone(d);
    });
  }

  /** Submits now; returns the device's answer. */
  submit(op: number, sector: number, bytes: number, flags = 0): 'queued' | 'busy' {
    const rq = { id: this.nextId++, op, flags, sector, bytes };
    const r = this.dev.submit(rq);
    if (r === 'queued') this.submitted.set(rq.id, this.engine.now);
    return r;
  }

  /** Schedules a submission at absolute time `atNs`; the answer must be 'queued'. */
  at(atNs: number, op: number, sector: number, bytes: number, flags = 0): void {
    this.engine.at(atNs, () => {
      if (this.submit(op, sector, bytes, flags) !== 'queued') throw new Error('device busy');
    });
  }

  run(): this {
    this.engine.run();
    return this;
  }

  /** Latency (ns) of the i-th completed request in completion order. */
  latency(i: number): number {
    return this.done[i].doneNs - this.done[i].submitNs;
  }
}

export interface LoopOptions {
  qd: number;
  /** Requests to complete in total. */
  count: number;
  bytes: number;
  op?: number;
  /** Random start sectors are aligned to `bytes` within [0, spanSectors). */
  spanSectors: number;
  /** Sequential instead of random addresses. */
  sequential?: boolean;
  deviceSeed?: number;
  workloadSeed?: number;
  flags?: number;
}

export interface LoopResult {
  iops: number;
  meanNs: number;
  bench: Bench;
}

/** Keeps `qd` requests in flight until `count` complete (a fio-like closed loop, no think time). */
export function closedLoop(profile: DeviceProfile, o: LoopOptions): LoopResult {
  const b = new Bench(profile, o.deviceSeed ?? 1);
  const wl = new Rng(o.workloadSeed ?? 99);
  const sectors = Math.max(1, Math.floor(o.bytes / 512));
  const slots = Math.floor(o.spanSectors / sectors);
  let issued = 0;
  let next = 0;
  const issue = (): void => {
    issued++;
    const sector = o.sequential ? next : wl.int(slots) * sectors;
    next += sectors;
    if (b.submit(o.op ?? OP.READ, sector, o.bytes, o.flags ?? 0) !== 'queued') throw new Error('device busy');
  };
  b.onDone = () => {
    if (issued < o.count) issue();
  };
  for (let i = 0; i < o.qd; i++) issue();
  b.run();
  let sum = 0;
  for (const d of b.done) sum += d.doneNs - d.submitNs;
  return { iops: b.done.length / (b.engine.now / 1e9), meanNs: sum / b.done.length, bench: b };
}
