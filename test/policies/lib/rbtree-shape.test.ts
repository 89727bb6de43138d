// Tree shapes after small operation sequences, each worked out by hand from the case analysis
// of lib/rbtree.c (__rb_insert, __rb_erase_augmented, ____rb_erase_color). Notation:
// `<key><R|B>(<left>,<right>)`, `-` for a missing child. The comment above each expectation
// names the cases taken, in order.

import { describe, expect, it } from 'vitest';
import { RbNode, RbRoot, rb_add, rb_erase } from '../../../src/policies/lib/rbtree.js';
import { checkTree, shape } from './rb-helpers.js';

const less = (a: RbNode<number>, b: RbNode<number>): boolean => a.value < b.value;

function build(keys: number[]): { root: RbRoot<number>; node: Map<number, RbNode<number>> } {
  const root = new RbRoot<number>();
  const node = new Map<number, RbNode<number>>();
  for (const k of keys) {
    const n = new RbNode(k);
    node.set(k, n);
    rb_add(n, root, less);
    checkTree(root);
  }
  return { root, node };
}

function erase(t: { root: RbRoot<number>; node: Map<number, RbNode<number>> }, k: number): void {
  rb_erase(t.node.get(k) as RbNode<number>, t.root);
  checkTree(t.root);
}

describe('rbtree insert shapes (lib/rbtree.c __rb_insert)', () => {
  it('ascending 1..7', () => {
    const t = build([1, 2, 3]);
    // 3: red parent 2, no uncle, outer child -> case 3, rotate left at 1.
    expect(shape(t.root)).toBe('2B(1R,3R)');
    const t4 = build([1, 2, 3, 4]);
    // 4: red uncle 1 -> case 1 recolour, 2 becomes the red root and is blackened.
    expect(shape(t4.root)).toBe('2B(1B,3B(-,4R))');
    const t7 = build([1, 2, 3, 4, 5, 6, 7]);
    // 5: case 3 at 3; 6: case 1 at 5 (4 red under black 2); 7: case 3 at 5.
    expect(shape(t7.root)).toBe('2B(1B,4R(3B,6B(5R,7R)))');
  });

  it('descending 7..1 mirrors ascending', () => {
    expect(shape(build([7, 6, 5, 4, 3, 2, 1]).root)).toBe('6B(4R(2B(1R,3R),5B),7B)');
  });

  it('inner child takes case 2 then case 3 (3, 1, 2)', () => {
    // 2 is the right child of red 1 under 3: rotate left at 1, then right at 3.
    expect(shape(build([3, 1, 2]).root)).toBe('2B(1R,3R)');
    expect(shape(build([1, 3, 2]).root)).toBe('2B(1R,3R)');
  });

  it('ascending 1..15', () => {
    // 8: case 1 at 6, then case 3 at 2 (4 becomes root); 10: case 1 twice up to the root;
    // 12: case 1 at 10, then case 3 at 6; 14: case 1 at 12 and at 8.
    expect(shape(build([1, 2, 3, 4, 5, 6, 7, 8]).root)).toBe('4B(2R(1B,3B),6R(5B,7B(-,8R)))');
    expect(shape(build([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).root)).toBe('4B(2B(1B,3B),6B(5B,8R(7B,9B(-,10R))))');
    expect(shape(build([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]).root)).toBe(
      '4B(2B(1B,3B),8B(6R(5B,7B),10R(9B,11B(-,12R))))',
    );
    expect(shape(build([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]).root)).toBe(
      '4B(2B(1B,3B),8R(6B(5B,7B),10B(9B,12R(11B,14B(13R,15R)))))',
    );
  });

  it('balanced insertion order recolours without rotating (4, 2, 6, 1, 3, 5, 7)', () => {
    expect(shape(build([4, 2, 6, 1, 3, 5, 7]).root)).toBe('4B(2B(1R,3R),6B(5R,7R))');
  });
});

describe('rbtree erase shapes (lib/rbtree.c erase + ____rb_erase_color)', () => {
  it('black leaf with red sibling: case 1 then case 2 under a red parent', () => {
    const t = build([1, 2, 3, 4, 5, 6, 7]);
    erase(t, 1);
    // Rotate left at 2 (sibling 4 red): 4 becomes the root; new sibling 3 has no red child,
    // so 3 turns red and the red parent 2 turns black.
    expect(shape(t.root)).toBe('4B(2B(-,3R),6B(5R,7R))');
  });

  it('two children, successor deep in the right subtree, no rebalance for a red successor', () => {
    const t = build([1, 2, 3, 4, 5, 6, 7]);
    erase(t, 1);
    erase(t, 4);
    // Successor 5 (red, leftmost under 6) takes 4's place and black colour.
    expect(shape(t.root)).toBe('5B(2B(-,3R),6B(-,7R))');
    // 6 has only a right child: the red 7 takes its place and colour.
    erase(t, 6);
    expect(shape(t.root)).toBe('5B(2B(-,3R),7B)');
    // Black leaf 7 was a right child: mirrored case 3 (rotate left at 2) then case 4
    // (rotate right at 5); 3 takes 5's place and colour.
    erase(t, 7);
    expect(shape(t.root)).toBe('3B(2B,5B)');
  });

  it('far nephew red: case 4 alone', () => {
    const t = build([1, 2, 3, 4, 5, 6, 7]);
    for (const k of [1, 4, 6, 7]) erase(t, k);
    const n6 = new RbNode(6);
    t.node.set(6, n6);
    rb_add(n6, t.root, less);
    expect(shape(t.root)).toBe('3B(2B,5B(-,6R))');
    erase(t, 2);
    // Rotate left at 3; 5 takes 3's black, 3 and the far nephew 6 become black.
    expect(shape(t.root)).toBe('5B(3B,6B)');
  });

  it('black sibling without red children under a black root: case 2 stops at the root', () => {
    const t = build([4, 2, 6, 1, 3, 5, 7]);
    for (const k of [1, 3, 5, 7]) erase(t, k); // red leaves: no rebalancing
    expect(shape(t.root)).toBe('4B(2B,6B)');
    erase(t, 2);
    expect(shape(t.root)).toBe('4B(-,6R)');
  });

  it('case 2 recursing upward, then case 1 and case 2 one level up', () => {
    const t = build([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    erase(t, 1);
    // At 2: sibling 3 black, no red nephew -> 3 red, 2 black -> move up to 4.
    // At 4: sibling 8 red -> rotate left at 4 (8 becomes root); new sibling 6 has black
    // children -> 6 red, the now-red 4 turns black.
    expect(shape(t.root)).toBe('8B(4B(2B(-,3R),6R(5B,7B)),10B(9B,12R(11B,14B(13R,15R))))');
  });

  it('erasing the only node and the root with one child', () => {
    const t = build([1]);
    erase(t, 1);
    expect(shape(t.root)).toBe('');
    expect(t.root.count).toBe(0);
    const t2 = build([1, 2]);
    erase(t2, 1);
    expect(shape(t2.root)).toBe('2B');
  });
});
