// The tinypool worker of compare (worker/pool.ts): runs one replay task and returns its
// result. A coded user error or a broken invariant is returned as a plain failure record, so
// the calling thread can rebuild the error with its class; anything else is thrown as is.
import { InvariantError, UfqReplayError } from '../errors.js';
import { type ReplayTask, type ReplayTaskResult, runReplayTask } from './replay-task.js';

/** What the worker returns instead of throwing a user error or an invariant failure. */
export interface WorkerFailure {
  failure:
    | { kind: 'invariant'; message: string; stack?: string }
    | { kind: 'user'; error: ReturnType<UfqReplayError['toJSON']> };
}

export default async function replayWorker(task: ReplayTask): Promise<ReplayTaskResult | WorkerFailure> {
  try {
    return await runReplayTask(task);
  } catch (e) {
    if (e instanceof InvariantError)
      return { failure: { kind: 'invariant', message: e.message, stack: e.stack } };
    if (e instanceof UfqReplayError) return { failure: { kind: 'user', error: e.toJSON() } };
    throw e;
  }
}
