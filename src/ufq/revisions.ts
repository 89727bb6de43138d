// The UFQ kernel revisions the elevator can reproduce, as flat switches the hot paths read
// (ufq-model §0.1, §2). rev-1 is the RFC ("the seed", linux-riscv/linux block/ufq-iosched.c);
// rev-3 is the latest snapshot (linux-blktests/linux-block), which includes every rev-2 change.
// rev-2 is not offered: it is rev-3 without the insert-error list and validation counters.

import { UfqReplayError } from '../errors.js';

export type UfqRevision = 1 | 3;

export const UFQ_REVISIONS: readonly UfqRevision[] = [1, 3];

export interface UfqRevisionRules {
  readonly rev: UfqRevision;
  /** rev-2+: last_merge is only used while the request is still on a ctx list. */
  readonly lastMergeNeedsListed: boolean;
  /** rev-2+: the kernel drops one BPF-owned reference on requests returned by hooks (§3.3). */
  readonly dropBpfRef: boolean;
  /** rev-2+: a refused insert-merge re-inserts the detached target (flags 0); rev-1 orphans it. */
  readonly insertMergeRollback: boolean;
  /** rev-2+: a FRONT insert-merge needs the same ctx and hctx, else rollback. */
  readonly frontMergeSameCtx: boolean;
  /** rev-3: failed inserts go to the insert-error list, served before the policy. */
  readonly insertErrList: boolean;
  /** rev-2+: dispatch checks the returned request's state; rev-3 also counts dispatch_bad_state. */
  readonly dispatchValidate: boolean;
  /** rev-3: has_work counts "policy said no work while rqs_count > 0". */
  readonly hasWorkFalsePending: boolean;
  /** rev-1 asks find_req_from_sector (and next/former/req_merged); rev-2+ asks merge_bio. */
  readonly bioMergeHook: 'find_req_from_sector' | 'merge_bio';
  /** rev-2+: the one-hit bio merge counts merge_bio_ok and a FAILED merge stops the search. */
  readonly bioMergeCounters: boolean;
}

const REV1: UfqRevisionRules = {
  rev: 1,
  lastMergeNeedsListed: false,
  dropBpfRef: false,
  insertMergeRollback: false,
  frontMergeSameCtx: false,
  insertErrList: false,
  dispatchValidate: false,
  hasWorkFalsePending: false,
  bioMergeHook: 'find_req_from_sector',
  bioMergeCounters: false,
};

const REV3: UfqRevisionRules = {
  rev: 3,
  lastMergeNeedsListed: true,
  dropBpfRef: true,
  insertMergeRollback: true,
  frontMergeSameCtx: true,
  insertErrList: true,
  dispatchValidate: true,
  hasWorkFalsePending: true,
  bioMergeHook: 'merge_bio',
  bioMergeCounters: true,
};

/** Rules of a revision. Throws FLAG_INVALID for anything but 1 or 3 (the `--ufq-rev` flag). */
export function revisionRules(rev: number): UfqRevisionRules {
  if (rev === 1) return REV1;
  if (rev === 3) return REV3;
  throw new UfqReplayError('FLAG_INVALID', `UFQ revision ${rev} is not modelled, expected 1 or 3`, {
    hint: 'use --ufq-rev 1 (the RFC, default) or --ufq-rev 3 (the latest snapshot)',
  });
}
