// PFQ's shared constants (include/ufq/pfq.bpf.h): the 96 logical queues per disk and their
// index encoding, the weight coefficients, batch and idle-hold defaults, FIFO windows, search
// bounds and map sizes. Values and names as in the header; units in the comments. No state
// and no behaviour beyond the index arithmetic: that is pfq.ts.
// Ported from linux-blktests/linux-block tools/ufq_iosched/include/ufq/pfq.bpf.h @ 533f33b6 (rev-3).

/** Task comm bytes including the NUL (TASK_COMM_LEN): names match on at most 15 bytes. */
export const PFQ_COMM_LEN = 16;
/** Interactive task names the loader accepts (pfq_interactive_comms max_entries). */
export const PFQ_INTERACTIVE_MAX = 64;

/** enum pfq_init_state: a disk's state in pfq_map. */
export const PFQ_UNINITIALIZED = 0;
export const PFQ_INITIALIZING = 1;
export const PFQ_INITIALIZED = 2;

/** Priority levels 0..7 (IOPRIO_PRIO_LEVEL). */
export const PFQ_PRIO_LEVELS = 8;
/** Classes: SPECIAL, RT, BE, IDLE. */
export const PFQ_IOCLASS_NUM = 4;
/** I/O types: READ, WRITE, SYNC_WRITE. */
export const PFQ_QUEUE_TYPES = 3;
/** Logical queues per disk: 4 classes x 8 levels x 3 types = 96. */
export const PFQ_TOTAL_QUEUES = PFQ_IOCLASS_NUM * PFQ_PRIO_LEVELS * PFQ_QUEUE_TYPES;
/** Request and FIFO trees per disk: one per I/O type, shared by that type's 32 queues. */
export const PFQ_RQ_TREES = PFQ_QUEUE_TYPES;

/** Disks the program serves at once (pfq_map max_entries): a 33rd fails to initialise. */
export const PFQ_DISK_MAP_MAX = 32;
/** pfq_queue_map max_entries: every queue of every disk. */
export const PFQ_QUEUE_MAP_MAX = PFQ_DISK_MAP_MAX * PFQ_TOTAL_QUEUES;

/** Weight multiplier of SPECIAL reads, percent. */
export const PFQ_WEIGHT_MULT_SPECIAL = 400;
/** Weight added per level below 7: SPECIAL reads, other reads, all writes. */
export const PFQ_PRIO_LEVEL_COEFF_SP_READ = 200;
export const PFQ_PRIO_LEVEL_COEFF_READ = 100;
export const PFQ_PRIO_LEVEL_COEFF_WRITE = 5;
/** Virtual time charged per dispatch: (sectors << 10) / weight. */
export const PFQ_VTIME_SHIFT = 10;

/** Tunable defaults (the loader seeds the same values; a zero tunable also selects them). */
export const PFQ_WEIGHT_BASE_DEFAULT = 100;
/** Requests per in-service batch, by I/O type. */
export const PFQ_BATCH_READ_DEFAULT = 8;
export const PFQ_BATCH_SYNC_WRITE_DEFAULT = 4;
export const PFQ_BATCH_WRITE_DEFAULT = 2;
/** SPECIAL read idle hold, ms, inclusive range. */
export const PFQ_IDLE_DELAY_MIN_MS_DEFAULT = 8;
export const PFQ_IDLE_DELAY_MAX_MS_DEFAULT = 20;

/** FIFO windows, ns (not tunable): READ 500 ms, SYNC_WRITE 2 s, WRITE 5 s. */
export const PFQ_READ_EXPIRE_NS = 500_000_000;
export const PFQ_SYNC_WRITE_EXPIRE_NS = 2_000_000_000;
export const PFQ_WRITE_EXPIRE_NS = 5_000_000_000;

/** Steps of the adjacency (merge) search from the root. */
export const PFQ_LOOP_MAX = 128;
/** Levels of the FIFO-first / next / prev descents (a verifier bound; covers >= 4095 nodes). */
export const PFQ_RB_HEIGHT_MAX = 24;
/** No queue (u32 all ones). */
export const PFQ_QID_NONE = 0xffffffff;

export const PFQ_IOPRIO_CLASS_SHIFT = 13;
export const PFQ_IOPRIO_CLASS_NONE = 0;
export const PFQ_IOPRIO_CLASS_RT = 1;
export const PFQ_IOPRIO_CLASS_BE = 2;
export const PFQ_IOPRIO_CLASS_IDLE = 3;
/** The default best-effort level. */
export const PFQ_IOPRIO_BE_NORM = 4;

export const PFQ_SPECIAL_CLASS = 0;
export const PFQ_RT_CLASS = 1;
export const PFQ_BE_CLASS = 2;
export const PFQ_IDLE_CLASS = 3;

export const PFQ_READ = 0;
export const PFQ_WRITE = 1;
export const PFQ_SYNC_WRITE = 2;

export const BLK_MQ_INSERT_AT_HEAD = 0x01;
export const REQ_OP_MASK = (1 << 8) - 1;
export const SECTOR_SHIFT = 9;

/** PFQ_INDEX: qid = class x 24 + level x 3 + type. */
export function PFQ_INDEX(pq_class: number, prio: number, type: number): number {
  return pq_class * PFQ_PRIO_LEVELS * PFQ_QUEUE_TYPES + prio * PFQ_QUEUE_TYPES + type;
}

export function PFQ_GET_CLASS(index: number): number {
  return Math.floor(index / (PFQ_PRIO_LEVELS * PFQ_QUEUE_TYPES));
}

export function PFQ_GET_PRIO(index: number): number {
  return Math.floor((index % (PFQ_PRIO_LEVELS * PFQ_QUEUE_TYPES)) / PFQ_QUEUE_TYPES);
}

export function PFQ_GET_TYPE(index: number): number {
  return index % PFQ_QUEUE_TYPES;
}

/** The queue a type falls back to: BE, level 4. */
export function PFQ_DEFAULT_QUEUE_INDEX(type: number): number {
  return PFQ_INDEX(PFQ_BE_CLASS, PFQ_IOPRIO_BE_NORM, type);
}
