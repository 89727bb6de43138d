// Pending completions of one device: a binary min-heap of (timeNs, sequence, request) in
// parallel arrays, with a single engine event armed for the earliest entry. Models book a
// completion time when they accept a request; this queue turns the bookings into callbacks
// without a closure or engine event per request. It knows nothing of how times are computed.
import { DOUBLE_FIELD } from '../double-field.js';
import type { Engine } from '../sim/engine.js';
import type { DeviceRequest } from './model.js';

/** Initial entries; the arrays double when full. */
const INITIAL_CAPACITY = 64;

export class CompletionQueue {
  private timeNs = new Float64Array(INITIAL_CAPACITY);
  private seq = new Float64Array(INITIAL_CAPACITY);
  private rqs: (DeviceRequest | undefined)[] = new Array(INITIAL_CAPACITY);
  private n = 0;
  private nextSeq = 0;
  /** Time of the armed engine event; +Infinity when none is armed. */
  private armedNs = Number.POSITIVE_INFINITY;
  private handle = DOUBLE_FIELD;
  private firing = false;
  private readonly fire = (): void => this.onFire();

  /** `deliver` runs inside an engine event, once per booked request, in (time, booking) order. */
  constructor(
    private readonly engine: Engine,
    private readonly deliver: (rq: DeviceRequest) => void,
  ) {
    this.handle = -1; // an event handle: a double from the start (DOUBLE_FIELD)
  }

  /** Completions booked and not yet delivered. */
  get length(): number {
    return this.n;
  }

  /** Books `rq` to complete at `atNs` (an integer >= engine.now). */
  push(atNs: number, rq: DeviceRequest): void {
    if (this.n === this.timeNs.length) this.grow();
    let i = this.n++;
    const s = this.nextSeq++;
    const time = this.timeNs;
    const seq = this.seq;
    const rqs = this.rqs;
    // Sift up.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (time[p] < atNs || (time[p] === atNs && seq[p] < s)) break;
      time[i] = time[p];
      seq[i] = seq[p];
      rqs[i] = rqs[p];
      i = p;
    }
    time[i] = atNs;
    seq[i] = s;
    rqs[i] = rq;
    if (!this.firing && atNs < this.armedNs) this.arm(atNs);
  }

  private arm(atNs: number): void {
    if (this.handle >= 0) this.engine.cancel(this.handle);
    this.armedNs = atNs;
    this.handle = this.engine.at(atNs, this.fire);
  }

  private onFire(): void {
    this.armedNs = Number.POSITIVE_INFINITY;
    this.handle = -1;
    this.firing = true;
    const now = this.engine.now;
    try {
      // A delivery may book new completions (the block layer submits on completion); those
      // due now are delivered in this same loop, in booking order.
      while (this.n > 0 && this.timeNs[0] <= now) this.deliver(this.pop());
    } finally {
      this.firing = false;
    }
    if (this.n > 0) this.arm(this.timeNs[0]);
  }

  private pop(): DeviceRequest {
    const time = this.timeNs;
    const seq = this.seq;
    const rqs = this.rqs;
    const top = rqs[0] as DeviceRequest;
    const last = --this.n;
    const t = time[last];
    const s = seq[last];
    const r = rqs[last];
    rqs[last] = undefined;
    let i = 0;
    // Sift the last entry down from the root.
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && (time[c + 1] < time[c] || (time[c + 1] === time[c] && seq[c + 1] < seq[c]))) c++;
      if (t < time[c] || (t === time[c] && s < seq[c])) break;
      time[i] = time[c];
      seq[i] = seq[c];
      rqs[i] = rqs[c];
      i = c;
    }
    if (last > 0) {
      time[i] = t;
      seq[i] = s;
      rqs[i] = r;
    }
    return top;
  }

  private grow(): void {
    const cap = this.timeNs.length * 2;
    const t = new Float64Array(cap);
    t.set(this.timeNs);
    const s = new Float64Array(cap);
    s.set(this.seq);
    this.timeNs = t;
    this.seq = s;
    this.rqs.length = cap;
  }
}
