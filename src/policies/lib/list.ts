// The Linux circular doubly linked list (include/linux/list.h) for policy and scheduler code,
// and the BPF list kfuncs built on it (kernel/bpf/helpers.c bpf_list_push_*/pop_*). A head is
// a sentinel; an entry is a ListNode carrying `value` (the container_of of C). Differences
// from C: a node off any list is always self-linked (list_del poisoning is replaced by
// list_del_init), linking a node that is already on a list throws InvariantError (as
// CONFIG_DEBUG_LIST would warn), and list_first_entry on an empty list throws instead of
// returning the head reinterpreted.

import { InvariantError } from '../../errors.js';
import { EINVAL } from './errno.js';

/** struct list_head: a list's sentinel, and the link part of every entry. */
export class ListHead<T> {
  next: ListHead<T>;
  prev: ListHead<T>;

  constructor() {
    // INIT_LIST_HEAD
    this.next = this;
    this.prev = this;
  }
}

/** An entry: the link plus its value (struct bpf_list_node_kern with its container). */
export class ListNode<T> extends ListHead<T> {
  /** Head of the list the BPF kfuncs put this node on, or null (bpf_list_node_kern.owner). */
  owner: ListHead<T> | null = null;
  value: T;

  constructor(value: T) {
    super();
    this.value = value;
  }
}

export function INIT_LIST_HEAD<T>(head: ListHead<T>): void {
  head.next = head;
  head.prev = head;
}

function link_between<T>(n: ListHead<T>, prev: ListHead<T>, next: ListHead<T>): void {
  if (n.next !== n) throw new InvariantError('list_add: node is already on a list');
  next.prev = n;
  n.next = next;
  n.prev = prev;
  prev.next = n;
}

/** Inserts `n` right after `head` (list_add): at the front when `head` is a list head. */
export function list_add<T>(n: ListNode<T>, head: ListHead<T>): void {
  link_between(n, head, head.next);
}

/** Inserts `n` right before `head` (list_add_tail): at the back when `head` is a list head. */
export function list_add_tail<T>(n: ListNode<T>, head: ListHead<T>): void {
  link_between(n, head.prev, head);
}

/** Unlinks `entry` and leaves it self-linked (list_del_init); harmless on an unlinked node. */
export function list_del_init<T>(entry: ListNode<T>): void {
  const prev = entry.prev;
  const next = entry.next;
  next.prev = prev;
  prev.next = next;
  entry.next = entry;
  entry.prev = entry;
  entry.owner = null;
}

/** True if `head` has no entries (list_empty); for an entry, true if it is on no list. */
export function list_empty<T>(head: ListHead<T>): boolean {
  return head.next === head;
}

/** True if the list has exactly one entry (list_is_singular). */
export function list_is_singular<T>(head: ListHead<T>): boolean {
  return head.next !== head && head.next === head.prev;
}

/** True if `entry` is the last entry of the list headed by `head` (list_is_last). */
export function list_is_last<T>(entry: ListHead<T>, head: ListHead<T>): boolean {
  return entry.next === head;
}

/** First entry (list_first_entry). Throws InvariantError on an empty list. */
export function list_first_entry<T>(head: ListHead<T>): ListNode<T> {
  if (head.next === head) throw new InvariantError('list_first_entry: list is empty');
  return head.next as ListNode<T>;
}

/** Last entry (list_last_entry). Throws InvariantError on an empty list. */
export function list_last_entry<T>(head: ListHead<T>): ListNode<T> {
  if (head.prev === head) throw new InvariantError('list_last_entry: list is empty');
  return head.prev as ListNode<T>;
}

/** First entry, or null if empty (list_first_entry_or_null). */
export function list_first_entry_or_null<T>(head: ListHead<T>): ListNode<T> | null {
  return head.next === head ? null : (head.next as ListNode<T>);
}

/** Last entry, or null if empty (list_last_entry_or_null). */
export function list_last_entry_or_null<T>(head: ListHead<T>): ListNode<T> | null {
  return head.prev === head ? null : (head.prev as ListNode<T>);
}

/** Entry after `entry` in the list headed by `head`, or null at the end. */
export function list_next_entry_or_null<T>(entry: ListNode<T>, head: ListHead<T>): ListNode<T> | null {
  return entry.next === head ? null : (entry.next as ListNode<T>);
}

/** Entry before `entry` in the list headed by `head`, or null at the start. */
export function list_prev_entry_or_null<T>(entry: ListNode<T>, head: ListHead<T>): ListNode<T> | null {
  return entry.prev === head ? null : (entry.prev as ListNode<T>);
}

