// Linux list and BPF list kfuncs against an array model.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../../src/errors.js';
import { EINVAL } from '../../../src/policies/lib/errno.js';
import {
  bpf_list_back,
  bpf_list_front,
  bpf_list_pop_back,
  bpf_list_pop_front,
  bpf_list_push_back,
  bpf_list_push_front,
  ListHead,
  ListNode,
  list_add,
  list_add_tail,
  list_count_nodes,
  list_del_init,
  list_empty,
  list_first_entry,
  list_first_entry_or_null,
  list_for_each_entry,
  list_is_last,
  list_is_singular,
  list_last_entry,
  list_last_entry_or_null,
  list_move,
  list_move_tail,
  list_next_entry_or_null,
  list_prev_entry_or_null,
  list_splice_init,
  list_splice_tail_init,
  list_values,
} from '../../../src/policies/lib/list.js';

type Op =
  | { op: 'front' | 'back' | 'bpfFront' | 'bpfBack' | 'popFront' | 'popBack' | 'spliceA' | 'spliceTailA' }
  | { op: 'del' | 'moveB' | 'moveTailB'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc
    .constantFrom('front', 'back', 'bpfFront', 'bpfBack', 'popFront', 'popBack', 'spliceA', 'spliceTailA')
    .map((op) => ({ op }) as Op),
  fc.record({ op: fc.constantFrom('del', 'moveB', 'moveTailB'), pick: fc.nat() }) as fc.Arbitrary<Op>,
);

/** Values read backwards through prev links, reversed: must equal the forward walk. */
function backwards(head: ListHead<number>): number[] {
  const out: number[] = [];
  for (let p = head.prev; p !== head; p = p.prev) out.push((p as ListNode<number>).value);
  return out.reverse();
}

function checkAgainst(head: ListHead<number>, model: number[]): void {
  expect(list_values(head)).toEqual(model);
  expect(backwards(head)).toEqual(model);
  expect(list_empty(head)).toBe(model.length === 0);
  expect(list_is_singular(head)).toBe(model.length === 1);
  expect(list_count_nodes(head)).toBe(model.length);
  expect(list_first_entry_or_null(head)?.value ?? null).toBe(model.length ? model[0] : null);
  expect(list_last_entry_or_null(head)?.value ?? null).toBe(model.length ? model[model.length - 1] : null);
}

describe('list properties', () => {
  test.prop([fc.array(opArb, { maxLength: 200 })])('operations on two lists match an array model', (ops) => {
    // List A gets pushes and pops; entries move between A and B; splices move all of B into A.
    const a = new ListHead<number>();
    const b = new ListHead<number>();
    let ma: number[] = [];
    let mb: number[] = [];
    const nodes = new Map<number, ListNode<number>>();
    let next = 0;
    const fresh = (): ListNode<number> => {
      const n = new ListNode(next++);
      nodes.set(n.value, n);
      return n;
    };
    for (const o of ops) {
      switch (o.op) {
        case 'front': {
          const n = fresh();
          list_add(n, a);
          ma = [n.value, ...ma];
          break;
        }
        case 'back': {
          const n = fresh();
          list_add_tail(n, a);
          ma = [...ma, n.value];
          break;
        }
        case 'bpfFront': {
          const n = fresh();
          expect(bpf_list_push_front(a, n)).toBe(0);
          ma = [n.value, ...ma];
          break;
        }
        case 'bpfBack': {
          const n = fresh();
          expect(bpf_list_push_back(a, n)).toBe(0);
          ma = [...ma, n.value];
          break;
        }
        case 'popFront':
        case 'popBack': {
          // Only BPF-owned entries pop; take the model's end and check ownership first.
          const end = o.op === 'popFront' ? list_first_entry_or_null(a) : list_last_entry_or_null(a);
          const owned = end !== null && end.owner === a;
          const got = o.op === 'popFront' ? bpf_list_pop_front(a) : bpf_list_pop_back(a);
          if (!owned) {
            expect(got).toBeNull();
          } else {
            expect(got).toBe(end);
            expect(list_empty(end)).toBe(true);
            ma = o.op === 'popFront' ? ma.slice(1) : ma.slice(0, -1);
          }
          break;
        }
        case 'spliceA':
          list_splice_init(b, a);
          ma = [...mb, ...ma];
          mb = [];
          break;
        case 'spliceTailA':
          list_splice_tail_init(b, a);
          ma = [...ma, ...mb];
          mb = [];
          break;
        case 'del':
        case 'moveB':
        case 'moveTailB': {
          const all = [...ma, ...mb];
          if (all.length === 0) break;
          const v = all[o.pick % all.length];
          const n = nodes.get(v) as ListNode<number>;
          ma = ma.filter((x) => x !== v);
          mb = mb.filter((x) => x !== v);
          if (o.op === 'del') {
            list_del_init(n);
            expect(list_empty(n)).toBe(true);
          } else if (o.op === 'moveB') {
            list_move(n, b);
            mb = [v, ...mb];
          } else {
            list_move_tail(n, b);
            mb = [...mb, v];
          }
          break;
        }
      }
      checkAgainst(a, ma);
      checkAgainst(b, mb);
    }
  });
});

