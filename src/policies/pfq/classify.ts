// PFQ's queue classification and weights (pfq.bpf.c; ufq-model §5.1-5.2): class from the
// interactive task names or the ioprio class, level from the ioprio, type from the op and
// REQ_SYNC, qid = class x 24 + level x 3 + type; weight from base, level and type.
// Ported from linux-blktests/linux-block tools/ufq_iosched/pfq.bpf.c @ 533f33b6 (rev-3).

import {
  type Bio,
  type BlkRequest,
  bpf_get_current_comm,
  bpf_map_lookup_elem,
  REQ_SYNC,
} from '../lib/index.js';
import {
  PFQ_BE_CLASS,
  PFQ_COMM_LEN,
  PFQ_IDLE_CLASS,
  PFQ_INDEX,
  PFQ_IOPRIO_BE_NORM,
  PFQ_IOPRIO_CLASS_BE,
  PFQ_IOPRIO_CLASS_IDLE,
  PFQ_IOPRIO_CLASS_RT,
  PFQ_IOPRIO_CLASS_SHIFT,
  PFQ_PRIO_LEVEL_COEFF_READ,
  PFQ_PRIO_LEVEL_COEFF_SP_READ,
  PFQ_PRIO_LEVEL_COEFF_WRITE,
  PFQ_PRIO_LEVELS,
  PFQ_READ,
  PFQ_RT_CLASS,
  PFQ_SPECIAL_CLASS,
  PFQ_SYNC_WRITE,
  PFQ_WEIGHT_MULT_SPECIAL,
  PFQ_WRITE,
  REQ_OP_MASK,
} from './defs.js';
import type { pfq_disk_data, pfq_prog, pfq_queue_data } from './state.js';

/** Unspecified or unknown classes are served as best effort. */
export function pfq_ioprio_to_class(ioprio: number): number {
  const iclass = (ioprio >> PFQ_IOPRIO_CLASS_SHIFT) & 0x7;
  if (iclass === PFQ_IOPRIO_CLASS_RT) return PFQ_RT_CLASS;
  if (iclass === PFQ_IOPRIO_CLASS_BE) return PFQ_BE_CLASS;
  if (iclass === PFQ_IOPRIO_CLASS_IDLE) return PFQ_IDLE_CLASS;
  return PFQ_BE_CLASS;
}

/**
 * The task running the hook matches a configured name (worker-submitted I/O is classified by
 * the worker's name). The kernel's comm holds at most 15 bytes. SIMPLIFIED: cut at 15
 * UTF-16 units, not bytes (equal for ASCII names).
 */
export function pfq_current_is_interactive(P: pfq_prog): boolean {
  if (P.pfq_interactive_comms.size === 0) return false;
  let comm = bpf_get_current_comm();
  if (comm.length >= PFQ_COMM_LEN) comm = comm.slice(0, PFQ_COMM_LEN - 1);
  return bpf_map_lookup_elem(P.pfq_interactive_comms, comm) === 1;
}

export function pfq_class_from_ioprio(ioprio: number, interactive: boolean): number {
  return interactive ? PFQ_SPECIAL_CLASS : pfq_ioprio_to_class(ioprio);
}

export function pfq_ioprio_level(ioprio: number): number {
  return ioprio & 0x7;
}

/** Odd ops use the write queues (rq_data_dir); REQ_SYNC picks the synchronous one. */
export function pfq_opf_io_type(opf: number): number {
  if (opf & REQ_OP_MASK & 1) return opf & REQ_SYNC ? PFQ_SYNC_WRITE : PFQ_WRITE;
  return PFQ_READ;
}

export function pfq_queue_index(pq_class: number, level: number, io_type: number): number {
  return PFQ_INDEX(pq_class, level >= PFQ_PRIO_LEVELS ? PFQ_IOPRIO_BE_NORM : level, io_type);
}

/** The first bio's priority; a request without a bio counts as BE level 4. */
export function pfq_rq_ioprio(rq: BlkRequest): number {
  if (rq.bio) return rq.bio.bi_ioprio;
  return (PFQ_IOPRIO_CLASS_BE << PFQ_IOPRIO_CLASS_SHIFT) | PFQ_IOPRIO_BE_NORM;
}

/** The logical queue of a request (ufq-model §5.1). */
export function pfq_rq_qid(rq: BlkRequest, interactive: boolean): number {
  const ioprio = pfq_rq_ioprio(rq);
  return pfq_queue_index(
    pfq_class_from_ioprio(ioprio, interactive),
    pfq_ioprio_level(ioprio),
    pfq_opf_io_type(rq.cmd_flags),
  );
}

export function pfq_bio_qid(bio: Bio, interactive: boolean): number {
  return pfq_queue_index(
    pfq_class_from_ioprio(bio.bi_ioprio, interactive),
    pfq_ioprio_level(bio.bi_ioprio),
    pfq_opf_io_type(bio.bi_opf),
  );
}

export function pfq_prio_coeff(queue: pfq_queue_data): number {
  if (queue.pq_class === PFQ_SPECIAL_CLASS && queue.io_type === PFQ_READ) return PFQ_PRIO_LEVEL_COEFF_SP_READ;
  if (queue.io_type === PFQ_READ) return PFQ_PRIO_LEVEL_COEFF_READ;
  return PFQ_PRIO_LEVEL_COEFF_WRITE;
}

/** weight_base + (7 - level) x coeff, x4 for SPECIAL reads, at least 1 (ufq-model §5.2). */
export function pfq_calc_weight(dd: pfq_disk_data, queue: pfq_queue_data): number {
  const base = dd.weight_base + (PFQ_PRIO_LEVELS - 1 - queue.priority) * pfq_prio_coeff(queue);
  let final = base;
  if (queue.pq_class === PFQ_SPECIAL_CLASS && queue.io_type === PFQ_READ)
    final = Math.floor((base * PFQ_WEIGHT_MULT_SPECIAL) / 100);
  return final ? final : 1;
}

export function is_special_read(queue: pfq_queue_data): boolean {
  return queue.pq_class === PFQ_SPECIAL_CLASS && queue.io_type === PFQ_READ;
}
