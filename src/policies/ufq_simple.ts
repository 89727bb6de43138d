// ufq_simple: the UFQ example policy. Head-inserted requests go out first, in FIFO order; the
// rest sit in two red-black trees (reads, writes) keyed by their start sector at insert time,
// and dispatch takes the lowest key, reads before writes. It demonstrates the hook table,
// request references and a bounded tree merge search; a steady read stream starves writes,
// and there are no deadlines.
// Ported from linux-riscv/linux tools/ufq_iosched/ufq_simple.bpf.c @ 36436a60 (rev-1) and
// linux-blktests/linux-block tools/ufq_iosched/ufq_simple.bpf.c @ fe3a3f80 (rev-3); the
// kernel's revision picks the variant. Dropped as verifier-only: spin locks, kptr exchanges,
// obj_new/obj_drop, refcount_acquire and null checks that cannot fail; also rev-1's fifo_list,
// which is maintained but never read. Kept: UFQ_LOOP_MAX, UFQ_DISK_SUM, the -EPERM returns,
// acquire/put, and the order of stat updates.

import type { Bio, BlkQueue, BlkRequest, Box, UfqOps } from '../ufq/ops.js';
import {
  BPF_NOEXIST,
  BpfHashMap,
  bpf_list_pop_front,
  bpf_list_push_back,
  bpf_map_delete_elem,
  bpf_map_lookup_elem,
  bpf_map_update_elem,
  bpf_printk,
  bpf_rbtree_add,
  bpf_rbtree_first,
  bpf_rbtree_left,
  bpf_rbtree_remove,
  bpf_rbtree_right,
  bpf_rbtree_root,
  bpf_request_acquire,
  bpf_request_bio_try_merge,
  bpf_request_put,
  bpf_request_try_merge,
  EEXIST,
  ELEVATOR_BACK_MERGE,
  ELEVATOR_FRONT_MERGE,
  ELEVATOR_NO_MERGE,
  EPERM,
  ListHead,
  ListNode,
  list_empty,
  RbNode,
  RbRoot,
  ufq_revision,
} from './lib/index.js';

const UFQ_DISK_SUM = 20;
const BLK_MQ_INSERT_AT_HEAD = 0x01;
const REQ_OP_MASK = (1 << 8) - 1;
const SECTOR_SHIFT = 9;
/** Merge-search step bound (rev-1 writes the literal 100). */
const UFQ_LOOP_MAX = 100;

// include/ufq/simple_stat.h, rev-2+ layout; rev-1 names RQMERGE "MERGE" and has no BIOMERGE.
const UFQ_SIMP_INSERT_CNT = 0;
const UFQ_SIMP_INSERT_SIZE = 1;
const UFQ_SIMP_DISPATCH_CNT = 2;
const UFQ_SIMP_DISPATCH_SIZE = 3;
const UFQ_SIMP_RQMERGE_CNT = 4;
const UFQ_SIMP_RQMERGE_SIZE = 5;
const UFQ_SIMP_BIOMERGE_CNT = 6;
const UFQ_SIMP_BIOMERGE_SIZE = 7;
const UFQ_SIMP_FINISH_CNT = 8;
const UFQ_SIMP_FINISH_SIZE = 9;
const UFQ_SIMP_STAT_MAX = 10;
const STAT_NAMES = [
  ...['INSERT_CNT', 'INSERT_SIZE', 'DISPATCH_CNT', 'DISPATCH_SIZE', 'RQMERGE_CNT', 'RQMERGE_SIZE'],
  ...['BIOMERGE_CNT', 'BIOMERGE_SIZE', 'FINISH_CNT', 'FINISH_SIZE'],
];

/** Per-CPU stats array, summed (the loader sums the CPUs). Per loaded program, not per run. */
const stats = new Float64Array(UFQ_SIMP_STAT_MAX);

const UFQ_SIMP_READ = 0;
const UFQ_SIMP_WRITE = 1;

/** struct sort_tree_node: the tree link carries the request. */
class sort_tree_node extends RbNode<BlkRequest> {
  key = 0;
}

interface ufq_simple_data {
  sort_tree_read: RbRoot<BlkRequest>;
  sort_tree_write: RbRoot<BlkRequest>;
  /** Head-inserted requests (struct queue_list_node list). */
  dispatch: ListHead<BlkRequest>;
}

