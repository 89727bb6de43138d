// bpf_timer for policies (kernel/bpf/helpers.c bpf_timer_init/set_callback/start/cancel): a
// one-shot timer on the simulated clock, for what UFQ's hooks cannot express on their own,
// such as BFQ's idle slice (hold dispatch, then expire the queue when the wait runs out).
// The kernel side is the elevator's timer_start/timer_cancel (ufq/ops.ts UfqKernel): the
// callback runs as a hook would (kfuncs point at the queue, a throw ejects the policy) and
// never after the policy was ejected. Differences from BPF: the timer is bound to a queue
// instead of a map value, and the callback takes no (map, key, timer) arguments.

import type { BlkQueue, UfqKernel } from '../../ufq/ops.js';
import { EBUSY, EINVAL, EOPNOTSUPP } from './errno.js';

/** struct bpf_timer: embed one in the policy's state. */
export class BpfTimer {
  /** The queue's kernel once bpf_timer_init ran, else null. */
  kernel: UfqKernel | null = null;
  callback: (() => void) | null = null;
  /** Pending engine event, or -1. */
  handle = -1;
  /** Runs the callback and forgets the handle first, so the callback may re-arm. */
  readonly fire = (): void => {
    this.handle = -1;
    this.callback?.();
  };
}

/**
 * bpf_timer_init: binds the timer to the queue `q` (the kernel binds it to a map; CLOCK_* in
 * `flags` is ignored, the simulated clock is monotonic). 0, -EBUSY if already initialised,
 * -EOPNOTSUPP if the elevator offers no timers.
 */
export function bpf_timer_init(timer: BpfTimer, q: BlkQueue, _flags: number): number {
  if (timer.kernel !== null) return -EBUSY;
  if (q.__ufq.timer_start === undefined || q.__ufq.timer_cancel === undefined) return -EOPNOTSUPP;
  timer.kernel = q.__ufq;
  return 0;
}

/** bpf_timer_set_callback: 0, or -EINVAL before bpf_timer_init. */
export function bpf_timer_set_callback(timer: BpfTimer, callback: () => void): number {
  if (timer.kernel === null) return -EINVAL;
  timer.callback = callback;
  return 0;
}

/**
 * bpf_timer_start: (re)arms the timer `nsecs` ns from now (rounded to whole ns); a pending
 * expiry is replaced, as hrtimer_start replaces it. 0, or -EINVAL before init or without a
 * callback.
 */
export function bpf_timer_start(timer: BpfTimer, nsecs: number, _flags: number): number {
  const k = timer.kernel;
  if (k === null || timer.callback === null) return -EINVAL;
  // bpf_timer_init checked both exist.
  if (timer.handle >= 0) k.timer_cancel!(timer.handle);
  timer.handle = k.timer_start!(Math.max(0, Math.round(nsecs)), timer.fire);
  return 0;
}

/** bpf_timer_cancel: 1 if a pending expiry was cancelled, 0 if none was pending, -EINVAL before init. */
export function bpf_timer_cancel(timer: BpfTimer): number {
  const k = timer.kernel;
  if (k === null) return -EINVAL;
  if (timer.handle < 0) return 0;
  const h = timer.handle;
  timer.handle = -1;
  return k.timer_cancel!(h) ? 1 : 0;
}

/** True while an expiry is pending (hrtimer_active). */
export function bpf_timer_pending(timer: BpfTimer): boolean {
  return timer.handle >= 0;
}
