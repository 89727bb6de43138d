// The two limits a run puts on a policy before ejecting it (docs/policies.md "Ejection"): the
// stall watchdog, in simulated time, and the hook timeout, in wall-clock time.

/**
 * Simulated ms a policy may leave requests waiting with no dispatch or completion before it
 * is ejected (`--watchdog-ms`). sched_ext waits up to 30 s (kernel/sched/ext.c
 * SCX_WATCHDOG_MAX_TIMEOUT); a replay uses 10 s, still about 10^3 times the slowest built-in
 * device's worst service time, so that a stall shows within the span of a short trace.
 */
export const DEFAULT_WATCHDOG_MS = 10_000;

/**
 * Wall-clock ms one hook call of a policy file may run before the policy is ejected
 * (`--hook-timeout-ms`): far above any sane hook (micro-seconds), short enough to wait for.
 */
export const DEFAULT_HOOK_TIMEOUT_MS = 5000;
