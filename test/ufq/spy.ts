// A FIFO test policy that records every hook call and lets a test script merge_req and
// insert_req answers. It takes and drops references the way the example policies do for
// the kernel's revision (rev-1: put in finish_req; rev-2+: the kernel drops them).
import {
  type BlkQueue,
  type BlkRequest,
  type Box,
  bpf_request_acquire,
  bpf_request_put,
  ufq_revision,
} from '../../src/policies/lib/index.js';
import type { UfqOps } from '../../src/ufq/ops.js';

export interface Spy extends UfqOps {
  calls: string[];
  fifo: BlkRequest[];
  /** Answer to merge_req: [target, type] or null. Removes the target from the FIFO. */
  mergeAnswer: ((q: BlkQueue, rq: BlkRequest) => [BlkRequest, number] | null) | null;
  /** Return value of insert_req for a request (default 0). */
  insertRet: ((rq: BlkRequest, flags: number) => number) | null;
}

/** Sector of a request, for call logs. */
function s(rq: BlkRequest): number {
  return rq.__sector;
}

export function spy(): Spy {
  const p: Spy = {
    name: 'spy',
    calls: [],
    fifo: [],
    mergeAnswer: null,
    insertRet: null,
    insert_req(_q, rq, flags) {
      const ret = p.insertRet ? p.insertRet(rq, flags) : 0;
      p.calls.push(`insert ${s(rq)}+${rq.__data_len >>> 9} flags=${flags} -> ${ret}`);
      if (ret !== 0) return ret;
      bpf_request_acquire(rq);
      if (flags & 1) p.fifo.unshift(rq);
      else p.fifo.push(rq);
      return 0;
    },
    dispatch_req() {
      const rq = p.fifo.shift() ?? null;
      p.calls.push(`dispatch ${rq ? s(rq) : 'null'}`);
      return rq;
    },
    has_req: () => p.fifo.length > 0,
    finish_req(rq) {
      p.calls.push(`finish ${rq.__sector}`);
      if (ufq_revision(rq.q) === 1) bpf_request_put(rq);
    },
    merge_req(q, rq, type: Box<number>) {
      const a = p.mergeAnswer ? p.mergeAnswer(q, rq) : null;
      p.calls.push(`merge_req ${s(rq)} -> ${a ? `${s(a[0])} type ${a[1]}` : 'none'}`);
      if (!a) return null;
      const i = p.fifo.indexOf(a[0]);
      if (i >= 0) p.fifo.splice(i, 1);
      type.value = a[1];
      return a[0];
    },
  };
  return p;
}