const ufq_map = new BpfHashMap<number, ufq_simple_data>(UFQ_DISK_SUM);

function stat_add(idx: number, val: number): void {
  stats[idx] += val;
}

function stat_sub(idx: number, val: number): void {
  stats[idx] -= val;
}

function sort_tree_less(a: RbNode<BlkRequest>, b: RbNode<BlkRequest>): boolean {
  return (a as sort_tree_node).key < (b as sort_tree_node).key;
}

function data_dir(opf: number): number {
  return opf & REQ_OP_MASK & 1 ? UFQ_SIMP_WRITE : UFQ_SIMP_READ;
}

function tree_of(ufq_sd: ufq_simple_data, dir: number): RbRoot<BlkRequest> {
  return dir === UFQ_SIMP_READ ? ufq_sd.sort_tree_read : ufq_sd.sort_tree_write;
}

// Named dd_ after mq-deadline's helpers, as in the BPF source.
function dd_init_sched(q: BlkQueue): ufq_simple_data | null {
  bpf_printk('ufq_simple init sched!');
  const fresh: ufq_simple_data = {
    sort_tree_read: new RbRoot(),
    sort_tree_write: new RbRoot(),
    dispatch: new ListHead(),
  };
  const ret = bpf_map_update_elem(ufq_map, q.id, fresh, BPF_NOEXIST);
  // rev-1 refuses an existing entry; rev-2+ accepts it.
  if (ret && (ufq_revision(q) === 1 || ret !== -EEXIST)) {
    bpf_printk('ufq_simple/init_sched: update ufq_map err %d', ret);
    return null;
  }
  return bpf_map_lookup_elem(ufq_map, q.id);
}

function ufq_simple_init_sched(q: BlkQueue): number {
  return dd_init_sched(q) ? 0 : -EPERM;
}

function ufq_simple_exit_sched(q: BlkQueue): number {
  bpf_printk('ufq_simple exit sched!');
  bpf_map_delete_elem(ufq_map, q.id);
  return 0;
}

function ufq_simple_insert_req(q: BlkQueue, rq: BlkRequest, flags: number): number {
  const dir = data_dir(rq.cmd_flags);
  let ret = 0;
  const ufq_sd = bpf_map_lookup_elem(ufq_map, q.id) ?? dd_init_sched(q);
  if (!ufq_sd) {
    bpf_printk('ufq_simple/insert_req: dd_init_sched failed');
    return -EPERM;
  }
  const acquired = bpf_request_acquire(rq);
  if (!acquired) {
    bpf_printk('ufq_simple/insert_req: bpf_request_acquire failed');
    return -EPERM;
  }
  if (flags & BLK_MQ_INSERT_AT_HEAD) {
    ret = bpf_list_push_back(ufq_sd.dispatch, new ListNode(acquired));
  } else {
    // The request's start sector is the sort key, fixed from now on.
    const snode = new sort_tree_node(acquired);
    snode.key = rq.__sector;
    bpf_rbtree_add(tree_of(ufq_sd, dir), snode, sort_tree_less);
  }
  if (!ret) {
    stat_add(UFQ_SIMP_INSERT_CNT, 1);
    stat_add(UFQ_SIMP_INSERT_SIZE, rq.__data_len);
  }
  return ret;
}

function ufq_simple_dispatch_req(q: BlkQueue): BlkRequest | null {
  const ufq_sd = bpf_map_lookup_elem(ufq_map, q.id);
  if (!ufq_sd) {
    bpf_printk('ufq_simple/dispatch_req: ufq_map lookup %d failed', q.id);
    return null;
  }
  let rq: BlkRequest | null = null;
  const list_node = bpf_list_pop_front(ufq_sd.dispatch);
  if (list_node) {
    rq = list_node.value;
  } else {
    let rb_node = bpf_rbtree_first(ufq_sd.sort_tree_read);
    if (rb_node) rb_node = bpf_rbtree_remove(ufq_sd.sort_tree_read, rb_node);
    else {
      rb_node = bpf_rbtree_first(ufq_sd.sort_tree_write);
      if (rb_node) rb_node = bpf_rbtree_remove(ufq_sd.sort_tree_write, rb_node);
    }
    if (rb_node) rq = rb_node.value;
  }
  if (rq) {
    stat_add(UFQ_SIMP_DISPATCH_CNT, 1);
    stat_add(UFQ_SIMP_DISPATCH_SIZE, rq.__data_len);
  }
  return rq;
}

