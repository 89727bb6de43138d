// PFQ's event counters (include/ufq/pfq_stat.h): the index enum with the loader's names, and
// the loader's aggregation (pfq.c read_stats): per disk, INSERT minus RQMERGE saturating at 0,
// then disks summed. Sizes are bytes. The kernel keeps one array per CPU; the model one per
// disk, which is what the loader's per-CPU sum gives.
// Ported from linux-blktests/linux-block tools/ufq_iosched/include/ufq/pfq_stat.h @ be44a426 and
// tools/ufq_iosched/pfq.c @ 533f33b6 (rev-3).

export const PFQ_STAT_INSERT_CNT = 0;
export const PFQ_STAT_INSERT_SIZE = 1;
export const PFQ_STAT_INSERT_ERR = 2;
export const PFQ_STAT_AT_HEAD_CNT = 3;
export const PFQ_STAT_AT_HEAD_SIZE = 4;
export const PFQ_STAT_INTERACTIVE = 5;
export const PFQ_STAT_RQMERGE_CNT = 6;
export const PFQ_STAT_RQMERGE_SIZE = 7;
export const PFQ_STAT_BIOMERGE_CNT = 8;
export const PFQ_STAT_BIOMERGE_SIZE = 9;
export const PFQ_STAT_DISPATCH_CNT = 10;
export const PFQ_STAT_DISPATCH_SIZE = 11;
export const PFQ_STAT_DISPATCH_AT_HEAD_CNT = 12;
export const PFQ_STAT_DISPATCH_AT_HEAD_SIZE = 13;
export const PFQ_STAT_FINISH_CNT = 14;
export const PFQ_STAT_FINISH_SIZE = 15;
export const PFQ_STAT_IDLE_HOLD = 16;
export const PFQ_STAT_MAX = 17;

/** Counter names, by index (enum pfq_stat_idx without the PFQ_STAT_ prefix). */
export const PFQ_STAT_NAMES: readonly string[] = [
  'INSERT_CNT',
  'INSERT_SIZE',
  'INSERT_ERR',
  'AT_HEAD_CNT',
  'AT_HEAD_SIZE',
  'INTERACTIVE',
  'RQMERGE_CNT',
  'RQMERGE_SIZE',
  'BIOMERGE_CNT',
  'BIOMERGE_SIZE',
  'DISPATCH_CNT',
  'DISPATCH_SIZE',
  'DISPATCH_AT_HEAD_CNT',
  'DISPATCH_AT_HEAD_SIZE',
  'FINISH_CNT',
  'FINISH_SIZE',
  'IDLE_HOLD',
];

/** struct pfq_stats: one disk's counters (u64 each; exact in a double up to 2^53). */
export type pfq_stats = Float64Array;

export function pfq_stats_new(): pfq_stats {
  return new Float64Array(PFQ_STAT_MAX);
}

/**
 * pfq.c read_stats: the counters of every disk summed, each disk's INSERT reduced by its
 * RQMERGE first (saturating at 0), so INSERT reads as net inserts.
 */
export function pfq_read_stats(disks: Iterable<pfq_stats>): Record<string, number> {
  const total = new Float64Array(PFQ_STAT_MAX);
  for (const disk of disks) {
    for (let idx = 0; idx < PFQ_STAT_MAX; idx++) {
      let v = disk[idx];
      if (idx === PFQ_STAT_INSERT_CNT) v = Math.max(0, v - disk[PFQ_STAT_RQMERGE_CNT]);
      else if (idx === PFQ_STAT_INSERT_SIZE) v = Math.max(0, v - disk[PFQ_STAT_RQMERGE_SIZE]);
      total[idx] += v;
    }
  }
  const out: Record<string, number> = {};
  for (let idx = 0; idx < PFQ_STAT_MAX; idx++) out[PFQ_STAT_NAMES[idx]] = total[idx];
  return out;
}
