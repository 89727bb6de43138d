// Jiffies for the block layer's delayed work (the kblockd run_work of a hardware queue): a
// millisecond delay becomes whole jiffies, and the work runs at the timer tick that serves the
// wheel bucket its timer lands in, never early and up to a bucket late. The same wheel rule
// as policies/lib/timer-list.ts, which block/ may not import. SIMPLIFIED as there: the wheel's
// clock is jiffies now, and a delay past the last level is not capped. Not here: hrtimers.

/** kernel/time/timer.c LVL_CLK_SHIFT: each wheel level is 8 times coarser, bits. */
const LVL_CLK_SHIFT = 3;
/** kernel/time/timer.c LVL_SIZE: buckets per level. */
const LVL_SIZE = 64;
/** kernel/time/timer.c LVL_DEPTH for HZ > 100: levels. */
const LVL_DEPTH = 9;
/** Nanoseconds per second. */
const NS_PER_S = 1e9;

/** include/linux/jiffies.h msecs_to_jiffies: rounds up, so a delay is never shortened. */
export function msecs_to_jiffies(ms: number, hz: number): number {
  return Math.ceil((ms * hz) / 1000);
}

/** jiffies at simulated time `ns`: ticks since time 0, which is a tick. */
export function jiffiesAt(ns: number, hz: number): number {
  return Math.floor((ns * hz) / NS_PER_S);
}

/**
 * kernel/time/timer.c calc_wheel_index + calc_index: the jiffy whose tick runs a timer that
 * expires at `expires` when the wheel clock reads `clk`. The level follows the delay and the
 * expiry is rounded up past itself to that level's granularity (1 jiffy at level 0).
 */
function wheelBucketExpiry(expires: number, clk: number): number {
  const delta = expires - clk;
  let s = (LVL_DEPTH - 1) * LVL_CLK_SHIFT;
  for (let lvl = 0; lvl < LVL_DEPTH - 1; lvl++) {
    // LVL_START(lvl + 1)
    if (delta < (LVL_SIZE - 1) << (lvl * LVL_CLK_SHIFT)) {
      s = lvl * LVL_CLK_SHIFT;
      break;
    }
  }
  return (Math.floor(expires / 2 ** s) + 1) * 2 ** s;
}

/**
 * Nanoseconds from `nowNs` until delayed work queued now with `delay` jiffies runs.
 * kernel/workqueue.c __queue_delayed_work: no delay queues the work at once; otherwise a
 * timer expiring at jiffies + delay, which runs at its bucket's tick.
 */
export function delayedWorkNs(nowNs: number, delay: number, hz: number): number {
  if (delay <= 0) return 0;
  const clk = jiffiesAt(nowNs, hz);
  const tickJiffy = wheelBucketExpiry(clk + delay, clk);
  return Math.ceil((tickJiffy * NS_PER_S) / hz) - nowNs;
}