function ufq_simple_has_req(q: BlkQueue, _rqs_count: number): boolean {
  const ufq_sd = bpf_map_lookup_elem(ufq_map, q.id);
  if (!ufq_sd) {
    bpf_printk('ufq_simple/has_req: ufq_map lookup %d failed', q.id);
    return false;
  }
  return (
    !list_empty(ufq_sd.dispatch) ||
    !!bpf_rbtree_root(ufq_sd.sort_tree_read) ||
    !!bpf_rbtree_root(ufq_sd.sort_tree_write)
  );
}

function ufq_simple_finish_req(rq: BlkRequest): void {
  stat_add(UFQ_SIMP_FINISH_CNT, 1);
  if (ufq_revision(rq.q) === 1) {
    // rev-1 counts the bytes left (0 after a completion) and drops the insert-time reference.
    stat_add(UFQ_SIMP_FINISH_SIZE, rq.__data_len);
    bpf_request_put(rq);
  } else {
    stat_add(UFQ_SIMP_FINISH_SIZE, rq.stats_sectors << SECTOR_SHIFT);
  }
}

/** rev-1 hooks: no neighbour lookup, so bio merges never coalesce requests. */
function ufq_simple_next_req(_q: BlkQueue, _rq: BlkRequest): BlkRequest | null {
  return null;
}

function ufq_simple_former_req(_q: BlkQueue, _rq: BlkRequest): BlkRequest | null {
  return null;
}

// One root-to-leaf descent comparing live ranges (not keys): which adjacent neighbour is
// found depends on the tree's shape (ufq-model §4.6).
function ufq_simple_merge_req(q: BlkQueue, rq: BlkRequest, type: Box<number>): BlkRequest | null {
  type.value = ELEVATOR_NO_MERGE;
  const rev = ufq_revision(q);
  const ufq_sd = bpf_map_lookup_elem(ufq_map, q.id);
  if (!ufq_sd) return null;
  const rq_start = rq.__sector;
  const rq_end = rq_start + (rq.__data_len >>> SECTOR_SHIFT);
  const tree = tree_of(ufq_sd, data_dir(rq.cmd_flags));
  let rb_node = bpf_rbtree_root(tree);
  let mt = ELEVATOR_NO_MERGE;
  for (let count = 0; mt === ELEVATOR_NO_MERGE && rb_node && count < UFQ_LOOP_MAX; count++) {
    const targ: BlkRequest = rb_node.value;
    const other_start = targ.__sector;
    const other_end = other_start + (targ.__data_len >>> SECTOR_SHIFT);
    if (rq_start > other_end) rb_node = bpf_rbtree_right(tree, rb_node);
    else if (rq_end < other_start) rb_node = bpf_rbtree_left(tree, rb_node);
    else if (rq_end === other_start) mt = ELEVATOR_FRONT_MERGE;
    else if (other_end === rq_start) mt = ELEVATOR_BACK_MERGE;
    else break;
    if (mt && rb_node) {
      // rev-2+: the kernel only merges within one ctx and hctx.
      if (rev !== 1 && (rq.mq_ctx !== targ.mq_ctx || rq.mq_hctx !== targ.mq_hctx)) return null;
      bpf_rbtree_remove(tree, rb_node);
      type.value = mt;
      stat_add(UFQ_SIMP_RQMERGE_CNT, 1);
      stat_add(UFQ_SIMP_RQMERGE_SIZE, targ.__data_len);
      // The kernel re-inserts the survivor, which counts again.
      stat_sub(UFQ_SIMP_INSERT_CNT, 1);
      stat_sub(UFQ_SIMP_INSERT_SIZE, targ.__data_len);
      return targ;
    }
  }
  return null;
}

