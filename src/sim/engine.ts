// The discrete-event engine: an integer-nanosecond clock and a queue of callbacks. Events at
// the same time run by priority class (lower first), then in the order they were scheduled,
// so a run is deterministic by construction (SimPy's (time, priority, sequence) ordering,
// with plain callbacks instead of generator processes). Cancellation is lazy: a cancelled
// event stays queued, is skipped when reached, and is purged in bulk once cancelled entries
// outnumber live ones. The engine is passed to simulated objects; there is no global one.

import { DOUBLE_FIELD } from '../double-field.js';
import { InvariantError } from '../errors.js';
import { EventHeap } from './heap.js';

export type EventFn = () => void;

/** Priority classes for events at the same instant. */
export const PRIO = { URGENT: 0, NORMAL: 1, LATE: 2 } as const;

/** Largest priority accepted: 8 bits, so (priority, sequence) packs into one double. */
const PRIO_MAX = 255;
/** Sequence numbers per priority: 2^44 (~1.8e13 events per run); 256 * 2^44 = 2^52 < 2^53. */
const SEQ_SPAN = 2 ** 44;
/** A handle is generation * SLOT_SPAN + slot: up to 2^26 (~67 M) events queued at once. */
const SLOT_SPAN = 2 ** 26;
/** Generations per slot before the slot is retired: 2^53 / SLOT_SPAN, so handles stay exact. */
const GEN_LIMIT = 2 ** 27;
/** Cancelled entries tolerated before a purge is considered (amortises the O(n) rebuild). */
const PURGE_MIN = 1024;

export class Engine {
  private nowNs = DOUBLE_FIELD;
  private seq = 0;
  private live = 0;
  /** Cancelled entries still in the heap. */
  private dead = 0;
  private ran = 0;
  private running = false;
  private stopRequested = false;
  private readonly heap = new EventHeap();
  /** Callback by slot; null when the slot is free or its event was cancelled. */
  private readonly fns: (EventFn | null)[] = [];
  /** Generation by slot; bumped each time the slot is released, so old handles go stale. */
  private gens = new Int32Array(1024);
  private readonly freeSlots: number[] = [];

  constructor() {
    this.nowNs = 0; // a double from the start (DOUBLE_FIELD)
  }

  /** Current simulated time, integer ns. */
  get now(): number {
    return this.nowNs;
  }

  /** Scheduled events that have neither run nor been cancelled. */
  get pending(): number {
    return this.live;
  }

  /** Events run so far (an event counts as run once its callback has been entered). */
  get executed(): number {
    return this.ran;
  }

  /**
   * Schedules `fn` at absolute time `atNs` (integer ns, >= now). Same-time events run by
   * `priority` (integer 0..255, lower first), then in scheduling order. Returns a handle for
   * cancel(). Throws InvariantError for a past or non-integer time or a bad priority.
   */
  at(atNs: number, fn: EventFn, priority: number = PRIO.NORMAL): number {
    const slot = this.enqueue(atNs, fn, priority);
    return this.gens[slot] * SLOT_SPAN + slot;
  }

  /**
   * at() for an event that will never be cancelled: no handle is made. (A handle outgrows a
   * small integer once its slot has been reused a few dozen times, and building one costs a
   * heap allocation per event on the hottest path.)
   */
  schedule(atNs: number, fn: EventFn, priority: number = PRIO.NORMAL): void {
    this.enqueue(atNs, fn, priority);
  }

  /** Schedules `fn` `delayNs` (integer ns, >= 0) from now; see at(). */
  after(delayNs: number, fn: EventFn, priority: number = PRIO.NORMAL): number {
    if (!Number.isSafeInteger(delayNs) || delayNs < 0)
      throw new InvariantError(`engine.after: delay ${delayNs} ns is not an integer >= 0`);
    return this.at(this.nowNs + delayNs, fn, priority);
  }

  /** Cancels a scheduled event. False if it already ran, was cancelled, or the handle is unknown. */
  cancel(handle: number): boolean {
    if (!Number.isSafeInteger(handle) || handle < 0) return false;
    const slot = handle % SLOT_SPAN;
    const gen = (handle - slot) / SLOT_SPAN;
    if (slot >= this.fns.length || this.gens[slot] !== gen || this.fns[slot] === null) return false;
    this.fns[slot] = null;
    this.live--;
    this.dead++;
    if (this.dead > PURGE_MIN && this.dead > this.live) this.purge();
    return true;
  }

