// Tag pools (struct blk_mq_tags, block/blk-mq-tag.c): the scheduler tags every request takes
// at allocation (nr_requests per hctx) and the driver tags taken at dispatch (device queue
// depth per hctx), plus the FIFO of tasks sleeping for a scheduler tag.
// SIMPLIFIED (docs/simplifications.md "tags"): the shallow depth is a pool-wide limit (as the
// kernel's sbitmap applies it since 6.17), and a freed tag wakes one sleeper instead of
// sbitmap's wake batches (a sleeper its shallow depth holds back hands it on, queue.ts).

import { InvariantError } from '../errors.js';

export class TagPool {
  /** Tags in use. */
  used = 0;
  /** Most tags ever in use at once. */
  peak = 0;
  private readonly free: Int32Array;
  private top: number;
  /** Sleepers waiting for a tag, FIFO (ring buffer of opaque waiters). */
  private waitq: unknown[] = [];
  private waitHead = 0;

  constructor(
    readonly depth: number,
    readonly name: string,
  ) {
    this.free = new Int32Array(depth);
    // Lowest tags come out first, as sbitmap's first-fit tends to hand them out.
    for (let i = 0; i < depth; i++) this.free[i] = depth - 1 - i;
    this.top = depth;
  }

  /**
   * A free tag, or -1. `shallowDepth` > 0 caps the tags usable by this allocation (the
   * elevator's limit_depth, block/blk-mq-tag.c __blk_mq_get_tag with data->shallow_depth).
   */
  get(shallowDepth = 0): number {
    if (this.top === 0) return -1;
    if (shallowDepth > 0 && this.used >= shallowDepth) return -1;
    const tag = this.free[--this.top];
    this.used++;
    if (this.used > this.peak) this.peak = this.used;
    return tag;
  }

  put(tag: number): void {
    if (tag < 0 || tag >= this.depth || this.top >= this.depth)
      throw new InvariantError(`${this.name}: tag ${tag} returned twice or out of range`);
    this.free[this.top++] = tag;
    this.used--;
    this.handOns = 0;
  }

  /** Tags not in use. */
  get available(): number {
    return this.top;
  }

  /**
   * Sleepers woken one after another for the same free tag since it was returned, each held
   * back by its shallow depth (the queue's resume path counts them and stops at `waiters`).
   */
  handOns = 0;

  /** Queues a sleeper at the back. */
  wait(waiter: unknown): void {
    this.waitq.push(waiter);
  }

  /**
   * Puts a sleeper back at the front (it woke, lost the race for the tag, and sleeps again).
   * A sleeper that found a tag free but beyond its shallow depth goes to the back instead
   * (wait()), as prepare_to_wait_exclusive queues a retrying waiter at the tail.
   */
  rewait(waiter: unknown): void {
    if (this.waitHead > 0) this.waitq[--this.waitHead] = waiter;
    else this.waitq.unshift(waiter);
  }

  /** The longest-waiting sleeper, removed, or undefined. */
  wake(): unknown {
    if (this.waitHead >= this.waitq.length) return undefined;
    const w = this.waitq[this.waitHead];
    this.waitq[this.waitHead++] = undefined;
    // Compact now and then so the array does not grow without bound.
    if (this.waitHead > 1024 && this.waitHead * 2 > this.waitq.length) {
      this.waitq = this.waitq.slice(this.waitHead);
      this.waitHead = 0;
    }
    return w;
  }

  /** Sleepers waiting. */
  get waiters(): number {
    return this.waitq.length - this.waitHead;
  }
}
