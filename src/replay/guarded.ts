// A replay of a user's policy file with a wall-clock limit on each hook call (`run
// --hook-timeout-ms`). The replay runs in a worker thread (worker/guarded-worker.ts) because
// a hook that never returns cannot be interrupted from inside its own thread. The worker
// reports each hook entry through a shared buffer (replay/hook-guard.ts); when one call has
// run longer than the limit, the worker is stopped and the same deterministic replay starts
// again in a fresh worker with an abort point at that call number, where the policy is
// ejected instead of called: the ejection lands at the same simulated instant the hang began,
// and the elevator's fallback drains what the policy held from there on.

import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type ErrorCode, InvariantError, UfqReplayError } from '../errors.js';
import { countWarning, StringTable, type TraceInfo } from '../trace/event.js';
import type { IoTable } from '../trace/io-table.js';
import { workerModuleUrl } from '../worker-url.js';
import {
  type AbortPoint,
  ejectionHook,
  type HookProgress,
  PROGRESS_BYTES,
  readProgress,
} from './hook-guard.js';
import { DEFAULT_HOOK_TIMEOUT_MS } from './policy-limits.js';
import { type ReplayOptions, type ReplayOutput, simulate } from './replay.js';
import type { RunResult } from './result.js';
import { loadPolicyFile } from './user-policy.js';

/** Re-runs after hangs before giving up: a deterministic policy needs at most one per hang. */
const MAX_RERUNS = 4;
/** Bounds of the watcher's polling period, ms: a tenth of the limit, within these. */
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 250;

/** What the main thread hands a guarded worker (structured-cloned). */
export interface WorkerRequest {
  options: Omit<ReplayOptions, 'onNote' | 'ops'>;
  /** Absolute path of the policy file. */
  policyFile: string;
  progress: SharedArrayBuffer;
  aborts: AbortPoint[];
}

/** A thrown error as plain fields. */
export interface WorkerError {
  name: string;
  message: string;
  stack?: string;
  code?: ErrorCode;
  file?: string;
  line?: number;
  offset?: number;
  record?: number;
  hint?: string;
}

export type WorkerReply =
  | { type: 'note'; line: string }
  | { type: 'done'; result: RunResult; ios: IoTable; flushes: IoTable; strings: string[]; info: TraceInfo }
  | { type: 'error'; error: WorkerError };

type Outcome = { kind: 'done'; output: ReplayOutput } | { kind: 'hung'; progress: HookProgress };

/**
 * Replays `options.trace` through the policy file `options.policy`, ejecting the policy if
 * one hook call runs longer than `hookTimeoutMs` of wall-clock time. 0 runs the replay in this
 * thread with no limit. Errors are those of simulate() and loadPolicyFile().
 */
export async function simulateGuarded(
  options: ReplayOptions,
  hookTimeoutMs: number = DEFAULT_HOOK_TIMEOUT_MS,
): Promise<ReplayOutput> {
  if (!(hookTimeoutMs > 0))
    return simulate({ ...options, ops: options.ops ?? (await loadPolicyFile(options.policy)) });
  const { onNote, ops: _ops, ...plain } = options;
  const aborts: AbortPoint[] = [];
  for (;;) {
    const request: WorkerRequest = {
      options: plain,
      policyFile: resolve(options.policy),
      progress: new SharedArrayBuffer(PROGRESS_BYTES),
      aborts,
    };
    const outcome = await runWorker(request, hookTimeoutMs, onNote);
    if (outcome.kind === 'done') {
      if (aborts.length > 0 && outcome.output.result.ejected === null)
        countWarning(
          outcome.output.result.warnings,
          'a re-run after a hook timeout never reached the call that hung: the policy is not deterministic',
        );
      return outcome.output;
    }
    if (aborts.length >= MAX_RERUNS)
      throw new UfqReplayError('POLICY_INVALID', `hooks hung at ${MAX_RERUNS + 1} different calls`, {
        file: options.policy,
        hint: 'a policy must be deterministic (no Date.now or Math.random) for a hang to be replayed',
      });
    const p = outcome.progress;
    const hook = ejectionHook(p.hook);
    const what = hook === 'kernel' ? 'a bpf_timer callback' : hook;
    aborts.push({
      call: p.call,
      reason: `${what} did not return within ${hookTimeoutMs} ms of wall-clock time`,
    });
  }
}

function runWorker(
  request: WorkerRequest,
  hookTimeoutMs: number,
  onNote: ((line: string) => void) | undefined,
): Promise<Outcome> {
  return new Promise<Outcome>((resolveRun, rejectRun) => {
    const worker = startWorker(request);
    let settled = false;
    let lastSeq = Number.NaN;
    let since = performance.now();
    let loadingSince = Number.NaN;
    const settle = (then: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      void worker.terminate();
      then();
    };
    // A call counts as hung once the same entry has been in progress for the whole limit.
    const watch = setInterval(
      () => {
        const p = readProgress(request.progress);
        const now = performance.now();
        if (p.loading) {
          if (!(loadingSince <= now)) loadingSince = now;
          else if (now - loadingSince >= hookTimeoutMs)
            settle(() => rejectRun(loadHung(request, hookTimeoutMs)));
          return;
        }
        if (p.depth <= 0 || p.seq !== lastSeq) {
          lastSeq = p.seq;
          since = now;
        } else if (now - since >= hookTimeoutMs) settle(() => resolveRun({ kind: 'hung', progress: p }));
      },
      Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, hookTimeoutMs / 10)),
    );
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'note') onNote?.(m.line);
      else if (m.type === 'done') settle(() => resolveRun({ kind: 'done', output: revive(m) }));
      else settle(() => rejectRun(reviveError(m.error)));
    });
    worker.on('error', (e) => settle(() => rejectRun(e)));
    worker.on('exit', (code) =>
      settle(() => rejectRun(new Error(`the replay worker stopped (exit code ${code}) without a result`))),
    );
  });
}

function loadHung(request: WorkerRequest, hookTimeoutMs: number): UfqReplayError {
  return new UfqReplayError(
    'POLICY_INVALID',
    `loading the policy did not finish within ${hookTimeoutMs} ms`,
    {
      file: request.options.policy,
      hint: 'the module runs code at its top level that does not end',
    },
  );
}

// The worker module: guarded-worker.js beside this chunk in dist/, the .ts entry (through
// tsx) from the sources (worker-url.ts).
function startWorker(request: WorkerRequest): Worker {
  return new Worker(new URL(workerModuleUrl('guarded-worker', import.meta.url, '../worker')), {
    workerData: request,
  });
}

function revive(m: Extract<WorkerReply, { type: 'done' }>): ReplayOutput {
  const strings = new StringTable();
  for (let i = 1; i < m.strings.length; i++) strings.intern(m.strings[i]);
  return { result: m.result, ios: m.ios, flushes: m.flushes, strings, info: m.info };
}

function reviveError(e: WorkerError): Error {
  let out: Error;
  if (e.code !== undefined)
    out = new UfqReplayError(e.code, e.message, {
      file: e.file,
      line: e.line,
      offset: e.offset,
      record: e.record,
      hint: e.hint,
    });
  else if (e.name === 'InvariantError') out = new InvariantError(e.message);
  else out = new Error(e.message);
  if (e.stack) out.stack = e.stack;
  return out;
}
