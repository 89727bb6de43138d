// Kernel time rules that both the block layer and the policy library need, kept in one place
// (block/ and policies/lib may both import the root): jiffies from milliseconds, and the timer
// wheel's bucket rule, which decides when a jiffies timer really runs.

/** kernel/time/timer.c LVL_CLK_SHIFT: each wheel level is 8 times coarser, bits. */
const LVL_CLK_SHIFT = 3;
/** kernel/time/timer.c LVL_SIZE: buckets per level. */
const LVL_SIZE = 64;
/** kernel/time/timer.c LVL_DEPTH for HZ > 100: levels. */
const LVL_DEPTH = 9;

/** include/linux/jiffies.h msecs_to_jiffies: rounds up, so a delay is never shortened. */
export function msecs_to_jiffies(ms: number, hz: number): number {
  return Math.ceil((ms * hz) / 1000);
}

/**
 * kernel/time/timer.c calc_wheel_index + calc_index: the jiffy whose tick runs a timer that
 * expires at `expires` when the wheel clock reads `clk`. The level follows the delay, and the
 * expiry is rounded up past itself to that level's granularity (1 jiffy at level 0), so a
 * timer never runs early and runs up to 1/8 of its delay late. SIMPLIFIED: a delay past the
 * last level is not capped.
 */
export function timer_wheel_bucket_expiry(expires: number, clk: number): number {
  const delta = expires - clk;
  if (delta < 0) return clk;
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
