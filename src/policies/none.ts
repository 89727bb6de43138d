// none: no policy hooks at all. The UFQ elevator then dispatches from its own per-ctx lists,
// one request per ctx in round-robin (ufq-model §2.5 fallback), merges only through the
// one-hit last_merge cache, and has work while rqs_count > 0. This is UFQ with no BPF
// program attached, not the kernel's elevator-less "none" (kernel-blk-mq §8.4): requests
// still take scheduler tags and go through the elevator's insert path.

import type { UfqOps } from '../ufq/ops.js';

export default {
  name: 'none',
} satisfies UfqOps;