// rev-2+. After a front bio merge, coalesce with the node's left child only; *_unlock names
// kept from the BPF source, where they also dropped the lock.
function merge_bio_left_unlock(
  tree: RbRoot<BlkRequest>,
  snode: sort_tree_node,
  cand: BlkRequest,
): BlkRequest | null {
  const cand_start = cand.__sector;
  const left = bpf_rbtree_left(tree, snode);
  if (left) {
    const left_rq = left.value;
    const left_end = left_rq.__sector + (left_rq.__data_len >>> SECTOR_SHIFT);
    if (left_end === cand_start && bpf_request_try_merge(left_rq, cand)) {
      bpf_rbtree_remove(tree, snode);
      stat_add(UFQ_SIMP_RQMERGE_CNT, 1);
      stat_add(UFQ_SIMP_RQMERGE_SIZE, cand.__data_len);
      return cand;
    }
  }
  // The front merge moved the request's start: re-key its node before the next search.
  if (snode.key !== cand_start && bpf_rbtree_remove(tree, snode)) {
    snode.key = cand_start;
    bpf_rbtree_add(tree, snode, sort_tree_less);
  }
  return null;
}

// rev-2+. After a back bio merge, coalesce with the node's right child only.
function merge_bio_right_unlock(
  tree: RbRoot<BlkRequest>,
  snode: sort_tree_node,
  cand: BlkRequest,
): BlkRequest | null {
  const cand_end = cand.__sector + (cand.__data_len >>> SECTOR_SHIFT);
  const right = bpf_rbtree_right(tree, snode);
  if (!right) return null;
  const right_rq = right.value;
  if (cand_end !== right_rq.__sector || !bpf_request_try_merge(cand, right_rq)) return null;
  bpf_rbtree_remove(tree, right);
  stat_add(UFQ_SIMP_RQMERGE_CNT, 1);
  stat_add(UFQ_SIMP_RQMERGE_SIZE, right_rq.__data_len);
  return right_rq;
}

function ufq_simple_merge_bio(
  q: BlkQueue,
  bio: Bio,
  nr_segs: number,
  merged: Box<boolean>,
): BlkRequest | null {
  const start = bio.bi_iter.bi_sector;
  const end = start + (bio.bi_iter.bi_size >>> SECTOR_SHIFT);
  const ufq_sd = bpf_map_lookup_elem(ufq_map, q.id);
  if (!ufq_sd) return null;
  const tree = tree_of(ufq_sd, data_dir(bio.bi_opf));
  let rb_node = bpf_rbtree_root(tree);
  for (let count = 0; rb_node && count < UFQ_LOOP_MAX; count++) {
    const snode = rb_node as sort_tree_node;
    const cand = snode.value;
    const cand_start = cand.__sector;
    const cand_end = cand_start + (cand.__data_len >>> SECTOR_SHIFT);
    if (end < cand_start) rb_node = bpf_rbtree_left(tree, rb_node);
    else if (start > cand_end) rb_node = bpf_rbtree_right(tree, rb_node);
    else if (cand_start === end || cand_end === start) {
      // Adjacent: one merge attempt, then the walk stops either way.
      if (!bpf_request_bio_try_merge(cand, bio, nr_segs)) return null;
      merged.value = true;
      const free =
        cand_start === end
          ? merge_bio_left_unlock(tree, snode, cand)
          : merge_bio_right_unlock(tree, snode, cand);
      stat_add(UFQ_SIMP_BIOMERGE_CNT, 1);
      stat_add(UFQ_SIMP_BIOMERGE_SIZE, bio.bi_iter.bi_size);
      return free;
    } else return null;
  }
  return null;
}

/**
 * The loader's counters (ufq_simple.c read_stats), cumulative for the loaded program, under the
 * rev-2+ names (rev-1's loader prints RQMERGE as "merge"; BIOMERGE stays 0 there).
 */
function ufq_simple_dump(): Record<string, unknown> {
  const out: Record<string, number> = {};
  for (let i = 0; i < UFQ_SIMP_STAT_MAX; i++) out[STAT_NAMES[i]] = stats[i];
  return { stats: out, disks: ufq_map.size };
}

export default {
  name: 'ufq_simple',
  init_sched: ufq_simple_init_sched,
  exit_sched: ufq_simple_exit_sched,
  insert_req: ufq_simple_insert_req,
  dispatch_req: ufq_simple_dispatch_req,
  has_req: ufq_simple_has_req,
  finish_req: ufq_simple_finish_req,
  next_req: ufq_simple_next_req,
  former_req: ufq_simple_former_req,
  merge_req: ufq_simple_merge_req,
  merge_bio: ufq_simple_merge_bio,
  dump: ufq_simple_dump,
} satisfies UfqOps;
