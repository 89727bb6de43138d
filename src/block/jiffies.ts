// Jiffies for the block layer's delayed work (the kblockd run_work of a hardware queue): a
// millisecond delay becomes whole jiffies, and the work runs at the timer tick that serves the
// wheel bucket its timer lands in, never early and up to a bucket late (kernel-time.ts, the
// rule policies/lib/timer-list.ts uses too). SIMPLIFIED as there: the wheel's clock is
// jiffies now. Not here: hrtimers.

import { msecs_to_jiffies, timer_wheel_bucket_expiry } from '../kernel-time.js';

export { msecs_to_jiffies };

/** Nanoseconds per second. */
const NS_PER_S = 1e9;

/** jiffies at simulated time `ns`: ticks since time 0, which is a tick. */
export function jiffiesAt(ns: number, hz: number): number {
  return Math.floor((ns * hz) / NS_PER_S);
}

/**
 * Nanoseconds from `nowNs` until delayed work queued now with `delay` jiffies runs.
 * kernel/workqueue.c __queue_delayed_work: no delay queues the work at once; otherwise a
 * timer expiring at jiffies + delay, which runs at its bucket's tick.
 */
export function delayedWorkNs(nowNs: number, delay: number, hz: number): number {
  if (delay <= 0) return 0;
  const clk = jiffiesAt(nowNs, hz);
  const tickJiffy = timer_wheel_bucket_expiry(clk + delay, clk);
  return Math.ceil((tickJiffy * NS_PER_S) / hz) - nowNs;
}
