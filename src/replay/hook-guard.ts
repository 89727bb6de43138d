// The hook timeout's two halves that meet in a SharedArrayBuffer. In the replay worker,
// HookGuard wraps a user policy's hooks (and its bpf_timer callbacks): at each entry it writes
// the call number, the hook and the simulated time, and a nesting depth it drops on return.
// In the main thread, readProgress() lets a watcher see that one call has been running too
// long, stop the worker, and replay again with an abort point at that call number: there the
// guard ejects the policy instead of calling the hook (runs are deterministic, so the call
// number names the same call). A hook that never returns cannot be interrupted inside one
// thread, which is why this needs a worker. Plain (non-atomic) stores: the watcher only
// needs to see values that stopped changing seconds ago.

import type { KfuncHost, UfqHookName, UfqKernel, UfqOps } from '../ufq/ops.js';
import { UFQ_HOOK_NAMES } from './user-policy.js';

/** What the guard can stand in for: the hooks, then bpf_timer callbacks. */
export const GUARDED = [...UFQ_HOOK_NAMES, 'timer'] as const;
export type GuardedName = (typeof GUARDED)[number];
const TIMER = GUARDED.indexOf('timer');

/** Bytes of the progress buffer: Int32 depth, entry sequence, hook index, loading; Float64 call, ns. */
export const PROGRESS_BYTES = 32;
const I_DEPTH = 0;
const I_SEQ = 1;
const I_HOOK = 2;
const I_LOADING = 3;
const F_CALL = 2;
const F_AT_NS = 3;

/** What the watcher reads. */
export interface HookProgress {
  /** Hooks running now (nested calls count each). */
  depth: number;
  /** Changes at every hook entry, nested ones included. */
  seq: number;
  /** The outermost hook entered last. */
  hook: GuardedName;
  /** 1-based number of that call among all guarded calls of the run. */
  call: number;
  /** Simulated time at that call's entry, ns. */
  atNs: number;
  /** The policy module is being loaded (its top-level code may run forever too). */
  loading: boolean;
}

export function readProgress(sab: SharedArrayBuffer): HookProgress {
  const i32 = new Int32Array(sab, 0, 4);
  const f64 = new Float64Array(sab, 0, 4);
  return {
    depth: i32[I_DEPTH],
    seq: i32[I_SEQ],
    hook: GUARDED[i32[I_HOOK]] ?? 'timer',
    call: f64[F_CALL],
    atNs: f64[F_AT_NS],
    loading: i32[I_LOADING] !== 0,
  };
}

/** Where a re-run ejects the policy instead of calling a hook. */
export interface AbortPoint {
  /** The call number (HookProgress.call) that did not return. */
  call: number;
  /** The ejection's reason. */
  reason: string;
}

/** The hook an ejection record names for a guarded call (timers run as the kernel's). */
export function ejectionHook(name: GuardedName): UfqHookName | 'kernel' {
  return name === 'timer' ? 'kernel' : name;
}

/** The elevator's detach, reached through the kfunc host (ufq/elevator.ts UfqElevator.eject). */
interface Ejector {
  eject(reason: string, hook: UfqHookName | 'kernel'): void;
}

type AnyFn = (a?: unknown, b?: unknown, c?: unknown, d?: unknown) => unknown;

/** Thrown into the elevator at an abort point; its catch then finds the policy already ejected. */
export class HookAborted extends Error {}

export class HookGuard {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private calls = 0;
  private readonly aborts: AbortPoint[];
  private nextAbort: number;
  private patched: UfqKernel | null = null;
  private readonly seen = new WeakSet<object>();

  constructor(
    sab: SharedArrayBuffer,
    private readonly host: KfuncHost,
    aborts: readonly AbortPoint[],
  ) {
    this.i32 = new Int32Array(sab, 0, 4);
    this.f64 = new Float64Array(sab, 0, 4);
    this.aborts = [...aborts].sort((a, b) => a.call - b.call);
    this.nextAbort = this.aborts[0]?.call ?? -1;
  }

  /** Says the policy module is being loaded (true) or has been (false). */
  loading(on: boolean): void {
    this.i32[I_LOADING] = on ? 1 : 0;
  }

  /** A table calling `ops`' hooks (with `ops` as `this`) through the guard. */
  wrap(ops: UfqOps): UfqOps {
    const out: Record<string, unknown> = { name: ops.name };
    for (let i = 0; i < UFQ_HOOK_NAMES.length; i++) {
      const fn = ops[UFQ_HOOK_NAMES[i]] as AnyFn | undefined | null;
      if (typeof fn === 'function') out[UFQ_HOOK_NAMES[i]] = this.guarded(i, fn, ops);
    }
    if (typeof ops.dump === 'function') out.dump = ops.dump.bind(ops);
    return out as unknown as UfqOps;
  }

  private guarded(idx: number, fn: AnyFn, self: unknown): AnyFn {
    const i32 = this.i32;
    return (a, b, c, d) => {
      try {
        this.enter(idx);
        return fn.call(self, a, b, c, d);
      } finally {
        i32[I_DEPTH]--;
      }
    };
  }

  private enter(idx: number): void {
    const n = ++this.calls;
    const k = this.host.kernel;
    if (k !== this.patched) this.patchTimers(k);
    const i32 = this.i32;
    // A hook reached from inside another (a kfunc freeing a request) leaves the outer call
    // recorded: if anything hangs after it returns, the outer call is the one to abort.
    if (i32[I_DEPTH] === 0) {
      this.f64[F_CALL] = n;
      this.f64[F_AT_NS] = k === null ? -1 : k.ktime_get_ns();
      i32[I_HOOK] = idx;
    }
    i32[I_DEPTH]++;
    i32[I_SEQ] = (i32[I_SEQ] + 1) | 0;
    if (n === this.nextAbort) this.abort(idx, k);
  }

  // The elevator detaches the policy; the throw then takes the hook's error path, as if the
  // program had been unloaded mid-call, so the hook has no effect.
  private abort(idx: number, k: UfqKernel | null): never {
    const point = this.aborts.shift() as AbortPoint;
    this.nextAbort = this.aborts[0]?.call ?? -1;
    (k as unknown as Partial<Ejector> | null)?.eject?.(point.reason, ejectionHook(GUARDED[idx]));
    throw new HookAborted(point.reason);
  }

  // bpf_timer callbacks are policy code too: wrap what the policy hands to the kernel's
  // timer_start. Patched on the queue's kernel object the first time a hook runs on it, which
  // is before the policy can arm a timer (it can only do so from a hook).
  private patchTimers(k: UfqKernel | null): void {
    this.patched = k;
    if (k === null || this.seen.has(k)) return;
    this.seen.add(k);
    const start = k.timer_start;
    if (start === undefined) return;
    const wrapped = (delayNs: number, fn: () => void): number =>
      start.call(k, delayNs, this.guarded(TIMER, fn as AnyFn, undefined) as () => void);
    (k as { timer_start?: typeof wrapped }).timer_start = wrapped;
  }
}
