// struct sbitmap_queue (lib/sbitmap.c, include/linux/sbitmap.h) for policies that gate dispatch
// on a pool of tokens, as Kyber does per scheduling domain: a bitmap cut into words, a depth
// that can shrink and grow, an allocation hint, and waiters woken in batches as bits are freed.
// Kept: words of 1 << shift bits (sbitmap_calculate_shift), first free bit from the hint's word
// on, the hint rules, resize leaving bits held above the new depth set until they are freed,
// wake_batch = clamp(depth / 8, 1, 8) and the completion/wakeup counters behind it.
// SIMPLIFIED (docs/policies-kyber.md): one allocation hint instead of one per CPU; one wait list
// instead of eight wait queues (waiters are non-exclusive, so a wake-up reaches all of them
// either way); bits are cleared at once instead of through the deferred `cleared` mask.

import { InvariantError } from '../../errors.js';

/** include/linux/sbitmap.h SBQ_WAIT_QUEUES: wait queues per sbitmap_queue. */
export const SBQ_WAIT_QUEUES = 8;
/** include/linux/sbitmap.h SBQ_WAKE_BATCH: most bits freed before a wake-up, bits. */
export const SBQ_WAKE_BATCH = 8;
/** Bits in an unsigned long on 64-bit kernels. */
const BITS_PER_LONG = 64;

/** struct sbq_wait: a wait entry; `func` is its wake function (wait_queue_entry.func). */
export class sbq_wait {
  /** The queue it waits on, or null when on no wait list. */
  sbq: sbitmap_queue | null = null;
  constructor(readonly func: (wait: sbq_wait) => void) {}
}

/** struct sbitmap. */
export interface sbitmap {
  depth: number;
  /** log2 of the bits per word. */
  readonly shift: number;
  map_nr: number;
  /** Next bit to try (the kernel keeps one per CPU). */
  alloc_hint: number;
  /** One byte per bit, for every bit ever within depth. */
  bits: Uint8Array;
}

/** struct sbitmap_queue. */
export interface sbitmap_queue {
  readonly sb: sbitmap;
  wake_batch: number;
  min_shallow_depth: number;
  ws_active: number;
  completion_cnt: number;
  wakeup_cnt: number;
  readonly waiters: sbq_wait[];
  /** get_random_u32_below, for a hint left beyond a shrunk depth. */
  readonly random_below: (n: number) => number;
}

/** include/linux/sbitmap.h sbitmap_calculate_shift: smaller words for small maps, >= 4 words. */
export function sbitmap_calculate_shift(depth: number): number {
  let shift = Math.log2(BITS_PER_LONG);
  if (depth >= 4) while (4 << shift > depth) shift--;
  return shift;
}

function sbq_calc_wake_batch(sbq: sbitmap_queue, depth: number): number {
  const d = Math.min(depth, sbq.min_shallow_depth);
  return Math.min(SBQ_WAKE_BATCH, Math.max(1, Math.floor(d / SBQ_WAIT_QUEUES)));
}

/**
 * sbitmap_queue_init_node with round_robin false: `depth` bits, all free; the hint starts at
 * `random_below(depth)` as init_alloc_hint draws it.
 */
export function sbitmap_queue_init_node(depth: number, random_below: (n: number) => number): sbitmap_queue {
  const shift = sbitmap_calculate_shift(depth);
  const sbq: sbitmap_queue = {
    sb: {
      depth,
      shift,
      map_nr: Math.ceil(depth / (1 << shift)),
      alloc_hint: depth > 0 ? random_below(depth) : 0,
      bits: new Uint8Array(depth),
    },
    wake_batch: 0,
    min_shallow_depth: 0xffffffff,
    ws_active: 0,
    completion_cnt: 0,
    wakeup_cnt: 0,
    waiters: [],
    random_below,
  };
  sbq.wake_batch = sbq_calc_wake_batch(sbq, depth);
  return sbq;
}

/** Bits of word `index` within the depth (__map_depth). */
function __map_depth(sb: sbitmap, index: number): number {
  if (index === sb.map_nr - 1) return sb.depth - (index << sb.shift);
  return 1 << sb.shift;
}

