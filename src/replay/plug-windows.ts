// Plug windows recorded in a trace: the stretches in which a task batched its bios under one
// plug. A task's unplugs (U explicit, UT implicit: kernel-blk-mq §3.3) close its windows, so
// the bios a task queued between two of its unplugs were plugged together. The replay keeps
// those bios under one simulated plug, which is what lets it merge them as the kernel did.
// The scan runs on the event stream while pairing reads it (see trace/observe.ts); it knows nothing of
// pairing and assigns rows to windows afterwards by (pid, Q time).
import { ACT, type EventBatch } from '../trace/event.js';
import { type IoTable, NONE } from '../trace/io-table.js';

export interface PlugWindows {
  /** Per IoTable row: window id (dense, ≥ 0), or -1 when its process shows no unplugs. */
  window: Int32Array;
  /** Number of distinct window ids handed out. */
  count: number;
  /** Unplug events (U + UT) seen in the trace. */
  unplugs: number;
}

/** Collects the unplug times of every task from event batches. */
export class PlugWindowScanner {
  private readonly times = new Map<number, number[]>();
  private total = 0;

  /** Records the U/UT events of one batch. */
  observe(b: EventBatch): void {
    const { action, pid, timeNs } = b;
    for (let i = 0; i < b.length; i++) {
      const a = action[i];
      if (a !== ACT.U && a !== ACT.UT) continue;
      let list = this.times.get(pid[i]);
      if (list === undefined) {
        list = [];
        this.times.set(pid[i], list);
      }
      list.push(timeNs[i]);
      this.total++;
    }
  }

  /** True when the trace recorded any unplug. */
  get found(): boolean {
    return this.total > 0;
  }

  /**
   * Window of every row: the number of its task's unplugs strictly before its Q, offset by
   * a per-task base. A Q at the same ns as an unplug belongs to the window that unplug closes
   * (the kernel emits Q before the unplug that flushes it).
   */
  assign(ios: IoTable): PlugWindows {
    const window = new Int32Array(ios.length).fill(-1);
    const tasks = new Map<number, TaskUnplugs>();
    let next = 0;
    const pids = [...this.times.keys()].sort((a, b) => a - b);
    for (const pid of pids) {
      const list = this.times.get(pid)!;
      list.sort((a, b) => a - b);
      tasks.set(pid, { base: next, list, below: 0, lastQ: Number.NEGATIVE_INFINITY });
      next += list.length + 1;
    }
    const { tQ, pid } = ios;
    let lastPid = -1;
    let task: TaskUnplugs | undefined;
    for (let r = 0; r < ios.length; r++) {
      const q = tQ[r];
      if (q === NONE) continue;
      if (pid[r] !== lastPid) {
        lastPid = pid[r];
        task = tasks.get(lastPid);
      }
      if (task === undefined) continue;
      // A task's rows come in Q order, so its count only moves forward: step it along;
      // search afresh when a Q goes back.
      const list = task.list;
      let k = q >= task.lastQ ? task.below : countBelow(list, q);
      while (k < list.length && list[k] < q) k++;
      task.below = k;
      task.lastQ = q;
      window[r] = task.base + k;
    }
    return { window, count: next, unplugs: this.total };
  }
}

/** One task's sorted unplug times, its first window id, and where the last row landed. */
interface TaskUnplugs {
  base: number;
  list: number[];
  /** Unplugs strictly before `lastQ`. */
  below: number;
  lastQ: number;
}

/** Number of entries of sorted `list` strictly below `v`. */
function countBelow(list: number[], v: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
