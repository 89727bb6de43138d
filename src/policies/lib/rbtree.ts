// The Linux red-black tree (lib/rbtree.c, include/linux/rbtree.h) and the BPF rbtree kfuncs
// built on it (kernel/bpf/helpers.c). Insert and erase take the same rotation and recolouring
// steps as the kernel, so one operation sequence gives the kernel's tree shape: ufq_simple's
// merge search and PFQ's bounded lookups descend child links, so shape changes results
// (ufq-model §4.6, §6 item 6). Differences from C: colour is its own field instead of the low
// bit of the parent pointer; erase always clears the node (rb_erase + RB_CLEAR_NODE); every
// root caches its leftmost node (rb_root_cached) and its size. Not augmented: no policy uses it.

import { InvariantError } from '../../errors.js';
import { EINVAL } from './errno.js';

export const RB_RED = 0;
export const RB_BLACK = 1;
export type RbColor = typeof RB_RED | typeof RB_BLACK;

/** A tree node carrying `value` (struct rb_node / bpf_rb_node embedded in the policy's struct). */
export class RbNode<T> {
  /** Parent node; null at the root; the node itself while not in a tree (RB_CLEAR_NODE). */
  rb_parent: RbNode<T> | null;
  rb_left: RbNode<T> | null = null;
  rb_right: RbNode<T> | null = null;
  rb_color: RbColor = RB_RED;
  /** Tree the node is linked in, or null (bpf_rb_node_kern.owner). */
  owner: RbRoot<T> | null = null;
  value: T;

  constructor(value: T) {
    this.value = value;
    this.rb_parent = this;
  }
}

/** A tree (struct rb_root_cached / bpf_rb_root). */
export class RbRoot<T> {
  rb_node: RbNode<T> | null = null;
  /** Leftmost node, kept up to date by every insert and erase (rb_root_cached.rb_leftmost). */
  rb_leftmost: RbNode<T> | null = null;
  /** Nodes currently linked. */
  count = 0;
}

export type RbLess<T> = (a: RbNode<T>, b: RbNode<T>) => boolean;

/** include/linux/rbtree.h RB_EMPTY_NODE: true while the node is in no tree. */
export function RB_EMPTY_NODE<T>(node: RbNode<T>): boolean {
  return node.rb_parent === node;
}

/** include/linux/rbtree.h RB_CLEAR_NODE: marks the node as in no tree. */
export function RB_CLEAR_NODE<T>(node: RbNode<T>): void {
  node.rb_parent = node;
  node.rb_left = null;
  node.rb_right = null;
  node.rb_color = RB_RED;
  node.owner = null;
}

export function RB_EMPTY_ROOT<T>(root: RbRoot<T>): boolean {
  return root.rb_node === null;
}

function change_child<T>(
  old: RbNode<T>,
  nw: RbNode<T> | null,
  parent: RbNode<T> | null,
  root: RbRoot<T>,
): void {
  if (parent === null) root.rb_node = nw;
  else if (parent.rb_left === old) parent.rb_left = nw;
  else parent.rb_right = nw;
}

// lib/rbtree.c __rb_rotate_set_parents: `nw` takes `old`'s place (parent and colour) and
// `old` hangs below `nw` with `color`.
function rotate_set_parents<T>(old: RbNode<T>, nw: RbNode<T>, root: RbRoot<T>, color: RbColor): void {
  const parent = old.rb_parent;
  nw.rb_parent = parent;
  nw.rb_color = old.rb_color;
  old.rb_parent = nw;
  old.rb_color = color;
  change_child(old, nw, parent, root);
}

/**
 * Links `node` as the `side` child of `parent` (or as the root), red, with no children
 * (rb_link_node). Call rb_insert_color next. Throws InvariantError if the node is already in a
 * tree or the slot is taken.
 */