  /**
   * Runs events in order until none remain or the next one is later than `untilNs` (events at
   * exactly `untilNs` run). Unless stop() ended it early, the clock then reads `untilNs` when
   * one was given. Throws InvariantError if `untilNs` is before now or not an integer, or if
   * called from inside an event. An exception from a callback propagates; the engine stays
   * usable.
   */
  run(untilNs: number = Number.POSITIVE_INFINITY): void {
    if (this.running) throw new InvariantError('engine.run: called from inside an event');
    const bounded = untilNs !== Number.POSITIVE_INFINITY;
    if (bounded && (!Number.isSafeInteger(untilNs) || untilNs < this.nowNs))
      throw new InvariantError(`engine.run: until ${untilNs} ns is not an integer >= now (${this.nowNs} ns)`);
    const heap = this.heap;
    const fns = this.fns;
    this.running = true;
    this.stopRequested = false;
    try {
      while (heap.size > 0) {
        const t = heap.peekTime();
        if (t > untilNs) break;
        const slot = heap.pop();
        const fn = fns[slot];
        this.releaseSlot(slot);
        if (fn === null) {
          this.dead--;
          continue;
        }
        this.live--;
        this.nowNs = t;
        this.ran++;
        fn();
        if (this.stopRequested) return;
      }
      if (bounded) this.nowNs = untilNs;
    } finally {
      this.running = false;
    }
  }

  /** Runs the next event, if any. Returns false when none is pending. */
  step(): boolean {
    if (this.running) throw new InvariantError('engine.step: called from inside an event');
    const heap = this.heap;
    while (heap.size > 0) {
      const t = heap.peekTime();
      const slot = heap.pop();
      const fn = this.fns[slot];
      this.releaseSlot(slot);
      if (fn === null) {
        this.dead--;
        continue;
      }
      this.live--;
      this.nowNs = t;
      this.ran++;
      this.running = true;
      try {
        fn();
      } finally {
        this.running = false;
      }
      return true;
    }
    return false;
  }

  /** Makes run() return after the event now running; the clock stays at that event's time. */
  stop(): void {
    this.stopRequested = true;
  }

  /** Time of the next pending event, or +Infinity when none. */
  peek(): number {
    const heap = this.heap;
    while (heap.size > 0) {
      const slot = heap.peekSlot();
      if (this.fns[slot] !== null) return heap.peekTime();
      heap.pop();
      this.releaseSlot(slot);
      this.dead--;
    }
    return Number.POSITIVE_INFINITY;
  }

  // Validates and queues one event; returns its slot.
  private enqueue(atNs: number, fn: EventFn, priority: number): number {
    if (!Number.isSafeInteger(atNs) || atNs < this.nowNs)
      throw new InvariantError(`engine.at: time ${atNs} ns is not an integer >= now (${this.nowNs} ns)`);
    if (!Number.isInteger(priority) || priority < 0 || priority > PRIO_MAX)
      throw new InvariantError(`engine.at: priority ${priority} is not an integer in 0..${PRIO_MAX}`);
    if (typeof fn !== 'function') throw new InvariantError('engine.at: callback is not a function');
    if (this.seq >= SEQ_SPAN) throw new InvariantError('engine.at: event sequence space exhausted');
    const slot = this.allocSlot();
    this.fns[slot] = fn;
    this.heap.push(atNs, priority * SEQ_SPAN + this.seq++, slot);
    this.live++;
    return slot;
  }

  private allocSlot(): number {
    const free = this.freeSlots;
    if (free.length > 0) return free.pop() as number;
    const slot = this.fns.length;
    if (slot >= SLOT_SPAN)
      throw new InvariantError(`engine.at: more than ${SLOT_SPAN} events queued at once`);
    this.fns.push(null);
    if (slot >= this.gens.length) {
      const g = new Int32Array(this.gens.length * 2);
      g.set(this.gens);
      this.gens = g;
    }
    return slot;
  }

  private releaseSlot(slot: number): void {
    this.fns[slot] = null;
    const g = this.gens[slot] + 1;
    this.gens[slot] = g;
    // A slot whose generations are used up is never reused, so no handle can be reissued.
    if (g < GEN_LIMIT) this.freeSlots.push(slot);
  }

  // Drops every cancelled entry from the heap at once (O(n)), freeing their slots.
  private purge(): void {
    const fns = this.fns;
    this.heap.retain((slot) => {
      if (fns[slot] !== null) return true;
      this.releaseSlot(slot);
      return false;
    });
    this.dead = 0;
  }
}
