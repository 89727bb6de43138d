// The 'blktrace' TraceFormat: layouts (per-CPU set, -d dump, interleaved stream), blkparse's
// merge order, info fields, and coded errors for bad input (codes and offsets, never messages).
import { describe, expect, it } from 'vitest';
import { UfqReplayError } from '../../../src/errors.js';
import { BlktraceSource, blktraceFormat } from '../../../src/trace/blktrace/reader.js';
import { BATCH_ROWS, devOf, type TraceEvent } from '../../../src/trace/event.js';
import { chooseFormat, openTrace, openTraceFiles } from '../../../src/trace/open.js';
import { cat, drain, memoryInput, splitRecords, traceBytes, v7Record } from './helpers.js';

const Q_READ = 0x00110001;
const PROCESS = 0x04000000;
const TIMESTAMP = 0x04000001;
const opts = { batchRows: BATCH_ROWS };

/** Everything but where a row came from (src, rec), which differs between layouts. */
const content = ({ src: _s, rec: _r, ...rest }: TraceEvent) => rest;

async function expectError(
  p: Promise<unknown> | (() => unknown),
  code: string,
  where: Record<string, unknown>,
) {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UfqReplayError);
  expect((err as UfqReplayError).code).toBe(code);
  expect(err).toMatchObject(where);
}

describe('blktrace reader: merge order equals blkparse (blkparse.c ms_sort/ms_resort)', () => {
  it('ties stay with the current CPU, and a tied CPU is inserted after the head', async () => {
    // Expected order printed by blkparse 1.2.0 for these five files: at time 0 CPUs 0, 2, 1;
    // at 4000 ns CPU 2 before CPU 0; at 5000 ns CPU 4 before CPU 3.
    const plan: Record<number, number[]> = {
      0: [1000, 5000],
      1: [1000, 4000],
      2: [1000, 3000, 5000],
      3: [6000],
      4: [2000, 6000],
    };
    const files = Object.entries(plan).map(([cpu, times]) =>
      memoryInput(
        `t.blktrace.${cpu}`,
        cat(
          ...times.map((t, k) =>
            v7Record({ action: Q_READ, cpu: Number(cpu), seq: k + 1, time: 1e9 + t, bytes: 4096 }),
          ),
        ),
      ),
    );
    const { events } = await drain(new BlktraceSource(files, opts));
    expect(events.map((e) => [e.cpu, e.seq, e.timeNs])).toEqual([
      [0, 1, 0],
      [2, 1, 0],
      [1, 1, 0],
      [4, 1, 1000],
      [2, 2, 2000],
      [1, 2, 3000],
      [2, 3, 4000],
      [0, 2, 4000],
      [4, 2, 5000],
      [3, 1, 5000],
    ]);
  });
});

