// Test helpers for the red-black tree: a shape serialiser and a full invariant check.

import { RB_BLACK, RB_RED, type RbNode, type RbRoot, rb_first } from '../../../src/policies/lib/rbtree.js';

/** `<label><R|B>(<left>,<right>)`, `-` for a missing child, children omitted at leaves. */
export function shape<T>(root: RbRoot<T>, label: (v: T) => string | number = String): string {
  const walk = (n: RbNode<T> | null): string => {
    if (n === null) return '-';
    const me = `${label(n.value)}${n.rb_color === RB_RED ? 'R' : 'B'}`;
    if (n.rb_left === null && n.rb_right === null) return me;
    return `${me}(${walk(n.rb_left)},${walk(n.rb_right)})`;
  };
  return root.rb_node === null ? '' : walk(root.rb_node);
}

/**
 * Throws (with a reason) unless the tree is a valid red-black tree: black root, no red node
 * with a red child, equal black height on every path, consistent parent and owner links,
 * count and cached leftmost correct. Returns the in-order values.
 */
export function checkTree<T>(root: RbRoot<T>): T[] {
  const out: T[] = [];
  const walk = (n: RbNode<T> | null, parent: RbNode<T> | null): number => {
    if (n === null) return 1;
    if (n.rb_parent !== parent) throw new Error(`bad parent link at ${String(n.value)}`);
    if (n.owner !== root) throw new Error(`bad owner at ${String(n.value)}`);
    if (n.rb_color === RB_RED && parent !== null && parent.rb_color === RB_RED)
      throw new Error(`red-red at ${String(n.value)}`);
    const hl = walk(n.rb_left, n);
    out.push(n.value);
    const hr = walk(n.rb_right, n);
    if (hl !== hr) throw new Error(`black heights ${hl} != ${hr} under ${String(n.value)}`);
    return hl + (n.rb_color === RB_BLACK ? 1 : 0);
  };
  if (root.rb_node !== null && root.rb_node.rb_color !== RB_BLACK) throw new Error('red root');
  walk(root.rb_node, null);
  if (out.length !== root.count) throw new Error(`count ${root.count} != ${out.length} nodes`);
  if (root.rb_leftmost !== rb_first(root)) throw new Error('stale cached leftmost');
  return out;
}
