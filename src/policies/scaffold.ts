// The starting file `ufq-replay policies new NAME` writes: a complete first-in, first-out
// policy on the helper library's list, which runs as is, with every UFQ hook present and a
// comment on when the elevator calls it, what it may return and what it owns. One template,
// emitted as JavaScript (.mjs) or TypeScript (.ts); the two differ only in type annotations.
// The text is user-facing documentation; docs/policies.md "Writing your own policy" quotes it.

export interface ScaffoldOptions {
  /** The policy's `name` (1 to 15 characters, letters, digits, '_' and '-'). */
  name: string;
  /** Emit TypeScript instead of JavaScript. */
  ts: boolean;
}

/** Names `policies new` accepts: usable as `name` and, with '-' as '_', as a function prefix. */
export const POLICY_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,14}$/;

/** The source text of a new FIFO policy called `name`. */
export function policyScaffold({ name, ts }: ScaffoldOptions): string {
  const p = name.replace(/-/g, '_');
  // A TypeScript annotation, or nothing in JavaScript.
  const t = (annotation: string) => (ts ? annotation : '');
  const ext = ts ? 'ts' : 'mjs';
  return `// ${name}: a first-in, first-out I/O scheduling policy for ufq-replay, written by
// \`ufq-replay policies new\`. It runs as is:
//
//   ufq-replay run TRACE --policy ./${name}.${ext}
//
// Requests leave in the order they were queued, except those inserted at the head (requeues),
// which leave first. Change the hooks to try your own order. docs/policies.md has the whole
// hook contract and the rules under which a misbehaving policy is ejected.
//
// A policy is what a UFQ BPF program is in the kernel: a table of hooks (the default export,
// at the end) that the UFQ elevator calls. It sees only the hook arguments and the helpers
// below, as a BPF program sees only its context and kfuncs. Hooks left out of the table
// behave as the kernel does when the program leaves them NULL.
//
// Helpers, all from 'ufq-replay/policy' (the same names as in the kernel):
//   requests and bios   blk_rq_pos, blk_rq_sectors, blk_rq_bytes, rq_data_dir, req_op,
//                       rq_is_sync, req_get_ioprio, IOPRIO_PRIO_CLASS, bio_sectors, ...
//                       and the fields __sector, __data_len, cmd_flags, ioprio, fifo_time,
//                       pid, comm; bi_iter.bi_sector, bi_iter.bi_size, bi_opf
//   UFQ kfuncs          bpf_request_acquire, bpf_request_release, bpf_request_put (rev-1),
//                       bpf_request_bio_try_merge, bpf_request_try_merge (rev-3), ufq_revision
//   BPF helpers         bpf_ktime_get_ns, bpf_jiffies64, bpf_get_current_comm,
//                       bpf_get_current_pid, bpf_get_prandom_u32, bpf_printk
//   maps and structures BpfHashMap with bpf_map_*; ListHead, ListNode with bpf_list_*;
//                       RbRoot, RbNode with bpf_rbtree_* (the Linux red-black tree);
//                       BpfTimer with bpf_timer_*
//   constants           ELEVATOR_*_MERGE, BLK_MQ_INSERT_AT_HEAD, REQ_OP_*, REQ_*, IOPRIO_*,
//                       errno values (EPERM, ENOMEM, ...) to return negated
//
// Keep it deterministic: take time from bpf_ktime_get_ns and randomness from
// bpf_get_prandom_u32 (both follow the run's seed), never Date.now or Math.random.

import {
  BLK_MQ_INSERT_AT_HEAD,
  bpf_list_pop_front,
  bpf_list_push_back,
  bpf_list_push_front,
  bpf_printk,
  bpf_request_acquire,
  bpf_request_put,
  EPERM,
  ELEVATOR_NO_MERGE,
  ListHead,
  ListNode,
  list_empty,
  ufq_revision,
} from 'ufq-replay/policy';
${ts ? "import type { Bio, BlkQueue, BlkRequest, Box, UfqOps } from 'ufq-replay/policy';\n" : ''}
// State: one FIFO per simulated disk, keyed by q.id (as the BPF examples key a hash map).
const fifos = new Map${t('<number, ListHead<BlkRequest>>')}();

// Counters, returned by dump().
const stats = { inserted: 0, dispatched: 0, finished: 0 };

// Called once per queue when the elevator starts, before any request. The return value is
// ignored (a BPF program returns 0 or a negative errno).
function ${p}_init_sched(q${t(': BlkQueue')})${t(': number')} {
  fifos.set(q.id, new ListHead());
  bpf_printk('${name}/init_sched: queue %d', q.id);
  return 0;
}

// Called once per queue at the end of the run. The return value is ignored.
function ${p}_exit_sched(q${t(': BlkQueue')})${t(': number')} {
  fifos.delete(q.id);
  return 0;
}

// Called for each request the elevator queues (and again for a merge survivor). flags has
// BLK_MQ_INSERT_AT_HEAD for requeues. Return 0 when the policy now holds rq; a negative errno
// refuses it (rev-1 then leaves it to the elevator's fallback, rev-3 to its error list).
// Holding a request means holding a reference to it: take one with bpf_request_acquire.
function ${p}_insert_req(q${t(': BlkQueue')}, rq${t(': BlkRequest')}, flags${t(': number')})${t(': number')} {
  const fifo = fifos.get(q.id);
  if (fifo === undefined) return -EPERM;
  const ref = bpf_request_acquire(rq);
  if (ref === null) return -EPERM;
  if (flags & BLK_MQ_INSERT_AT_HEAD) bpf_list_push_front(fifo, new ListNode(ref));
  else bpf_list_push_back(fifo, new ListNode(ref));
  stats.inserted++;
  return 0;
}

// Called when the dispatch loop wants a request and has_req said yes. Return a request this
// policy holds (given by insert_req, not yet returned), already taken out of its own
// structures; or null. Returning anything else ejects the policy (rev-1).
function ${p}_dispatch_req(q${t(': BlkQueue')})${t(': BlkRequest | null')} {
  const fifo = fifos.get(q.id);
  const node = fifo === undefined ? null : bpf_list_pop_front(fifo);
  if (node === null) return null;
  stats.dispatched++;
  return node.value;
}

// Called before each dispatch attempt: should dispatch_req be asked? rqs_count is the number
// of requests the elevator counts as queued. Saying no while requests wait stalls the queue;
// after --watchdog-ms of simulated time with no progress the policy is ejected.
function ${p}_has_req(q${t(': BlkQueue')}, _rqs_count${t(': number')})${t(': boolean')} {
  const fifo = fifos.get(q.id);
  return fifo !== undefined && !list_empty(fifo);
}

// Called when a request this policy was given is freed: after it completed, or when a merge
// absorbed it. rev-1 never drops the reference a hook hands back, so drop ours here; rev-3
// dropped it when dispatch_req returned the request.
function ${p}_finish_req(rq${t(': BlkRequest')})${t(': void')} {
  stats.finished++;
  if (ufq_revision(rq.q) === 1) bpf_request_put(rq);
}

// Called before queueing rq, when the one-hit merge cache did not absorb it. Return a queued
// request adjacent to rq, already taken out of this policy's structures, and set type.value to
// ELEVATOR_FRONT_MERGE (rq ends where it starts) or ELEVATOR_BACK_MERGE (it ends where rq
// starts); or null. Returning null, as here, is what leaving the hook out does.
function ${p}_merge_req(_q${t(': BlkQueue')}, _rq${t(': BlkRequest')}, type${t(': Box<number>')})${t(': BlkRequest | null')} {
  type.value = ELEVATOR_NO_MERGE;
  return null;
}

// rev-3: called for a bio the one-hit cache did not take. Merge it yourself with
// bpf_request_bio_try_merge and set merged.value = true; you may return a second request you
// coalesced with bpf_request_try_merge, for the kernel to free. Leaving merged false and
// returning null, as here, is what leaving the hook out does.
function ${p}_merge_bio(_q${t(': BlkQueue')}, _bio${t(': Bio')}, _nr_segs${t(': number')}, merged${t(': Box<boolean>')})${t(': BlkRequest | null')} {
  merged.value = false;
  return null;
}

// rev-1: called for a bio the one-hit cache did not take: a queued request the sectors
// [start, end) may join, or null (as here: no bio merge beyond the cache).
function ${p}_find_req_from_sector(_q${t(': BlkQueue')}, _start${t(': number')}, _end${t(': number')})${t(': BlkRequest | null')} {
  return null;
}

// rev-1: called after a bio merged at the front (former_req) or back (next_req) of rq: the
// queued request before or after it, for the kernel to try to coalesce; or null.
function ${p}_former_req(_q${t(': BlkQueue')}, _rq${t(': BlkRequest')})${t(': BlkRequest | null')} {
  return null;
}

function ${p}_next_req(_q${t(': BlkQueue')}, _rq${t(': BlkRequest')})${t(': BlkRequest | null')} {
  return null;
}

// rev-1: called after a bio merge that coalesced nothing; rq grew by a bio. Nothing to return.
function ${p}_req_merged(_q${t(': BlkQueue')}, _rq${t(': BlkRequest')}, _type${t(': number')})${t(': void')} {}

// Not a kernel hook: plain state and counters, for debugging.
function ${p}_dump()${t(': Record<string, unknown>')} {
  return { ...stats, queues: fifos.size };
}

// The hook table: the kernel's struct ufq_iosched_ops, member for member. name is at most 15
// characters. A hook that throws, returns a request the policy does not hold, or never
// returns gets the policy ejected: the elevator then drains every request itself.
export default {
  name: '${name}',
  init_sched: ${p}_init_sched,
  exit_sched: ${p}_exit_sched,
  insert_req: ${p}_insert_req,
  dispatch_req: ${p}_dispatch_req,
  has_req: ${p}_has_req,
  finish_req: ${p}_finish_req,
  merge_req: ${p}_merge_req,
  merge_bio: ${p}_merge_bio,
  find_req_from_sector: ${p}_find_req_from_sector,
  former_req: ${p}_former_req,
  next_req: ${p}_next_req,
  req_merged: ${p}_req_merged,
  dump: ${p}_dump,
}${t(' satisfies UfqOps')};
`;
}