/** __sbitmap_get without round robin: the first free bit of each word, from the hint's word on. */
function __sbitmap_get(sb: sbitmap, alloc_hint: number): number {
  let index = alloc_hint >> sb.shift;
  for (let i = 0; i < sb.map_nr; i++) {
    const base = index << sb.shift;
    const depth = __map_depth(sb, index);
    for (let b = 0; b < depth; b++) {
      if (sb.bits[base + b] === 0) {
        sb.bits[base + b] = 1;
        return base + b;
      }
    }
    if (++index >= sb.map_nr) index = 0;
  }
  return -1;
}

/** __sbitmap_queue_get: a free bit below the depth, or -1. */
export function __sbitmap_queue_get(sbq: sbitmap_queue): number {
  const sb = sbq.sb;
  const depth = sb.depth;
  // update_alloc_hint_before_get
  let hint = sb.alloc_hint;
  if (hint >= depth) {
    hint = depth > 0 ? sbq.random_below(depth) : 0;
    sb.alloc_hint = hint;
  }
  const nr = __sbitmap_get(sb, hint);
  // update_alloc_hint_after_get: a full map resets the hint; it moves on only when used.
  if (nr === -1) sb.alloc_hint = 0;
  else if (nr === hint) sb.alloc_hint = nr + 1 >= depth - 1 ? 0 : nr + 1;
  return nr;
}

/**
 * sbitmap_queue_clear: frees bit `nr`, counts it toward a wake-up, and points the hint at it
 * (sbitmap_update_cpu_hint) when it lies below the depth.
 */
export function sbitmap_queue_clear(sbq: sbitmap_queue, nr: number): void {
  const sb = sbq.sb;
  if (sb.bits[nr] !== 1) throw new InvariantError(`sbitmap_queue_clear: bit ${nr} is not set`);
  sb.bits[nr] = 0;
  sbitmap_queue_wake_up(sbq, 1);
  if (nr < sb.depth) sb.alloc_hint = nr;
}

/**
 * sbitmap_queue_wake_up: while someone waits, freed bits are counted; each wake_batch of them
 * wakes the waiters.
 */
export function sbitmap_queue_wake_up(sbq: sbitmap_queue, nr: number): void {
  if (sbq.ws_active === 0) return;
  sbq.completion_cnt += nr;
  if (sbq.completion_cnt - sbq.wakeup_cnt < sbq.wake_batch) return;
  sbq.wakeup_cnt += sbq.wake_batch;
  // __sbitmap_queue_wake_up: every waiter's wake function; each one removes itself.
  for (const w of sbq.waiters.slice()) w.func(w);
}

/** sbitmap_queue_resize: new depth and wake batch; bits held above it stay set until freed. */
export function sbitmap_queue_resize(sbq: sbitmap_queue, depth: number): void {
  sbq.wake_batch = sbq_calc_wake_batch(sbq, depth);
  const sb = sbq.sb;
  if (depth > sb.bits.length) {
    const bits = new Uint8Array(depth);
    bits.set(sb.bits);
    sb.bits = bits;
  }
  sb.depth = depth;
  sb.map_nr = Math.ceil(depth / (1 << sb.shift));
}

/** sbitmap_add_wait_queue: waits on `sbq` unless already waiting. */
export function sbitmap_add_wait_queue(sbq: sbitmap_queue, wait: sbq_wait): void {
  if (wait.sbq !== null) return;
  wait.sbq = sbq;
  sbq.ws_active++;
  sbq.waiters.push(wait);
}

/** sbitmap_del_wait_queue: off its wait list; harmless when on none. */
export function sbitmap_del_wait_queue(wait: sbq_wait): void {
  const sbq = wait.sbq;
  if (sbq === null) return;
  const i = sbq.waiters.indexOf(wait);
  if (i >= 0) sbq.waiters.splice(i, 1);
  sbq.ws_active--;
  wait.sbq = null;
}

/** Bits set, including any held above a shrunk depth (sbitmap_weight counts within depth). */
export function sbitmap_busy(sb: sbitmap): number {
  let n = 0;
  for (let i = 0; i < sb.bits.length; i++) n += sb.bits[i];
  return n;
}
