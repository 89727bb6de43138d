// Software contexts (struct blk_mq_ctx): one per CPU of the trace, each holding the request
// list the elevator keeps queued requests on, and the per-hctx bitmap of non-empty ctxs
// (hctx->ctx_map, an sbitmap in the kernel). Not here: the hardware queue (hctx.ts).

import type { BlkMqCtx } from '../ufq/ops.js';
import type { Hctx } from './hctx.js';
import { LIST_CTX, RqList } from './request.js';

export class Ctx implements BlkMqCtx {
  /** The ctx's request list for its hctx type (ctx->rq_lists[HCTX_TYPE_DEFAULT]). */
  readonly rq_list = new RqList(LIST_CTX);
  /** Index within its hctx (ctx->index_hw[type]); set when the hctx adopts it. */
  index_hw = 0;
  hctx!: Hctx;

  constructor(readonly cpu: number) {}
}

/** A bitmap of ctx indexes with an O(1) "any bit set" (sbitmap_any_bit_set). */
export class CtxMap {
  private readonly words: Uint32Array;
  /** Bits set. */
  weight = 0;

  constructor(readonly depth: number) {
    this.words = new Uint32Array(Math.max(1, Math.ceil(depth / 32)));
  }

  test(bit: number): boolean {
    return (this.words[bit >>> 5] & (1 << (bit & 31))) !== 0;
  }

  set(bit: number): void {
    const w = bit >>> 5;
    const m = 1 << (bit & 31);
    if ((this.words[w] & m) === 0) {
      this.words[w] |= m;
      this.weight++;
    }
  }

  clear(bit: number): void {
    const w = bit >>> 5;
    const m = 1 << (bit & 31);
    if ((this.words[w] & m) !== 0) {
      this.words[w] &= ~m;
      this.weight--;
    }
  }

  /** First set bit at or after `from`, wrapping once around; -1 if none (__sbitmap_for_each_set order). */
  nextSet(from: number): number {
    const n = this.depth;
    for (let i = 0; i < n; i++) {
      let b = from + i;
      if (b >= n) b -= n;
      if ((this.words[b >>> 5] & (1 << (b & 31))) !== 0) return b;
    }
    return -1;
  }
}
