// The fixed-latency device: each operation takes a constant time (plus bytes / rate when a
// transfer rate is given), and any number of requests run side by side up to the tags. No
// queueing inside the device, no seek, no parallelism limit: an ideal device for comparing
// policies on scheduling alone, and a second trivial engine for framework tests.
import type { Engine } from '../sim/engine.js';
import { OP } from '../trace/event.js';
import { CompletionQueue } from './completion-queue.js';
import type { CompletionFn, DeviceModel, DeviceRequest, SubmitResult } from './model.js';
import type { FixedProfile } from './profile.js';
import { NS_PER_US, nsPerByte } from './units.js';

class FixedDevice implements DeviceModel {
  readonly queueDepth: number;
  readonly nrHwQueues: number;
  readonly volatileWriteCache: boolean;
  readonly fua: boolean;
  private n = 0;
  private readonly capacity: number;
  private readonly cq: CompletionQueue;
  private readonly readNs: number;
  private readonly writeNs: number;
  private readonly flushNs: number;
  private readonly otherNs: number;
  /** 0 when the profile gives no transfer rate. */
  private readonly xferNsPerByte: number;

  constructor(
    readonly profile: FixedProfile,
    private readonly engine: Engine,
    private readonly onComplete: CompletionFn,
  ) {
    this.queueDepth = profile.queueDepth;
    this.nrHwQueues = profile.nrHwQueues;
    this.volatileWriteCache = profile.writeCache === 'volatile';
    this.fua = profile.fua;
    this.capacity = profile.queueDepth * profile.nrHwQueues;
    this.readNs = Math.round(profile.readLatencyUs * NS_PER_US);
    this.writeNs = Math.round(profile.writeLatencyUs * NS_PER_US);
    this.flushNs = Math.round(profile.flushLatencyUs * NS_PER_US);
    this.otherNs = Math.round(profile.discardLatencyUs * NS_PER_US);
    this.xferNsPerByte = profile.transferMBps === undefined ? 0 : nsPerByte(profile.transferMBps);
    this.cq = new CompletionQueue(engine, (rq) => {
      this.n--;
      this.onComplete(rq, 0);
    });
  }

  get inflight(): number {
    return this.n;
  }

  submit(rq: DeviceRequest): SubmitResult {
    if (this.n >= this.capacity) return 'busy';
    this.n++;
    let ns: number;
    switch (rq.op) {
      case OP.READ:
        ns = this.readNs + Math.round(rq.bytes * this.xferNsPerByte);
        break;
      case OP.WRITE:
      case OP.ZONE_APPEND:
        ns = this.writeNs + Math.round(rq.bytes * this.xferNsPerByte);
        break;
      case OP.FLUSH:
        ns = this.flushNs;
        break;
      default:
        ns = this.otherNs;
    }
    this.cq.push(this.engine.now + ns, rq);
    return 'queued';
  }
}

export function createFixedDevice(
  profile: FixedProfile,
  engine: Engine,
  onComplete: CompletionFn,
): DeviceModel {
  return new FixedDevice(profile, engine, onComplete);
}