describe('blktrace reader: layouts (trace-formats §1.1, §2.6, §7 item 1)', () => {
  it('genesis is the first event: times are relative, originMonoNs is absolute', async () => {
    const src = await openTrace('traces/seqwrite-plug.none');
    const { events } = await drain(src);
    expect(events[0].timeNs).toBe(0);
    // The first event record of the capture (cpu 1, seq 2) has time 1203257043600 ns.
    expect(src.info.originMonoNs).toBe(1203257043600);
    expect(src.info).toMatchObject({ format: 'blktrace', byteOrder: 'le', hasStages: true });
    expect((src as BlktraceSource).layout).toBe('per-cpu');
  });

  it('the -d dump of seq-vs-rand.none reads to the same events as its per-CPU files', async () => {
    const dump = await openTrace('traces/seq-vs-rand.none.dump.gz');
    expect((dump as BlktraceSource).layout).toBe('dump');
    const a = (await drain(dump)).events;
    const b = (await drain(await openTrace('traces/seq-vs-rand.none'))).events;
    expect(a.length).toBe(b.length);
    expect(a.map(content)).toEqual(b.map(content));
    expect(dump.info.warnings).toEqual({});
    expect(dump.info.originMonoNs).toBeUndefined();
  });

  it('an interleaved stream (blktrace -o -) is split by CPU and merged: same events, said so', async () => {
    const cpu0 = splitRecords(traceBytes('traces/seqwrite-plug.none.blktrace.0.gz'));
    const cpu1 = splitRecords(traceBytes('traces/seqwrite-plug.none.blktrace.1.gz'));
    // Chunks of 97 and 61 records alternate, as relay sub-buffers of two CPUs would.
    const parts: Uint8Array[] = [];
    for (let i = 0, j = 0; i < cpu0.length || j < cpu1.length; i += 97, j += 61) {
      parts.push(...cpu0.slice(i, i + 97), ...cpu1.slice(j, j + 61));
    }
    const src = new BlktraceSource([memoryInput('stdout.bin', cat(...parts), 4096)], opts);
    expect(src.layout).toBe('interleaved');
    const a = (await drain(src)).events;
    const b = (await drain(await openTrace('traces/seqwrite-plug.none'))).events;
    expect(a.map(content)).toEqual(b.map(content));
    expect(src.info.warnings.BLKTRACE_SORTED_EVENTS).toBeGreaterThan(0);
  });

  it('TIMESTAMP gives originWallNs at genesis: wall + (genesis - timestamp time)', async () => {
    const ts = new Uint8Array(8);
    new DataView(ts.buffer).setUint32(0, 1_700_000_000, true);
    const bytes = cat(
      v7Record({ action: TIMESTAMP, time: 1000, cpu: 0, pdu: ts }),
      v7Record({ action: Q_READ, time: 1500, cpu: 0, seq: 1, bytes: 4096 }),
    );
    const src = new BlktraceSource([memoryInput('x.blktrace.0', bytes)], opts);
    await drain(src);
    expect(src.info.originWallNs).toBe(1_700_000_000e9 + 500);
    expect(src.info.originMonoNs).toBe(1500);
  });

  it('batches respect batchRows; comm comes from PROCESS notes', async () => {
    const comm = [...new TextEncoder().encode('dd'), ...new Array(14).fill(0)];
    const recs = [v7Record({ action: PROCESS, pid: 9, time: 1, pdu: comm })];
    for (let k = 1; k <= 5; k++)
      recs.push(v7Record({ action: Q_READ, pid: 9, seq: k, time: k, bytes: 4096 }));
    const src = new BlktraceSource([memoryInput('x.blktrace.0', cat(...recs))], { batchRows: 2 });
    const { batches, events } = await drain(src);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(events.map((e) => e.comm)).toEqual(['dd', 'dd', 'dd', 'dd', 'dd']);
    expect(src.info.records).toBe(6);
  });

  it('sniffs either byte order; not text', () => {
    const rec = v7Record({ action: Q_READ });
    expect(blktraceFormat.sniff(rec, [])).toBeGreaterThan(0.9);
    expect(blktraceFormat.sniff(v7Record({ action: Q_READ }, false), [])).toBeGreaterThan(0.9);
    expect(
      blktraceFormat.sniff(new TextEncoder().encode('  8,0    1  1  0.000000000  1  Q  R 0 + 8 [x]'), []),
    ).toBe(0);
    expect(chooseFormat([memoryInput('x', rec)]).id).toBe('blktrace');
  });
});

