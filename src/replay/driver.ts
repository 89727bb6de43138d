// Executes an arrival plan in simulated time: decides when each process submits its next
// bio and when its plug opens and closes, and learns of completions from the block layer.
// It holds no model logic of its own: merging, tags and dispatch are the queue's. Each process
// submits its I/Os in trace order and has at most one pending arrival event, so the engine's
// heap holds one entry per process, not one per I/O.
import { ARRIVE, type ArrivalPlan } from './plan.js';

/** What the driver needs of the simulation clock (src/sim/engine.ts satisfies it). */
export interface DriverClock {
  readonly now: number;
  /** Runs `fn` at `timeNs`; arrivals are never cancelled, so no handle is asked for. */
  schedule(timeNs: number, fn: () => void): void;
}

/** What the driver needs of the block layer; replay.ts adapts the RequestQueue to it. */
export interface ReplayTarget {
  /** Submits the bio of IoTable row `row` now, on behalf of process `proc`. */
  submit(row: number, proc: number): void;
  /** The process starts a plug (blk_start_plug). */
  startPlug(proc: number): void;
  /** The process's plug is flushed: explicitly (U) or because the task sleeps (UT). */
  finishPlug(proc: number, fromSchedule: boolean): void;
}

const CLOSED = -2; // plug state: no plug open
const UNWINDOWED = -1; // plug open for a burst, not for a recorded window

/**
 * Plugging rules. With recorded windows (`window[r] ≥ 0`), bios of one window share one plug;
 * it is finished when the window's last bio is in, or flushed as from schedule when the task
 * must wait for a completion in the middle of it. Without, the bios a process submits at one
 * simulated instant share one plug (a batch such as io_submit, or a single bio under the
 * implicit plug of __submit_bio in 6.10+, kernel-blk-mq §2.1); the queue still flushes at its
 * request-count and size limits (§3.2).
 */
export class ReplayDriver {
  private readonly nproc: number;
  /** Per process: position in plan.rows of the next row to submit. */
  private readonly next: Uint32Array;
  private readonly lastSubmitNs: Float64Array;
  private readonly inflight: Uint32Array;
  private readonly plug: Int32Array;
  private readonly pending: Uint8Array;
  /** Per process: when its armed next row arrives (valid while `pending`). */
  private readonly armedNs: Float64Array;
  /** Per process: the row whose completion its next row waits for, or -1. */
  private readonly waitingOn: Int32Array;
  private readonly fire: (() => void)[];
  /** Per row: simulated completion (-1 until done). */
  readonly doneNs: Float64Array;
  /** afap with windows: rows from this one to the end of its window, in process order; 0 = none. */
  private readonly windowLeft: Uint32Array | null;
  // The plan's arrays, held directly (the hot paths read them per arrival).
  private readonly rows: Uint32Array;
  private readonly procStart: Uint32Array;
  private readonly procOf: Int32Array;
  private readonly kind: Uint8Array;
  private readonly dep: Int32Array;
  private readonly delayNs: Float64Array;
  private readonly afap: boolean;
  private submittedCount = 0;
  private completedCount = 0;

  constructor(
    private readonly clock: DriverClock,
    private readonly target: ReplayTarget,
    private readonly plan: ArrivalPlan,
    private readonly window: Int32Array | null,
  ) {
    const n = plan.kind.length;
    this.nproc = plan.procPid.length;
    this.next = plan.procStart.slice(0, this.nproc);
    this.lastSubmitNs = new Float64Array(this.nproc);
    this.inflight = new Uint32Array(this.nproc);
    this.plug = new Int32Array(this.nproc).fill(CLOSED);
    this.pending = new Uint8Array(this.nproc);
    this.armedNs = new Float64Array(this.nproc);
    this.waitingOn = new Int32Array(this.nproc).fill(-1);
    this.doneNs = new Float64Array(n).fill(-1);
    this.rows = plan.rows;
    this.procStart = plan.procStart;
    this.procOf = plan.procOf;
    this.kind = plan.kind;
    this.dep = plan.dep;
    this.delayNs = plan.delayNs;
    this.afap = plan.mode === 'afap';
    this.windowLeft = this.afap && window !== null ? windowRuns(plan, window) : null;
    this.fire = [];
    for (let p = 0; p < this.nproc; p++)
      this.fire.push(this.afap ? () => this.pump(p) : () => this.arrive(p));
  }

  /** Bios handed to the queue so far. */
  get submitted(): number {
    return this.submittedCount;
  }

  /** Bio completions reported so far. */
  get completed(): number {
    return this.completedCount;
  }

  /** Arms every process's first arrival (or, afap, its first burst at time 0). */
  start(): void {
    for (let p = 0; p < this.nproc; p++) {
      if (this.afap) this.schedule(p, this.clock.now);
      else this.arm(p);
    }
  }

