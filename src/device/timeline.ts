// The booking calendar of one shared resource (a flash channel, the host link): busy
// intervals sorted by time, and bookings placed in the earliest gap that fits at or after the
// moment the work is ready. A plain "free at" time would serve bookings in the order they were
// made, so a request whose flash read finishes late would hold back later requests whose data
// is ready sooner; gap filling serves them in order of readiness instead. Touching intervals
// merge, so a saturated resource holds one interval, not one per request.

/** Initial intervals held; the arrays double when full. */
const INITIAL_CAPACITY = 32;

export class Timeline {
  private start = new Float64Array(INITIAL_CAPACITY);
  private end = new Float64Array(INITIAL_CAPACITY);
  /** Index of the first live interval, and one past the last. */
  private head = 0;
  private tail = 0;

  /** Live intervals (for tests). */
  get size(): number {
    return this.tail - this.head;
  }

  /**
   * Books `durNs` at the earliest time >= `readyNs` that overlaps no booking; returns the end
   * of the booking. `nowNs` lets intervals that have ended be dropped (it must not decrease).
   */
  book(readyNs: number, durNs: number, nowNs: number): number {
    const s = this.start;
    const e = this.end;
    while (this.head < this.tail && e[this.head] <= nowNs) this.head++;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
    // First interval that ends after readyNs (ends are sorted as intervals never overlap).
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (e[mid] <= readyNs) lo = mid + 1;
      else hi = mid;
    }
    let t = readyNs;
    let i = lo;
    while (i < this.tail && s[i] < t + durNs) {
      if (e[i] > t) t = e[i];
      i++;
    }
    if (durNs === 0) return t;
    // The booking is [t, t + durNs), to go before interval i; merge with neighbours it touches.
    const tEnd = t + durNs;
    const joinPrev = i > this.head && e[i - 1] === t;
    const joinNext = i < this.tail && s[i] === tEnd;
    if (joinPrev && joinNext) {
      e[i - 1] = e[i];
      this.removeAt(i);
    } else if (joinPrev) {
      e[i - 1] = tEnd;
    } else if (joinNext) {
      s[i] = t;
    } else {
      this.insertAt(i, t, tEnd);
    }
    return tEnd;
  }

  private removeAt(i: number): void {
    this.start.copyWithin(i, i + 1, this.tail);
    this.end.copyWithin(i, i + 1, this.tail);
    this.tail--;
  }

  private insertAt(i: number, t: number, tEnd: number): void {
    if (this.tail === this.start.length) {
      // Slide the live intervals to the front; grow only when they fill half the array.
      const live = this.tail - this.head;
      if (live * 2 >= this.start.length) {
        const s = new Float64Array(this.start.length * 2);
        const e = new Float64Array(this.start.length * 2);
        s.set(this.start.subarray(this.head, this.tail));
        e.set(this.end.subarray(this.head, this.tail));
        this.start = s;
        this.end = e;
      } else {
        this.start.copyWithin(0, this.head, this.tail);
        this.end.copyWithin(0, this.head, this.tail);
      }
      i -= this.head;
      this.head = 0;
      this.tail = live;
    }
    // A hand loop: shifts are short (bookings land near the end), where copyWithin's call
    // overhead dominates.
    const s = this.start;
    const e = this.end;
    for (let k = this.tail; k > i; k--) {
      s[k] = s[k - 1];
      e[k] = e[k - 1];
    }
    s[i] = t;
    e[i] = tEnd;
    this.tail++;
  }
}
