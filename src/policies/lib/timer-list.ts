// struct timer_list for policies (kernel/time/timer.c): a jiffies timer on the simulated clock,
// built on the elevator's one-shot timers (timer.ts BpfTimer). Kept because it decides when the
// callback runs: the expiry is in jiffies, and the timer wheel files a timer in a bucket of its
// level's granularity, strictly after the expiry (calc_wheel_index/calc_index: never early, up
// to 1/8 of the delay late). Kyber's statistics timer uses it. SIMPLIFIED: the wheel's clock is
// taken to be jiffies now (an idle CPU's wheel may lag and be forwarded), and a timer whose
// delay exceeds the last level is not capped.

import { msecs_to_jiffies, timer_wheel_bucket_expiry } from '../../kernel-time.js';
import type { BlkQueue } from '../../ufq/ops.js';
import { bpf_jiffies64, CONFIG_HZ } from './kfuncs.js';
import {
  BpfTimer,
  bpf_timer_cancel,
  bpf_timer_init,
  bpf_timer_pending,
  bpf_timer_set_callback,
  bpf_timer_start,
} from './timer.js';

/**
 * The wheel's rule (calc_wheel_index), for policies that reason about when a timer runs, and
 * include/linux/jiffies.h msecs_to_jiffies.
 */
export { msecs_to_jiffies, timer_wheel_bucket_expiry };

/** struct timer_list: embed one in the policy's state and timer_setup it. */
export class timer_list {
  /** Requested expiry, jiffies. */
  expires = 0;
  readonly t = new BpfTimer();
}

/** timer_setup: binds the timer to queue `q` and its callback. 0, or the bpf_timer error. */
export function timer_setup(timer: timer_list, q: BlkQueue, fn: () => void): number {
  const ret = bpf_timer_init(timer.t, q, 0);
  if (ret !== 0) return ret;
  return bpf_timer_set_callback(timer.t, fn);
}

/** timer_pending: an expiry is armed. */
export function timer_pending(timer: timer_list): boolean {
  return bpf_timer_pending(timer.t);
}

/** mod_timer: (re)arms the timer for jiffy `expires`. 1 if it was pending, else 0. */
export function mod_timer(timer: timer_list, expires: number): number {
  const was = timer_pending(timer) ? 1 : 0;
  const hz = CONFIG_HZ();
  const now = bpf_jiffies64();
  timer.expires = expires;
  // The wheel runs a bucket at the tick that starts its jiffy.
  const runNs = Math.ceil((timer_wheel_bucket_expiry(expires, now) * 1e9) / hz);
  const k = timer.t.kernel;
  const delay = k === null ? 0 : Math.max(0, runNs - k.ktime_get_ns());
  bpf_timer_start(timer.t, delay, 0);
  return was;
}

/**
 * timer_reduce: like mod_timer, but a pending timer is only ever moved earlier. 1 if it was
 * pending, else 0.
 */
export function timer_reduce(timer: timer_list, expires: number): number {
  if (timer_pending(timer) && timer.expires <= expires) return 1;
  return mod_timer(timer, expires);
}

/** timer_delete (and timer_shutdown_sync): 1 if a pending expiry was cancelled, else 0. */
export function timer_delete(timer: timer_list): number {
  return bpf_timer_cancel(timer.t) === 1 ? 1 : 0;
}