  /**
   * Called when the bio of `row` completes (with its request, if it was merged) at `tNs`.
   * Never submits synchronously: follow-up arrivals go through the engine.
   */
  complete(row: number, tNs: number): void {
    this.doneNs[row] = tNs;
    this.completedCount++;
    const p = this.procOf[row];
    if (p < 0) return;
    this.inflight[p]--;
    if (this.afap) {
      this.schedule(p, tNs);
      return;
    }
    // A process waits on one completion at a time, of one of its own rows.
    if (this.waitingOn[p] === row) {
      this.waitingOn[p] = -1;
      this.arm(p);
    }
  }

  /** Processes with rows not yet submitted (0 after a complete run). */
  unfinishedProcesses(): number {
    let n = 0;
    for (let p = 0; p < this.nproc; p++) if (this.next[p] < this.procStart[p + 1]) n++;
    return n;
  }

  private schedule(p: number, tNs: number): void {
    if (this.pending[p]) return;
    this.pending[p] = 1;
    this.clock.schedule(tNs, this.fire[p]);
  }

  /** Finds the arrival time of process p's next row and schedules it; false if it must wait. */
  private arm(p: number): boolean {
    const k = this.next[p];
    if (k >= this.procStart[p + 1]) return false;
    const r = this.rows[k];
    let t: number;
    switch (this.kind[r]) {
      case ARRIVE.AT:
        t = this.delayNs[r];
        break;
      case ARRIVE.AFTER_ISSUE:
        t = this.lastSubmitNs[p] + this.delayNs[r];
        break;
      case ARRIVE.AFTER_COMPLETION: {
        const c = this.dep[r];
        const done = this.doneNs[c];
        if (done < 0) {
          this.waitingOn[p] = c;
          return false;
        }
        t = done + this.delayNs[r];
        break;
      }
      default:
        return false;
    }
    const now = this.clock.now;
    if (t < now) t = now;
    this.armedNs[p] = t;
    this.schedule(p, t);
    return true;
  }

  /** Open and closed modes: process p's next row arrives now. */
  private arrive(p: number): void {
    this.pending[p] = 0;
    const k = this.next[p]++;
    const r = this.rows[k];
    this.submitRow(p, r);
    const armed = this.arm(p);
    const n = k + 1 < this.procStart[p + 1] ? this.rows[k + 1] : -1;
    const sameBatch = n >= 0 && this.inBatch(r, n, armed && this.armedNs[p] === this.clock.now);
    if (!sameBatch || !armed) this.closePlug(p, n >= 0 && sameBatch && !armed);
  }

  /**
   * afap: submit while the process has fewer than its depth in flight. A recorded window is
   * one batch (one io_submit, say): it goes in whole, under one plug, once the process has
   * room for all of it, or has nothing in flight.
   */
  private pump(p: number): void {
    this.pending[p] = 0;
    const end = this.plan.procStart[p + 1];
    const depth = Math.max(1, this.plan.depth[p]);
    const rows = this.plan.rows;
    while (this.next[p] < end) {
      const r = rows[this.next[p]];
      const left = this.windowLeft === null ? 0 : this.windowLeft[r];
      if (left > 0) {
        if (this.inflight[p] > 0 && this.inflight[p] + left > depth) break;
        for (let j = 0; j < left; j++) {
          this.submitRow(p, rows[this.next[p]++]);
        }
        this.closePlug(p, false);
        continue;
      }
      if (this.inflight[p] >= depth) break;
      this.next[p]++;
      this.submitRow(p, r);
    }
    // An unwindowed batch ends at the depth or at the last row: an explicit finish.
    this.closePlug(p, false);
  }

  /** Whether row n joins row r's plug; `sameInstant` says n is due at the current instant. */
  private inBatch(r: number, n: number, sameInstant: boolean): boolean {
    const w = this.window;
    if (w !== null && w[r] >= 0) return w[n] === w[r];
    return sameInstant && (w === null || w[n] < 0);
  }

  private submitRow(p: number, r: number): void {
    const w = this.window !== null && this.window[r] >= 0 ? this.window[r] : UNWINDOWED;
    if (this.plug[p] !== CLOSED && this.plug[p] !== w) this.closePlug(p, false);
    if (this.plug[p] === CLOSED) {
      this.target.startPlug(p);
      this.plug[p] = w;
    }
    this.lastSubmitNs[p] = this.clock.now;
    this.inflight[p]++;
    this.submittedCount++;
    this.target.submit(r, p);
  }

  private closePlug(p: number, fromSchedule: boolean): void {
    if (this.plug[p] === CLOSED) return;
    this.plug[p] = CLOSED;
    this.target.finishPlug(p, fromSchedule);
  }
}

/** For each windowed row, how many rows of its process remain in its window from it on. */
function windowRuns(plan: ArrivalPlan, window: Int32Array): Uint32Array {
  const left = new Uint32Array(plan.kind.length);
  for (let p = 0; p + 1 < plan.procStart.length; p++) {
    let run = 0;
    for (let k = plan.procStart[p + 1] - 1; k >= plan.procStart[p]; k--) {
      const r = plan.rows[k];
      if (window[r] < 0) {
        run = 0;
        continue;
      }
      const n = k + 1 < plan.procStart[p + 1] ? plan.rows[k + 1] : -1;
      run = n >= 0 && window[n] === window[r] ? run + 1 : 1;
      left[r] = run;
    }
  }
  return left;
}
