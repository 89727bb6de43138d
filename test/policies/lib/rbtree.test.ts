// Red-black tree: order and invariants against a sorted-array model, Linux shape against the
// textbook oracle under random insert/erase sequences, and the BPF kfunc ownership rules.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../../src/errors.js';
import { EINVAL } from '../../../src/policies/lib/errno.js';
import {
  bpf_rbtree_add,
  bpf_rbtree_first,
  bpf_rbtree_left,
  bpf_rbtree_remove,
  bpf_rbtree_right,
  bpf_rbtree_root,
  RB_EMPTY_NODE,
  RbNode,
  RbRoot,
  rb_add,
  rb_erase,
  rb_find,
  rb_find_first,
  rb_first,
  rb_first_cached,
  rb_insert_color,
  rb_last,
  rb_link_node,
  rb_next,
  rb_prev,
} from '../../../src/policies/lib/rbtree.js';
import { ClrsTree } from './clrs-oracle.js';
import { checkTree, shape } from './rb-helpers.js';

interface Item {
  key: number;
  id: number;
}
const lessItem = (a: RbNode<Item>, b: RbNode<Item>): boolean => a.value.key < b.value.key;
const lessNum = (a: RbNode<number>, b: RbNode<number>): boolean => a.value < b.value;

type Op = { ins: number } | { del: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 40 }).map((k) => ({ ins: k })) },
  { weight: 2, arbitrary: fc.nat().map((i) => ({ del: i })) },
);

/** In-order items by rb_first/rb_next, and the same backwards by rb_last/rb_prev. */
function walkBoth(root: RbRoot<Item>): { fwd: number[]; back: number[] } {
  const fwd: number[] = [];
  for (let n = rb_first(root); n !== null; n = rb_next(n)) fwd.push(n.value.id);
  const back: number[] = [];
  for (let n = rb_last(root); n !== null; n = rb_prev(n)) back.push(n.value.id);
  return { fwd, back: back.reverse() };
}

describe('rbtree properties', () => {
  test.prop([fc.array(opArb, { maxLength: 300 })])(
    'random insert/erase keeps order, invariants and the Linux shape',
    (ops) => {
      const root = new RbRoot<Item>();
      const oracle = new ClrsTree();
      // Model: items in stable key order (equal keys in insertion order).
      let model: Item[] = [];
      const live: RbNode<Item>[] = [];
      let nextId = 0;
      for (const op of ops) {
        if ('ins' in op) {
          const item = { key: op.ins, id: nextId++ };
          const n = new RbNode(item);
          rb_add(n, root, lessItem);
          oracle.insert(item.key, item.id);
          live.push(n);
          const at = model.findIndex((m) => m.key > item.key);
          model = at < 0 ? [...model, item] : [...model.slice(0, at), item, ...model.slice(at)];
        } else {
          if (live.length === 0) continue;
          const [n] = live.splice(op.del % live.length, 1);
          rb_erase(n, root);
          oracle.remove(n.value.id);
          expect(RB_EMPTY_NODE(n)).toBe(true);
          model = model.filter((m) => m.id !== n.value.id);
        }
        const inorder = checkTree(root);
        expect(inorder.map((v) => v.id)).toEqual(model.map((m) => m.id));
        expect(shape(root, (v) => v.id)).toBe(oracle.shape());
      }
      const { fwd, back } = walkBoth(root);
      expect(fwd).toEqual(model.map((m) => m.id));
      expect(back).toEqual(fwd);
      expect(rb_first_cached(root)).toBe(rb_first(root));
    },
  );

  test.prop([fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 60 })])(
    'equal keys keep insertion order (rb_add sends ties right)',
    (keys) => {
      const root = new RbRoot<Item>();
      keys.forEach((key, id) => {
        rb_add(new RbNode({ key, id }), root, lessItem);
      });
      const expected = keys
        .map((key, id) => ({ key, id }))
        .sort((a, b) => a.key - b.key || a.id - b.id)
        .map((i) => i.id);
      expect(walkBoth(root).fwd).toEqual(expected);
    },
  );

  test.prop([
    fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { maxLength: 80 }),
    fc.integer({ min: -5, max: 1005 }),
  ])('rb_find and rb_find_first agree with the sorted keys', (keys, probe) => {
    const root = new RbRoot<number>();
    for (const k of keys) rb_add(new RbNode(k), root, lessNum);
    const cmp = (key: number, n: RbNode<number>): number => key - n.value;
    const found = rb_find(probe, root, cmp);
    expect(found?.value ?? null).toBe(keys.includes(probe) ? probe : null);
    expect(rb_find_first(probe, root, cmp)).toBe(found);
  });
});

