// Kernel ABI constants shared by the block-layer model and the policy helper library: the
// op and flag encoding of bi_opf / cmd_flags (include/linux/blk_types.h, 6.x). One definition,
// so that what a policy tests and what the model sets cannot drift apart.

/** REQ_OP_* (the trace's OP codes share these values). */
export const REQ_OP_BITS = 8;
/** Low 8 bits of bi_opf / cmd_flags hold the op. */
export const REQ_OP_MASK = (1 << REQ_OP_BITS) - 1;
export const REQ_OP_READ = 0;
export const REQ_OP_WRITE = 1;
export const REQ_OP_FLUSH = 2;
export const REQ_OP_DISCARD = 3;
export const REQ_OP_SECURE_ERASE = 5;
export const REQ_OP_ZONE_APPEND = 7;
export const REQ_OP_WRITE_ZEROES = 9;
export const REQ_OP_DRV_IN = 34;
export const REQ_OP_DRV_OUT = 35;

// enum req_flag_bits: the flags start at bit 8.
export const REQ_FAILFAST_DEV = 1 << 8;
export const REQ_FAILFAST_TRANSPORT = 1 << 9;
export const REQ_FAILFAST_DRIVER = 1 << 10;
export const REQ_SYNC = 1 << 11;
export const REQ_META = 1 << 12;
export const REQ_PRIO = 1 << 13;
export const REQ_NOMERGE = 1 << 14;
export const REQ_IDLE = 1 << 15;
export const REQ_INTEGRITY = 1 << 16;
export const REQ_FUA = 1 << 17;
export const REQ_PREFLUSH = 1 << 18;
export const REQ_RAHEAD = 1 << 19;
export const REQ_BACKGROUND = 1 << 20;
export const REQ_NOWAIT = 1 << 21;
export const REQ_POLLED = 1 << 22;
export const REQ_ATOMIC = 1 << 27;
export const REQ_FAILFAST_MASK = REQ_FAILFAST_DEV | REQ_FAILFAST_TRANSPORT | REQ_FAILFAST_DRIVER;
/** Flags that forbid merging (REQ_NOMERGE_FLAGS). */
export const REQ_NOMERGE_FLAGS = REQ_NOMERGE | REQ_PREFLUSH | REQ_FUA;
