// The one import a policy uses (like ufq/common.bpf.h): accessors, kfuncs, BPF helpers and
// maps, the Linux red-black tree and list with their BPF kfuncs, errno values, and the types
// of the hook arguments.

export type {
  Bio,
  BioIter,
  BlkMqAllocData,
  BlkMqCtx,
  BlkMqHwCtx,
  BlkQueue,
  BlkRequest,
  Box,
  UfqOps,
} from '../../ufq/ops.js';
export * from './elevator.js';
export * from './errno.js';
export * from './kfuncs.js';
export * from './list.js';
export * from './rbtree.js';
export * from './sbitmap.js';
export * from './timer.js';
export * from './timer-list.js';