describe('rbtree API', () => {
  it('rb_find_first returns the leftmost of equal keys', () => {
    const root = new RbRoot<Item>();
    const nodes = [5, 3, 5, 5, 7, 5].map((key, id) => new RbNode({ key, id }));
    for (const n of nodes) rb_add(n, root, lessItem);
    const hit = rb_find_first(5, root, (k: number, n: RbNode<Item>) => k - n.value.key);
    expect(hit?.value.id).toBe(0);
  });

  it('rb_link_node + rb_insert_color build the same tree as rb_add', () => {
    const root = new RbRoot<number>();
    const a = new RbNode(2);
    const b = new RbNode(1);
    const c = new RbNode(3);
    rb_link_node(a, null, 'root', root);
    rb_insert_color(a, root);
    rb_link_node(b, a, 'left', root);
    rb_insert_color(b, root);
    rb_link_node(c, a, 'right', root);
    rb_insert_color(c, root);
    expect(shape(root)).toBe('2B(1R,3R)');
    expect(root.count).toBe(3);
    expect(rb_first_cached(root)).toBe(b);
    expect(() => rb_link_node(new RbNode(0), a, 'left', root)).toThrow(InvariantError);
    expect(() => rb_link_node(a, b, 'left', root)).toThrow(InvariantError);
  });

  it('erase clears the node; a second erase throws; rb_next of a cleared node is null', () => {
    const root = new RbRoot<number>();
    const nodes = [1, 2, 3].map((k) => new RbNode(k));
    for (const n of nodes) rb_add(n, root, lessNum);
    rb_erase(nodes[1], root);
    expect(RB_EMPTY_NODE(nodes[1])).toBe(true);
    expect(nodes[1].owner).toBeNull();
    expect(rb_next(nodes[1])).toBeNull();
    expect(rb_prev(nodes[1])).toBeNull();
    expect(() => rb_erase(nodes[1], root)).toThrow(InvariantError);
    expect(() => rb_erase(nodes[0], new RbRoot<number>())).toThrow(InvariantError);
    // A cleared node can be inserted again.
    rb_add(nodes[1], root, lessNum);
    expect(checkTree(root)).toEqual([1, 2, 3]);
  });

  it('empty tree: first, last and cached first are null', () => {
    const root = new RbRoot<number>();
    expect(rb_first(root)).toBeNull();
    expect(rb_last(root)).toBeNull();
    expect(bpf_rbtree_first(root)).toBeNull();
    expect(bpf_rbtree_root(root)).toBeNull();
  });
});

describe('BPF rbtree kfuncs (kernel/bpf/helpers.c)', () => {
  it('bpf_rbtree_add refuses a node already in a tree with -EINVAL', () => {
    const t1 = new RbRoot<number>();
    const t2 = new RbRoot<number>();
    const n = new RbNode(1);
    expect(bpf_rbtree_add(t1, n, lessNum)).toBe(0);
    expect(bpf_rbtree_add(t1, n, lessNum)).toBe(-EINVAL);
    expect(bpf_rbtree_add(t2, n, lessNum)).toBe(-EINVAL);
    expect(t1.count).toBe(1);
    expect(t2.count).toBe(0);
  });

  it('bpf_rbtree_remove returns null for a node of another tree or one already removed', () => {
    const t1 = new RbRoot<number>();
    const t2 = new RbRoot<number>();
    const n = new RbNode(1);
    bpf_rbtree_add(t1, n, lessNum);
    expect(bpf_rbtree_remove(t2, n)).toBeNull();
    expect(bpf_rbtree_remove(t1, n)).toBe(n);
    expect(bpf_rbtree_remove(t1, n)).toBeNull();
    expect(t1.count).toBe(0);
  });

  it('root/left/right walk child links and refuse foreign nodes', () => {
    const root = new RbRoot<number>();
    const other = new RbRoot<number>();
    const nodes = new Map<number, RbNode<number>>();
    for (const k of [1, 2, 3, 4, 5, 6, 7]) {
      const n = new RbNode(k);
      nodes.set(k, n);
      bpf_rbtree_add(root, n, lessNum);
    }
    // Shape from the hand-worked ascending insert: 2B(1B,4R(3B,6B(5R,7R))).
    const r = bpf_rbtree_root(root) as RbNode<number>;
    expect(r.value).toBe(2);
    const right = bpf_rbtree_right(root, r) as RbNode<number>;
    expect(right.value).toBe(4);
    expect(bpf_rbtree_left(root, right)?.value).toBe(3);
    expect(bpf_rbtree_right(root, bpf_rbtree_right(root, right) as RbNode<number>)?.value).toBe(7);
    expect(bpf_rbtree_left(other, r)).toBeNull();
    expect(bpf_rbtree_right(other, r)).toBeNull();
    expect(bpf_rbtree_first(root)?.value).toBe(1);
    bpf_rbtree_remove(root, nodes.get(1) as RbNode<number>);
    expect(bpf_rbtree_first(root)?.value).toBe(2);
    expect(bpf_rbtree_left(root, nodes.get(1) as RbNode<number>)).toBeNull();
  });
});
