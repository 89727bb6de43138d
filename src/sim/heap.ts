// The event queue under the engine: a 4-ary min-heap of (timeNs, order, slot) triples held in
// parallel typed arrays, so pushing and popping allocate nothing. Entries sort by timeNs, then
// by order; the engine makes every order distinct, so pops never depend on heap layout. It
// knows nothing of callbacks or cancellation (engine.ts keeps those by slot).

/** Initial capacity in entries; the arrays double when full. */
const INITIAL_CAPACITY = 1024;

export class EventHeap {
  private timeNs: Float64Array;
  private order: Float64Array;
  private slot: Int32Array;
  private n = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    const cap = Math.max(4, capacity);
    this.timeNs = new Float64Array(cap);
    this.order = new Float64Array(cap);
    this.slot = new Int32Array(cap);
  }

  /** Number of entries held. */
  get size(): number {
    return this.n;
  }

  /** Time of the first entry, or +Infinity when empty. */
  peekTime(): number {
    return this.n > 0 ? this.timeNs[0] : Number.POSITIVE_INFINITY;
  }

  /** Slot of the first entry, or -1 when empty. */
  peekSlot(): number {
    return this.n > 0 ? this.slot[0] : -1;
  }

  push(timeNs: number, order: number, slot: number): void {
    if (this.n === this.timeNs.length) this.grow();
    const T = this.timeNs;
    const O = this.order;
    const S = this.slot;
    let i = this.n++;
    // Move parents down into the hole until the new entry fits.
    while (i > 0) {
      const p = (i - 1) >>> 2;
      const pt = T[p];
      if (pt < timeNs || (pt === timeNs && O[p] < order)) break;
      T[i] = pt;
      O[i] = O[p];
      S[i] = S[p];
      i = p;
    }
    T[i] = timeNs;
    O[i] = order;
    S[i] = slot;
  }

  /** Removes the first entry and returns its slot, or -1 when empty. */
  pop(): number {
    const n = this.n;
    if (n === 0) return -1;
    const top = this.slot[0];
    const last = n - 1;
    this.n = last;
    if (last > 0) this.siftDown(0, this.timeNs[last], this.order[last], this.slot[last]);
    return top;
  }

  /** Keeps only the entries whose slot passes `keep`, then restores heap order. */
  retain(keep: (slot: number) => boolean): void {
    const T = this.timeNs;
    const O = this.order;
    const S = this.slot;
    let w = 0;
    for (let r = 0; r < this.n; r++) {
      if (!keep(S[r])) continue;
      T[w] = T[r];
      O[w] = O[r];
      S[w] = S[r];
      w++;
    }
    this.n = w;
    // Floyd's bottom-up heapify from the last parent.
    for (let i = Math.floor((w - 2) / 4); i >= 0; i--) this.siftDown(i, T[i], O[i], S[i]);
  }

  clear(): void {
    this.n = 0;
  }

  // Places (t, o, s) at hole i or below, pulling the smallest child up while it sorts first.
  private siftDown(i: number, t: number, o: number, s: number): void {
    const T = this.timeNs;
    const O = this.order;
    const S = this.slot;
    const n = this.n;
    for (;;) {
      const c = 4 * i + 1;
      if (c >= n) break;
      let m = c;
      let mt = T[c];
      let mo = O[c];
      const end = c + 4 < n ? c + 4 : n;
      for (let j = c + 1; j < end; j++) {
        const jt = T[j];
        if (jt < mt || (jt === mt && O[j] < mo)) {
          m = j;
          mt = jt;
          mo = O[j];
        }
      }
      if (t < mt || (t === mt && o < mo)) break;
      T[i] = mt;
      O[i] = mo;
      S[i] = S[m];
      i = m;
    }
    T[i] = t;
    O[i] = o;
    S[i] = s;
  }

  private grow(): void {
    const cap = this.timeNs.length * 2;
    const T = new Float64Array(cap);
    const O = new Float64Array(cap);
    const S = new Int32Array(cap);
    T.set(this.timeNs);
    O.set(this.order);
    S.set(this.slot);
    this.timeNs = T;
    this.order = O;
    this.slot = S;
  }
}