export function rb_link_node<T>(
  node: RbNode<T>,
  parent: RbNode<T> | null,
  side: 'left' | 'right' | 'root',
  root: RbRoot<T>,
): void {
  if (node.owner !== null) throw new InvariantError('rb_link_node: node is already in a tree');
  if (side === 'root') {
    if (parent !== null || root.rb_node !== null)
      throw new InvariantError('rb_link_node: root slot is not empty');
    root.rb_node = node;
    root.rb_leftmost = node;
  } else {
    if (parent === null || parent.owner !== root)
      throw new InvariantError('rb_link_node: parent is not in this tree');
    if (side === 'left') {
      if (parent.rb_left !== null) throw new InvariantError('rb_link_node: left slot is taken');
      parent.rb_left = node;
      if (parent === root.rb_leftmost) root.rb_leftmost = node;
    } else {
      if (parent.rb_right !== null) throw new InvariantError('rb_link_node: right slot is taken');
      parent.rb_right = node;
    }
  }
  node.rb_parent = parent;
  node.rb_color = RB_RED;
  node.rb_left = null;
  node.rb_right = null;
  node.owner = root;
  root.count++;
}

/** Rebalances after rb_link_node (lib/rbtree.c __rb_insert, same cases in the same order). */
export function rb_insert_color<T>(node: RbNode<T>, root: RbRoot<T>): void {
  let parent = node.rb_parent;
  for (;;) {
    // The node is red here; a black parent (or none) ends the walk.
    if (parent === null) {
      node.rb_color = RB_BLACK;
      return;
    }
    if (parent.rb_color === RB_BLACK) return;
    // A red parent is never the root, so the grandparent exists.
    const gparent = parent.rb_parent as RbNode<T>;
    let tmp = gparent.rb_right;
    if (parent !== tmp) {
      if (tmp !== null && tmp.rb_color === RB_RED) {
        // Case 1, red uncle: push blackness down from the grandparent and retry there.
        tmp.rb_color = RB_BLACK;
        parent.rb_color = RB_BLACK;
        node = gparent;
        parent = node.rb_parent;
        node.rb_color = RB_RED;
        continue;
      }
      tmp = parent.rb_right;
      if (node === tmp) {
        // Case 2, node is an inner child: rotate left at parent to make it outer.
        tmp = node.rb_left;
        parent.rb_right = tmp;
        node.rb_left = parent;
        if (tmp !== null) {
          tmp.rb_parent = parent;
          tmp.rb_color = RB_BLACK;
        }
        parent.rb_parent = node;
        parent.rb_color = RB_RED;
        parent = node;
        tmp = node.rb_right;
      }
      // Case 3, outer child: rotate right at the grandparent.
      gparent.rb_left = tmp;
      parent.rb_right = gparent;
      if (tmp !== null) {
        tmp.rb_parent = gparent;
        tmp.rb_color = RB_BLACK;
      }
      rotate_set_parents(gparent, parent, root, RB_RED);
      return;
    }
    tmp = gparent.rb_left;
    if (tmp !== null && tmp.rb_color === RB_RED) {
      // Case 1, mirrored.
      tmp.rb_color = RB_BLACK;
      parent.rb_color = RB_BLACK;
      node = gparent;
      parent = node.rb_parent;
      node.rb_color = RB_RED;
      continue;
    }
    tmp = parent.rb_left;
    if (node === tmp) {
      // Case 2, mirrored: rotate right at parent.
      tmp = node.rb_right;
      parent.rb_left = tmp;
      node.rb_right = parent;
      if (tmp !== null) {
        tmp.rb_parent = parent;
        tmp.rb_color = RB_BLACK;
      }
      parent.rb_parent = node;
      parent.rb_color = RB_RED;
      parent = node;
      tmp = node.rb_left;
    }
    // Case 3, mirrored: rotate left at the grandparent.
    gparent.rb_right = tmp;
    parent.rb_left = gparent;
    if (tmp !== null) {
      tmp.rb_parent = gparent;
      tmp.rb_color = RB_BLACK;
    }
    rotate_set_parents(gparent, parent, root, RB_RED);
    return;
  }
}