/** Moves `entry` from its list to the front of `head` (list_move). */
export function list_move<T>(entry: ListNode<T>, head: ListHead<T>): void {
  list_del_init(entry);
  list_add(entry, head);
}

/** Moves `entry` from its list to the back of `head` (list_move_tail). */
export function list_move_tail<T>(entry: ListNode<T>, head: ListHead<T>): void {
  list_del_init(entry);
  list_add_tail(entry, head);
}

function splice_between<T>(list: ListHead<T>, prev: ListHead<T>, next: ListHead<T>): void {
  const first = list.next;
  const last = list.prev;
  first.prev = prev;
  prev.next = first;
  last.next = next;
  next.prev = last;
  INIT_LIST_HEAD(list);
}

/** Moves every entry of `list` to the front of `head`, keeping order; `list` ends empty (list_splice_init). */
export function list_splice_init<T>(list: ListHead<T>, head: ListHead<T>): void {
  if (list.next !== list) splice_between(list, head, head.next);
}

/** Moves every entry of `list` to the back of `head`, keeping order; `list` ends empty (list_splice_tail_init). */
export function list_splice_tail_init<T>(list: ListHead<T>, head: ListHead<T>): void {
  if (list.next !== list) splice_between(list, head.prev, head);
}

/** Number of entries (list_count_nodes); walks the list. */
export function list_count_nodes<T>(head: ListHead<T>): number {
  let n = 0;
  for (let p = head.next; p !== head; p = p.next) n++;
  return n;
}

/**
 * Calls `fn` on each entry from front to back (list_for_each_entry_safe): `fn` may unlink the
 * entry it is given, but not the one after it. Returning `false` stops the walk.
 */
export function list_for_each_entry<T>(head: ListHead<T>, fn: (entry: ListNode<T>) => unknown): void {
  for (let p = head.next, nx = p.next; p !== head; p = nx, nx = p.next) {
    if (fn(p as ListNode<T>) === false) return;
  }
}

/** The entries' values from front to back, as a new array (for dumps and tests). */
export function list_values<T>(head: ListHead<T>): T[] {
  const out: T[] = [];
  for (let p = head.next; p !== head; p = p.next) out.push((p as ListNode<T>).value);
  return out;
}

// --- BPF kfuncs (kernel/bpf/helpers.c __bpf_list_add / __bpf_list_del). ---

function bpf_list_add<T>(head: ListHead<T>, node: ListNode<T>, tail: boolean): number {
  // A node owned by any list is refused (the kernel then also drops the object).
  if (node.owner !== null || node.next !== node) return -EINVAL;
  if (tail) list_add_tail(node, head);
  else list_add(node, head);
  node.owner = head;
  return 0;
}

function bpf_list_del<T>(head: ListHead<T>, tail: boolean): ListNode<T> | null {
  if (head.next === head) return null;
  const n = (tail ? head.prev : head.next) as ListNode<T>;
  // The kernel warns once and returns null when the entry's owner is not this head.
  if (n.owner !== head) return null;
  list_del_init(n);
  return n;
}

/** bpf_list_push_front: 0, or -EINVAL if the node is already on a list. */
export function bpf_list_push_front<T>(head: ListHead<T>, node: ListNode<T>): number {
  return bpf_list_add(head, node, false);
}

/** bpf_list_push_back: 0, or -EINVAL if the node is already on a list. */
export function bpf_list_push_back<T>(head: ListHead<T>, node: ListNode<T>): number {
  return bpf_list_add(head, node, true);
}

/** bpf_list_pop_front: removes and returns the first entry, or null if empty. */
export function bpf_list_pop_front<T>(head: ListHead<T>): ListNode<T> | null {
  return bpf_list_del(head, false);
}

/** bpf_list_pop_back: removes and returns the last entry, or null if empty. */
export function bpf_list_pop_back<T>(head: ListHead<T>): ListNode<T> | null {
  return bpf_list_del(head, true);
}

/** bpf_list_front: the first entry without removing it, or null if empty. */
export function bpf_list_front<T>(head: ListHead<T>): ListNode<T> | null {
  return head.next === head ? null : (head.next as ListNode<T>);
}

/** bpf_list_back: the last entry without removing it, or null if empty. */
export function bpf_list_back<T>(head: ListHead<T>): ListNode<T> | null {
  return head.prev === head ? null : (head.prev as ListNode<T>);
}
