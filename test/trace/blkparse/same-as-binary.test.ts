// One capture read from its binary blktrace files and from blkparse's text of the same records
// gives the same events on every field the text carries (DESIGN: real-trace cross-checks).
// The text cannot say: the name on C, R and A lines (not printed), the sector of a request
// printed without data (`D FN [name]`), the length of a split (X prints the split point
// instead), and whether an M was a request-request merge (FLAG.FS in the binary).
import { describe, expect, test } from 'vitest';
import { FLAG, type TraceEvent } from '../../../src/trace/event.js';
import { openTrace } from '../../../src/trace/open.js';
import { drainEvents } from './helpers.js';

const CAPTURES = ['seqwrite-plug.none', 'seq-vs-rand.none', 'ext4-copy-read.mq-deadline'];

/** Sort key unique per event: blkparse orders by time only, the binary reader by (time, dev, cpu, seq). */
function byKey(a: TraceEvent, b: TraceEvent): number {
  return a.timeNs - b.timeNs || a.cpu - b.cpu || a.seq - b.seq;
}

/** The binary event reduced to what the text line of the same record shows. */
function asText(bin: TraceEvent, text: TraceEvent) {
  return {
    timeNs: bin.timeNs,
    dev: bin.dev,
    cpu: bin.cpu,
    seq: bin.seq,
    pid: bin.pid,
    comm: ['C', 'R', 'A', 'm'].includes(text.action) ? text.comm : bin.comm,
    action: bin.action,
    op: bin.op,
    flags: bin.action === 'M' ? bin.flags & ~FLAG.FS : bin.flags,
    sector: text.sector === null && text.action === 'D' ? null : bin.sector,
    bytes: bin.action === 'X' ? 0 : bin.bytes,
    error: bin.error,
    aux: bin.aux,
    auxDev: bin.auxDev,
    msg: bin.msg,
  };
}

function fields(e: TraceEvent) {
  const { timeNs, dev, cpu, seq, pid, comm, action, op, flags, sector, bytes, error, aux, auxDev, msg } = e;
  return { timeNs, dev, cpu, seq, pid, comm, action, op, flags, sector, bytes, error, aux, auxDev, msg };
}

describe.each(CAPTURES)('%s', (name) => {
  test('binary and blkparse text give the same events', async () => {
    const binSrc = await openTrace(`traces/${name}`);
    const textSrc = await openTrace(`traces/${name}.blkparse.txt.gz`);
    expect(binSrc.info.format).toBe('blktrace');
    expect(textSrc.info.format).toBe('blkparse');
    const bin = (await drainEvents(binSrc)).sort(byKey);
    const text = (await drainEvents(textSrc)).sort(byKey);
    expect(text.length).toBe(bin.length);
    let mismatches = 0;
    for (let i = 0; i < bin.length; i++) {
      const want = asText(bin[i], text[i]);
      const got = fields(text[i]);
      if (JSON.stringify(want) !== JSON.stringify(got)) {
        mismatches++;
        if (mismatches <= 3) expect(got, `event ${i}`).toEqual(want);
      }
    }
    expect(mismatches).toBe(0);
  });
});