describe('blktrace reader: bad input gives coded errors with file and offset', () => {
  const good = () => splitRecords(traceBytes('traces/seqwrite-plug.none.blktrace.1.gz'));

  it('truncated file: the records before the cut, and a BLKTRACE_TRUNCATED warning at the cut', async () => {
    const recs = good().slice(0, 10);
    const whole = cat(...recs);
    const cut = whole.length - 30; // inside the tenth record
    const src = new BlktraceSource([memoryInput('cut.blktrace.1', whole.subarray(0, cut))], opts);
    const { events } = await drain(src);
    const notes = recs.slice(0, 9).filter((r) => r[31] === 0x04).length; // NOTIFY category byte
    expect(events.length).toBe(9 - notes);
    expect(src.info.warnings).toEqual({ BLKTRACE_TRUNCATED: 1 });
    expect(src.info.warningWhere?.BLKTRACE_TRUNCATED).toMatchObject({
      file: 'cut.blktrace.1',
      offset: whole.length - recs[9].length,
    });
  });

  it('a file cut inside its first record: BLKTRACE_TRUNCATED at offset 0', async () => {
    const src = new BlktraceSource([memoryInput('x', v7Record({ action: Q_READ }).subarray(0, 30))], opts);
    await expectError(drain(src), 'BLKTRACE_TRUNCATED', { file: 'x', offset: 0 });
  });

  it('wrong magic: BLKTRACE_BAD_MAGIC at offset 0', async () => {
    const bytes = v7Record({ action: Q_READ });
    bytes[1] = 0x75;
    await expectError(() => new BlktraceSource([memoryInput('bad', bytes)], opts), 'BLKTRACE_BAD_MAGIC', {
      file: 'bad',
      offset: 0,
    });
  });

  it('wrong version: BLKTRACE_BAD_VERSION at offset 0', async () => {
    await expectError(
      () => new BlktraceSource([memoryInput('v6', v7Record({ action: Q_READ, version: 6 }))], opts),
      'BLKTRACE_BAD_VERSION',
      { file: 'v6', offset: 0 },
    );
  });

  it('random bytes: FORMAT_UNKNOWN when sniffed, BLKTRACE_BAD_MAGIC when forced', async () => {
    // A fixed pseudo-random sequence (LCG), so the test is deterministic.
    const bytes = new Uint8Array(4096);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      bytes[i] = x >>> 24;
    }
    expect(() => chooseFormat([memoryInput('rnd', bytes)])).toThrow(UfqReplayError);
    await expectError(() => chooseFormat([memoryInput('rnd', bytes)]), 'FORMAT_UNKNOWN', {
      file: 'rnd',
      offset: 0,
    });
    await expectError(() => blktraceFormat.open([memoryInput('rnd', bytes)], opts), 'BLKTRACE_BAD_MAGIC', {
      file: 'rnd',
      offset: 0,
    });
  });

  it('empty file: INPUT_EMPTY at offset 0', async () => {
    await expectError(
      () => new BlktraceSource([memoryInput('e.blktrace.0', new Uint8Array(0))], opts),
      'INPUT_EMPTY',
      {
        file: 'e.blktrace.0',
        offset: 0,
      },
    );
  });

  it('notes only: BLKTRACE_NO_RECORDS', async () => {
    const only = v7Record({ action: PROCESS, pid: 1, pdu: new Array(16).fill(0x61) });
    await expectError(drain(new BlktraceSource([memoryInput('n', only)], opts)), 'BLKTRACE_NO_RECORDS', {
      file: 'n',
    });
  });

  it('an idle CPU’s empty file is fine beside a non-empty one', async () => {
    const files = [
      memoryInput('s.blktrace.0', new Uint8Array(0)),
      memoryInput('s.blktrace.1', v7Record({ action: Q_READ, cpu: 1, seq: 1, device: devOf(8, 0) })),
    ];
    const { events } = await drain(new BlktraceSource(files, opts));
    expect(events.map((e) => [e.src, e.cpu])).toEqual([[1, 1]]);
  });

  it('openTraceFiles on a real per-CPU file set picks blktrace', async () => {
    const src = await openTraceFiles([
      'traces/ext4-copy-read.mq-deadline.blktrace.0.gz',
      'traces/ext4-copy-read.mq-deadline.blktrace.1.gz',
    ]);
    expect(src.info.format).toBe('blktrace');
  });
});
