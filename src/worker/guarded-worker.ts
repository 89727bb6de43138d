// The worker thread of a guarded replay (replay/guarded.ts; compare's pool worker is
// replay-worker.ts): loads the user's policy file, wraps its hooks in the HookGuard that
// reports progress through the shared buffer (and ejects at the abort points it is given),
// runs simulate(), and posts the result back with the simulated table's columns transferred,
// not copied. Notes go back as they are made. Errors are posted as plain fields; the main
// thread rebuilds them.

import { parentPort, workerData } from 'node:worker_threads';
import { UfqReplayError } from '../errors.js';
import { KFUNC_HOST } from '../policies/registry.js';
import type { WorkerReply, WorkerRequest } from '../replay/guarded.js';
import { HookGuard } from '../replay/hook-guard.js';
import { simulate } from '../replay/replay.js';
import { loadPolicyFile } from '../replay/user-policy.js';

const port = parentPort;
const req = workerData as WorkerRequest;
const post = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port?.postMessage(m, transfer);

try {
  const guard = new HookGuard(req.progress, KFUNC_HOST, req.aborts);
  guard.loading(true);
  const loaded = await loadPolicyFile(req.policyFile).finally(() => guard.loading(false));
  const ops = guard.wrap(loaded);
  const out = await simulate({
    ...req.options,
    ops,
    onNote: (line) => post({ type: 'note', line }),
  });
  const buffers = new Set<ArrayBuffer>();
  for (const col of [...Object.values(out.ios), ...Object.values(out.flushes)])
    if (ArrayBuffer.isView(col) && col.buffer instanceof ArrayBuffer) buffers.add(col.buffer);
  post(
    {
      type: 'done',
      result: out.result,
      ios: out.ios,
      flushes: out.flushes,
      strings: out.strings.values,
      info: out.info,
    },
    [...buffers],
  );
} catch (e) {
  const err = e as Error & Partial<UfqReplayError>;
  post({
    type: 'error',
    error: {
      name: err?.name ?? 'Error',
      message: err?.message ?? String(e),
      stack: err?.stack,
      code: e instanceof UfqReplayError ? e.code : undefined,
      file: err?.file,
      line: err?.line,
      offset: err?.offset,
      record: err?.record,
      hint: err?.hint,
    },
  });
}
