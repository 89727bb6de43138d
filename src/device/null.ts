// The null device: every request completes a fixed number of nanoseconds (often 0) after it
// is submitted, with no limit but the tags. Like fio's null engine it only pretends to do
// I/O; the block layer, the elevator and the replay drivers are tested on it first.
import type { Engine } from '../sim/engine.js';
import { CompletionQueue } from './completion-queue.js';
import type { CompletionFn, DeviceModel, DeviceRequest, SubmitResult } from './model.js';
import type { NullProfile } from './profile.js';

class NullDevice implements DeviceModel {
  readonly queueDepth: number;
  readonly nrHwQueues: number;
  readonly volatileWriteCache = false;
  readonly fua = false;
  private n = 0;
  private readonly capacity: number;
  private readonly cq: CompletionQueue;

  constructor(
    readonly profile: NullProfile,
    private readonly engine: Engine,
    private readonly onComplete: CompletionFn,
  ) {
    this.queueDepth = profile.queueDepth;
    this.nrHwQueues = profile.nrHwQueues;
    // Tags are per hardware queue; the device takes what all queues together may send.
    this.capacity = profile.queueDepth * profile.nrHwQueues;
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
    this.cq.push(this.engine.now + this.profile.latencyNs, rq);
    return 'queued';
  }
}

export function createNullDevice(
  profile: NullProfile,
  engine: Engine,
  onComplete: CompletionFn,
): DeviceModel {
  return new NullDevice(profile, engine, onComplete);
}