// lib/rbtree.c ____rb_erase_color: every path through `parent` on the side of `node` (null at
// first) is one black short; rotate and recolour until it is not.
function erase_color<T>(start: RbNode<T>, root: RbRoot<T>): void {
  let parent: RbNode<T> = start;
  let node: RbNode<T> | null = null;
  for (;;) {
    // The short side has a black height of at least 0 while the other side has at least 1,
    // so the sibling always exists.
    let sibling = parent.rb_right as RbNode<T>;
    // QUIRK: with node null and no right child the node is taken to be the right child, as in C.
    if (node !== sibling) {
      if (sibling.rb_color === RB_RED) {
        // Case 1, red sibling: rotate left at parent so the sibling becomes black.
        const tmp1 = sibling.rb_left as RbNode<T>;
        parent.rb_right = tmp1;
        sibling.rb_left = parent;
        tmp1.rb_parent = parent;
        tmp1.rb_color = RB_BLACK;
        rotate_set_parents(parent, sibling, root, RB_RED);
        sibling = tmp1;
      }
      let tmp1 = sibling.rb_right;
      if (tmp1 === null || tmp1.rb_color === RB_BLACK) {
        const tmp2 = sibling.rb_left;
        if (tmp2 === null || tmp2.rb_color === RB_BLACK) {
          // Case 2, black nephews: redden the sibling; fix at parent or move up.
          sibling.rb_color = RB_RED;
          if (parent.rb_color === RB_RED) {
            parent.rb_color = RB_BLACK;
          } else {
            node = parent;
            const up = node.rb_parent;
            if (up !== null) {
              parent = up;
              continue;
            }
          }
          return;
        }
        // Case 3, only the near nephew is red: rotate right at the sibling.
        tmp1 = tmp2.rb_right;
        sibling.rb_left = tmp1;
        tmp2.rb_right = sibling;
        parent.rb_right = tmp2;
        if (tmp1 !== null) {
          tmp1.rb_parent = sibling;
          tmp1.rb_color = RB_BLACK;
        }
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Case 4, far nephew red: rotate left at parent and recolour.
      const tmp2 = sibling.rb_left;
      parent.rb_right = tmp2;
      sibling.rb_left = parent;
      tmp1.rb_parent = sibling;
      tmp1.rb_color = RB_BLACK;
      if (tmp2 !== null) tmp2.rb_parent = parent;
      rotate_set_parents(parent, sibling, root, RB_BLACK);
      return;
    }
    sibling = parent.rb_left as RbNode<T>;
    if (sibling.rb_color === RB_RED) {
      // Case 1, mirrored: rotate right at parent.
      const tmp1 = sibling.rb_right as RbNode<T>;
      parent.rb_left = tmp1;
      sibling.rb_right = parent;
      tmp1.rb_parent = parent;
      tmp1.rb_color = RB_BLACK;
      rotate_set_parents(parent, sibling, root, RB_RED);
      sibling = tmp1;
    }
    let tmp1 = sibling.rb_left;
    if (tmp1 === null || tmp1.rb_color === RB_BLACK) {
      const tmp2 = sibling.rb_right;
      if (tmp2 === null || tmp2.rb_color === RB_BLACK) {
        // Case 2, mirrored.
        sibling.rb_color = RB_RED;
        if (parent.rb_color === RB_RED) {
          parent.rb_color = RB_BLACK;
        } else {
          node = parent;
          const up = node.rb_parent;
          if (up !== null) {
            parent = up;
            continue;
          }
        }
        return;
      }
      // Case 3, mirrored: rotate left at the sibling.
      tmp1 = tmp2.rb_left;
      sibling.rb_right = tmp1;
      tmp2.rb_left = sibling;
      parent.rb_left = tmp2;
      if (tmp1 !== null) {
        tmp1.rb_parent = sibling;
        tmp1.rb_color = RB_BLACK;
      }
      tmp1 = sibling;
      sibling = tmp2;
    }
    // Case 4, mirrored: rotate right at parent and recolour.
    const tmp2 = sibling.rb_right;
    parent.rb_left = tmp2;
    sibling.rb_right = parent;
    tmp1.rb_parent = sibling;
    tmp1.rb_color = RB_BLACK;
    if (tmp2 !== null) tmp2.rb_parent = parent;
    rotate_set_parents(parent, sibling, root, RB_BLACK);
    return;
  }
}

// include/linux/rbtree_augmented.h __rb_erase_augmented without callbacks: unlinks the node
// and returns where rebalancing must start, or null when local recolouring sufficed.
function erase_node<T>(node: RbNode<T>, root: RbRoot<T>): RbNode<T> | null {
  const child = node.rb_right;
  const left = node.rb_left;
  const nodeParent = node.rb_parent;
  if (left === null) {
    // At most one child (the right one); a lone child is red under a black node.
    change_child(node, child, nodeParent, root);
    if (child !== null) {
      child.rb_parent = nodeParent;
      child.rb_color = node.rb_color;
      return null;
    }
    return node.rb_color === RB_BLACK ? nodeParent : null;
  }
  if (child === null) {
    // Only a left child: it takes the node's place and colour.
    left.rb_parent = nodeParent;
    left.rb_color = node.rb_color;
    change_child(node, left, nodeParent, root);
    return null;
  }
  // Two children: the in-order successor takes the node's place and colour.
  let successor = child;
  let parent: RbNode<T>;
  let child2: RbNode<T> | null;
  let tmp = child.rb_left;
  if (tmp === null) {
    // The successor is the right child itself.
    parent = successor;
    child2 = successor.rb_right;
  } else {
    // The successor is the leftmost node under the right child.
    do {
      parent = successor;
      successor = tmp;
      tmp = tmp.rb_left;
    } while (tmp !== null);
    child2 = successor.rb_right;
    parent.rb_left = child2;
    successor.rb_right = child;
    child.rb_parent = successor;
  }
  successor.rb_left = left;
  left.rb_parent = successor;
  change_child(node, successor, nodeParent, root);
  const successorWasBlack = successor.rb_color === RB_BLACK;
  successor.rb_parent = nodeParent;
  successor.rb_color = node.rb_color;
  if (child2 !== null) {
    child2.rb_parent = parent;
    child2.rb_color = RB_BLACK;
    return null;
  }
  return successorWasBlack ? parent : null;
}

/**
 * Removes `node` from `root` and rebalances (lib/rbtree.c rb_erase), then clears the node so
 * RB_EMPTY_NODE is true. Throws InvariantError if the node is not in this tree.
 */
export function rb_erase<T>(node: RbNode<T>, root: RbRoot<T>): void {
  if (node.owner !== root) throw new InvariantError('rb_erase: node is not in this tree');
  // include/linux/rbtree.h rb_erase_cached: the successor becomes leftmost.
  if (root.rb_leftmost === node) root.rb_leftmost = rb_next(node);
  const rebalance = erase_node(node, root);
  if (rebalance !== null) erase_color(rebalance, root);
  RB_CLEAR_NODE(node);
  root.count--;
}

/** Leftmost node by walking left links (lib/rbtree.c rb_first); null if empty. */
export function rb_first<T>(root: RbRoot<T>): RbNode<T> | null {
  let n = root.rb_node;
  if (n === null) return null;
  while (n.rb_left !== null) n = n.rb_left;
  return n;
}

/** Cached leftmost node (include/linux/rbtree.h rb_first_cached); same node as rb_first. */
export function rb_first_cached<T>(root: RbRoot<T>): RbNode<T> | null {
  return root.rb_leftmost;
}

/** Rightmost node (lib/rbtree.c rb_last); null if empty. */
export function rb_last<T>(root: RbRoot<T>): RbNode<T> | null {
  let n = root.rb_node;
  if (n === null) return null;
  while (n.rb_right !== null) n = n.rb_right;
  return n;
}

/** In-order successor (lib/rbtree.c rb_next); null at the end or for a node in no tree. */
export function rb_next<T>(node: RbNode<T>): RbNode<T> | null {
  if (RB_EMPTY_NODE(node)) return null;
  let n = node.rb_right;
  if (n !== null) {
    while (n.rb_left !== null) n = n.rb_left;
    return n;
  }
  // Climb while coming up from a right child; the first left-child ancestor's parent is next.
  let cur = node;
  let parent = cur.rb_parent;
  while (parent !== null && cur === parent.rb_right) {
    cur = parent;
    parent = cur.rb_parent;
  }
  return parent;
}

/** In-order predecessor (lib/rbtree.c rb_prev); null at the start or for a node in no tree. */
export function rb_prev<T>(node: RbNode<T>): RbNode<T> | null {
  if (RB_EMPTY_NODE(node)) return null;
  let n = node.rb_left;
  if (n !== null) {
    while (n.rb_right !== null) n = n.rb_right;
    return n;
  }
  let cur = node;
  let parent = cur.rb_parent;
  while (parent !== null && cur === parent.rb_left) {
    cur = parent;
    parent = cur.rb_parent;
  }
  return parent;
}

/**
 * Inserts `node` where `less(node, existing)` says, going right on ties, so equal keys keep
 * insertion order (include/linux/rbtree.h rb_add). Throws InvariantError if already in a tree.
 */
export function rb_add<T>(node: RbNode<T>, root: RbRoot<T>, less: RbLess<T>): void {
  let parent = root.rb_node;
  if (parent === null) {
    rb_link_node(node, null, 'root', root);
  } else {
    for (;;) {
      if (less(node, parent)) {
        if (parent.rb_left === null) {
          rb_link_node(node, parent, 'left', root);
          break;
        }
        parent = parent.rb_left;
      } else {
        if (parent.rb_right === null) {
          rb_link_node(node, parent, 'right', root);
          break;
        }
        parent = parent.rb_right;
      }
    }
  }
  rb_insert_color(node, root);
}

/**
 * Any node whose `cmp(key, node)` is 0 (include/linux/rbtree.h rb_find); cmp < 0 means the key
 * sorts before the node. Null if none.
 */
export function rb_find<K, T>(
  key: K,
  root: RbRoot<T>,
  cmp: (key: K, node: RbNode<T>) => number,
): RbNode<T> | null {
  let n = root.rb_node;
  while (n !== null) {
    const c = cmp(key, n);
    if (c < 0) n = n.rb_left;
    else if (c > 0) n = n.rb_right;
    else return n;
  }
  return null;
}

/** The leftmost node whose `cmp(key, node)` is 0 (include/linux/rbtree.h rb_find_first). */
export function rb_find_first<K, T>(
  key: K,
  root: RbRoot<T>,
  cmp: (key: K, node: RbNode<T>) => number,
): RbNode<T> | null {
  let n = root.rb_node;
  let match: RbNode<T> | null = null;
  while (n !== null) {
    const c = cmp(key, n);
    if (c <= 0) {
      if (c === 0) match = n;
      n = n.rb_left;
    } else {
      n = n.rb_right;
    }
  }
  return match;
}

// --- BPF kfuncs (kernel/bpf/helpers.c), with the ownership checks policies can observe. ---

/**
 * bpf_rbtree_add: inserts with `less(new, existing)`, ties to the right. Returns 0, or -EINVAL
 * if the node is already in a tree (the kernel then also drops the object).
 */
export function bpf_rbtree_add<T>(root: RbRoot<T>, node: RbNode<T>, less: RbLess<T>): number {
  if (node.owner !== null) return -EINVAL;
  rb_add(node, root, less);
  return 0;
}

/** bpf_rbtree_first: the leftmost node (rb_first_cached), or null. */
export function bpf_rbtree_first<T>(root: RbRoot<T>): RbNode<T> | null {
  return root.rb_leftmost;
}

/** bpf_rbtree_remove: erases `node` and returns it, or null if it is not in this tree. */
export function bpf_rbtree_remove<T>(root: RbRoot<T>, node: RbNode<T>): RbNode<T> | null {
  if (node.owner !== root) return null;
  rb_erase(node, root);
  return node;
}

/** bpf_rbtree_root: the root node, or null if empty. */
export function bpf_rbtree_root<T>(root: RbRoot<T>): RbNode<T> | null {
  return root.rb_node;
}

/** bpf_rbtree_left: the left child, or null (also when `node` is not in this tree). */
export function bpf_rbtree_left<T>(root: RbRoot<T>, node: RbNode<T>): RbNode<T> | null {
  if (node.owner !== root) return null;
  return node.rb_left;
}

/** bpf_rbtree_right: the right child, or null (also when `node` is not in this tree). */
export function bpf_rbtree_right<T>(root: RbRoot<T>, node: RbNode<T>): RbNode<T> | null {
  if (node.owner !== root) return null;
  return node.rb_right;
}