describe('list API', () => {
  it('first/last entry throw on an empty list; or_null variants return null', () => {
    const h = new ListHead<number>();
    expect(() => list_first_entry(h)).toThrow(InvariantError);
    expect(() => list_last_entry(h)).toThrow(InvariantError);
    expect(list_first_entry_or_null(h)).toBeNull();
  });

  it('linking a node that is already on a list throws', () => {
    const h = new ListHead<number>();
    const n = new ListNode(1);
    list_add_tail(n, h);
    expect(() => list_add_tail(n, h)).toThrow(InvariantError);
    expect(() => list_add(n, new ListHead<number>())).toThrow(InvariantError);
  });

  it('next/prev entry and is_last walk within the list', () => {
    const h = new ListHead<number>();
    const ns = [1, 2, 3].map((v) => new ListNode(v));
    for (const n of ns) list_add_tail(n, h);
    expect(list_next_entry_or_null(ns[0], h)).toBe(ns[1]);
    expect(list_next_entry_or_null(ns[2], h)).toBeNull();
    expect(list_prev_entry_or_null(ns[0], h)).toBeNull();
    expect(list_is_last(ns[2], h)).toBe(true);
    expect(list_is_last(ns[1], h)).toBe(false);
    expect(list_first_entry(h)).toBe(ns[0]);
    expect(list_last_entry(h)).toBe(ns[2]);
  });

  it('list_for_each_entry allows unlinking the current entry and stops on false', () => {
    const h = new ListHead<number>();
    for (const v of [1, 2, 3, 4, 5]) list_add_tail(new ListNode(v), h);
    const seen: number[] = [];
    list_for_each_entry(h, (e) => {
      seen.push(e.value);
      if (e.value % 2 === 0) list_del_init(e);
    });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(list_values(h)).toEqual([1, 3, 5]);
    const upTo: number[] = [];
    list_for_each_entry(h, (e) => {
      upTo.push(e.value);
      return e.value !== 3;
    });
    expect(upTo).toEqual([1, 3]);
  });
});

describe('BPF list kfuncs (kernel/bpf/helpers.c)', () => {
  it('push refuses a node already on a list with -EINVAL', () => {
    const h1 = new ListHead<number>();
    const h2 = new ListHead<number>();
    const n = new ListNode(1);
    expect(bpf_list_push_back(h1, n)).toBe(0);
    expect(bpf_list_push_front(h1, n)).toBe(-EINVAL);
    expect(bpf_list_push_back(h2, n)).toBe(-EINVAL);
    expect(list_values(h1)).toEqual([1]);
    expect(list_empty(h2)).toBe(true);
  });

  it('pop returns entries in FIFO/LIFO order, then null; the popped node can be pushed again', () => {
    const h = new ListHead<number>();
    for (const v of [1, 2, 3]) bpf_list_push_back(h, new ListNode(v));
    expect(bpf_list_front(h)?.value).toBe(1);
    expect(bpf_list_back(h)?.value).toBe(3);
    const first = bpf_list_pop_front(h) as ListNode<number>;
    expect(first.value).toBe(1);
    expect(first.owner).toBeNull();
    expect(bpf_list_pop_back(h)?.value).toBe(3);
    expect(bpf_list_pop_back(h)?.value).toBe(2);
    expect(bpf_list_pop_front(h)).toBeNull();
    expect(bpf_list_front(h)).toBeNull();
    expect(bpf_list_push_front(h, first)).toBe(0);
    expect(list_values(h)).toEqual([1]);
  });

  it('pop refuses an entry the head does not own (the kernel warns and returns NULL)', () => {
    const h = new ListHead<number>();
    list_add_tail(new ListNode(1), h);
    expect(bpf_list_pop_front(h)).toBeNull();
    expect(list_values(h)).toEqual([1]);
  });
});
