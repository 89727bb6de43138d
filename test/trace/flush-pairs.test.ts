// Empty flushes paired from the zero-byte events btt ignores (block/blk-flush.c): hand-built
// sequences with hand-worked expectations, the fsync capture against an independent pairing
// of its blkparse text, and the same rows from the binary, blkparse-text and tracepoint forms.
import { describe, expect, it } from 'vitest';
import { blkparseFormat } from '../../src/trace/blkparse/reader.js';
import {
  ACT,
  BATCH_ROWS,
  devMajor,
  devMinor,
  devOf,
  type EventBatch,
  FLAG,
  IOPRIO_CLASS,
  ioprioValue,
  newBatch,
  OP,
  StringTable,
  type TraceEvent,
  type TraceSource,
} from '../../src/trace/event.js';
import { FLUSH_WARNING } from '../../src/trace/flush-pairs.js';
import { IO_COLUMN_NAMES, type IoTable, ioAt, NONE } from '../../src/trace/io-table.js';
import { parseIoprioRules } from '../../src/trace/ioprio-rules.js';
import { openTrace } from '../../src/trace/open.js';
import { type PairResult, pairEvents } from '../../src/trace/pair.js';
import { printBlkparse } from '../helpers/blkparse-print.js';
import { drainEvents, memoryFile } from './blkparse/helpers.js';

const SDA = devOf(8, 0);
const SDB = devOf(8, 16);
const US = 1000;

/**
 * The events of an fsync as blktrace shows them. `FQ`/`FG`: the empty flush's Q and G
 * (`FWS`, write + PREFLUSH + SYNC, no data); `FD`/`FC`: the flush command (`D FN`, `C FN`);
 * `FE`: the empty flush's own end (`C WS 0`, PREFLUSH cleared). Data events: Q G D C with 8 sectors.
 */
type Kind = 'FQ' | 'FG' | 'FD' | 'FC' | 'FE' | 'Q' | 'G' | 'D' | 'C';
interface Ev {
  kind: Kind;
  t: number;
  pid?: number;
  cpu?: number;
  dev?: number;
  sector?: number;
  error?: number;
  ioprio?: number;
}

const LETTER: Record<Kind, 'Q' | 'G' | 'D' | 'C'> = {
  FQ: 'Q',
  FG: 'G',
  FD: 'D',
  FC: 'C',
  FE: 'C',
  Q: 'Q',
  G: 'G',
  D: 'D',
  C: 'C',
};

function batch(events: Ev[], strings: StringTable): EventBatch {
  const b = newBatch(events.length + 1);
  const fio = strings.intern('fio');
  for (const e of events) {
    const i = b.length++;
    b.timeNs[i] = e.t;
    b.dev[i] = e.dev ?? SDA;
    b.pid[i] = e.pid ?? 100;
    b.cpu[i] = e.cpu ?? 0;
    b.comm[i] = fio;
    b.error[i] = e.error ?? 0;
    b.ioprio[i] = e.ioprio ?? 0;
    const data = e.kind.length === 1;
    b.action[i] = ACT[LETTER[e.kind]];
    b.sector[i] = e.sector ?? (data ? 1000 : 0);
    b.bytes[i] = data ? 8 * 512 : 0;
    if (e.kind === 'FD' || e.kind === 'FC') b.op[i] = OP.FLUSH;
    else b.op[i] = OP.WRITE;
    if (e.kind === 'FQ' || e.kind === 'FG') b.flags[i] = FLAG.PREFLUSH | FLAG.SYNC;
    else if (e.kind === 'FE') b.flags[i] = FLAG.SYNC;
  }
  return b;
}

function source(events: Ev[]): TraceSource {
  const strings = new StringTable();
  const b = batch(events, strings);
  return {
    info: { format: 'test', files: [], bytes: 0, records: b.length, lines: 0, warnings: {}, hasStages: true },
    strings,
    async *batches() {
      yield b;
    },
  };
}

const pair = (events: Ev[]) => pairEvents(source(events));

/** [tQ, tG, tD, tC] of each flush row. */
function stamps(t: IoTable): number[][] {
  return Array.from({ length: t.length }, (_, i) => [t.tQ[i], t.tG[i], t.tD[i], t.tC[i]]);
}

describe('empty flushes: the flush state machine (block/blk-flush.c)', () => {
  it('Q G D-FN C-FN C: one row with every stamp; the command makes no row', async () => {
    const r = await pair([
      { kind: 'FQ', t: 1 * US },
      { kind: 'FG', t: 2 * US },
      { kind: 'FD', t: 3 * US },
      { kind: 'FC', t: 10 * US },
      { kind: 'FE', t: 11 * US },
    ]);
    expect(stamps(r.flushes)).toEqual([[1 * US, 2 * US, 3 * US, 11 * US]]);
    const row = ioAt(r.flushes, 0);
    expect(row).toMatchObject({ op: OP.WRITE, sector: NONE, bytes: 0, pid: 100, dev: SDA, error: 0 });
    expect(row.flags & FLAG.PREFLUSH).not.toBe(0);
    expect(r.ios.length).toBe(0);
    expect(r.warnings).toEqual({});
  });

  it('coalescing: two flushes waiting when one command is issued share it and end in queue order', async () => {
    const r = await pair([
      { kind: 'FQ', t: 1 * US, pid: 1, cpu: 0 },
      { kind: 'FQ', t: 2 * US, pid: 2, cpu: 1 },
      { kind: 'FG', t: 3 * US, pid: 2, cpu: 1 },
      { kind: 'FG', t: 4 * US, pid: 1, cpu: 0 },
      { kind: 'FD', t: 5 * US },
      { kind: 'FC', t: 20 * US },
      { kind: 'FE', t: 21 * US },
      { kind: 'FE', t: 22 * US },
    ]);
    // Rows in Q order; pid 2 got its request first, so it entered the flush queue first and ends first.
    expect(stamps(r.flushes)).toEqual([
      [1 * US, 4 * US, 5 * US, 22 * US],
      [2 * US, 3 * US, 5 * US, 21 * US],
    ]);
    expect(Array.from(r.flushes.pid)).toEqual([1, 2]);
    expect(r.warnings).toEqual({});
  });

  it('a flush queued while a command runs waits for the next command', async () => {
    const r = await pair([
      { kind: 'FQ', t: 1 * US, pid: 1 },
      { kind: 'FG', t: 2 * US, pid: 1 },
      { kind: 'FD', t: 3 * US },
      { kind: 'FQ', t: 4 * US, pid: 2 },
      { kind: 'FG', t: 5 * US, pid: 2 },
      { kind: 'FC', t: 10 * US },
      { kind: 'FE', t: 11 * US },
      { kind: 'FD', t: 12 * US },
      { kind: 'FC', t: 20 * US },
      { kind: 'FE', t: 21 * US },
    ]);
    expect(stamps(r.flushes)).toEqual([
      [1 * US, 2 * US, 3 * US, 11 * US],
      [4 * US, 5 * US, 12 * US, 21 * US],
    ]);
    expect(r.warnings).toEqual({});
  });

  it('a flush that entered the queue after a command was kicked, but before its D was traced, is served by the next', async () => {
    // Both have a G before the first D FN; only one ends after that command: the other was not in it.
    const r = await pair([
      { kind: 'FQ', t: 1 * US, pid: 1, cpu: 0 },
      { kind: 'FG', t: 2 * US, pid: 1, cpu: 0 },
      { kind: 'FQ', t: 3 * US, pid: 2, cpu: 1 },
      { kind: 'FG', t: 4 * US, pid: 2, cpu: 1 },
      { kind: 'FD', t: 5 * US },
      { kind: 'FC', t: 10 * US },
      { kind: 'FE', t: 11 * US },
      { kind: 'FD', t: 12 * US },
      { kind: 'FC', t: 20 * US },
      { kind: 'FE', t: 21 * US },
    ]);
    expect(stamps(r.flushes)).toEqual([
      [1 * US, 2 * US, 5 * US, 11 * US],
      [3 * US, 4 * US, 12 * US, 21 * US],
    ]);
  });

  it('a format without G: a flush is taken to enter the queue at its Q', async () => {
    const r = await pair([
      { kind: 'FQ', t: 1 * US },
      { kind: 'FD', t: 2 * US },
      { kind: 'FC', t: 3 * US },
      { kind: 'FE', t: 4 * US },
    ]);
    expect(stamps(r.flushes)).toEqual([[1 * US, NONE, 2 * US, 4 * US]]);
    expect(r.warnings).toEqual({});
  });

  it('a command between the first Q and its G (a data preflush) does not serve that flush', async () => {
    const r = await pair([
      { kind: 'FQ', t: 1 * US },
      { kind: 'FD', t: 2 * US },
      { kind: 'FG', t: 3 * US },
      { kind: 'FC', t: 4 * US },
      { kind: 'FD', t: 5 * US },
      { kind: 'FC', t: 6 * US },
      { kind: 'FE', t: 7 * US },
    ]);
    expect(stamps(r.flushes)).toEqual([[1 * US, 3 * US, 5 * US, 7 * US]]);
    expect(r.warnings).toEqual({});
  });

  it('no write cache: the flush ends right after its G, with no command and no D', async () => {
    const r = await pair([
      { kind: 'FQ', t: 1 * US },
      { kind: 'FG', t: 2 * US },
      { kind: 'FE', t: 3 * US },
      { kind: 'FQ', t: 5 * US },
      { kind: 'FG', t: 6 * US },
      { kind: 'FE', t: 7 * US },
    ]);
    expect(stamps(r.flushes)).toEqual([
      [1 * US, 2 * US, NONE, 3 * US],
      [5 * US, 6 * US, NONE, 7 * US],
    ]);
    expect(r.warnings).toEqual({});
  });

  it('a G goes to the waiting flush of the same pid and CPU, then of the same pid, then the oldest', async () => {
    const r = await pair([
      { kind: 'FQ', t: 1 * US, pid: 1, cpu: 0 },
      { kind: 'FQ', t: 2 * US, pid: 2, cpu: 0 },
      { kind: 'FQ', t: 3 * US, pid: 2, cpu: 1 },
      { kind: 'FQ', t: 4 * US, pid: 3, cpu: 0 },
      { kind: 'FG', t: 5 * US, pid: 2, cpu: 1 }, // same pid and CPU: row 2
      { kind: 'FG', t: 6 * US, pid: 2, cpu: 3 }, // same pid only: row 1
      { kind: 'FG', t: 7 * US, pid: 9, cpu: 0 }, // no match: the oldest waiting, row 0
    ]);
    expect(Array.from(r.flushes.tG)).toEqual([7 * US, 6 * US, 5 * US, NONE]);
    expect(r.warnings[FLUSH_WARNING.NEVER_COMPLETED]).toBe(4);
  });

  it('culling: flush events before the device has any Q are counted, not paired', async () => {
    const r = await pair([
      { kind: 'FG', t: 1 * US },
      { kind: 'FD', t: 2 * US },
      { kind: 'FC', t: 3 * US },
      { kind: 'FE', t: 4 * US },
      { kind: 'FQ', t: 5 * US },
      { kind: 'FG', t: 6 * US },
      { kind: 'FD', t: 7 * US },
      { kind: 'FC', t: 8 * US },
      { kind: 'FE', t: 9 * US },
    ]);
    expect(stamps(r.flushes)).toEqual([[5 * US, 6 * US, 7 * US, 9 * US]]);
    expect(r.warnings).toEqual({ [FLUSH_WARNING.CULLED]: 2 });
  });

  it("a data Q ends the culling for flushes too (the device's first Q)", async () => {
    const r = await pair([
      { kind: 'Q', t: 1 * US },
      { kind: 'FE', t: 2 * US },
      { kind: 'FG', t: 3 * US },
    ]);
    expect(r.flushes.length).toBe(0);
    expect(r.warnings).toMatchObject({ [FLUSH_WARNING.C_WITHOUT_Q]: 1, [FLUSH_WARNING.G_WITHOUT_Q]: 1 });
  });

  it('an unmatched empty-flush C is counted; one at a data sector ends a data write and is ignored', async () => {
    const r = await pair([
      { kind: 'FQ', t: 1 * US },
      { kind: 'FG', t: 2 * US },
      { kind: 'FD', t: 3 * US },
      { kind: 'FC', t: 4 * US },
      // a PREFLUSH data write's final zero-byte completion at its own sector: not an empty flush
      { kind: 'FE', t: 5 * US, sector: 2048 },
      { kind: 'FE', t: 6 * US },
      { kind: 'FE', t: 7 * US },
    ]);
    expect(stamps(r.flushes)).toEqual([[1 * US, 2 * US, 3 * US, 6 * US]]);
    expect(r.warnings).toEqual({ [FLUSH_WARNING.C_WITHOUT_Q]: 1 });
  });

  it('error and priority come from the completion; leftovers are counted as never completed', async () => {
    const be4 = ioprioValue(IOPRIO_CLASS.BE, 4);
    const r = await pair([
      { kind: 'FQ', t: 1 * US },
      { kind: 'FG', t: 2 * US },
      { kind: 'FQ', t: 3 * US },
      { kind: 'FD', t: 4 * US },
      { kind: 'FC', t: 5 * US },
      { kind: 'FE', t: 6 * US, error: -5, ioprio: be4 },
    ]);
    expect(r.flushes.error[0]).toBe(-5);
    expect(r.flushes.ioprio[0]).toBe(be4);
    expect(stamps(r.flushes)[1]).toEqual([3 * US, NONE, NONE, NONE]);
    expect(r.warnings).toEqual({ [FLUSH_WARNING.NEVER_COMPLETED]: 1 });
  });

  it('devices are paired apart', async () => {
    const r = await pair([
      { kind: 'FQ', t: 1 * US, dev: SDA },
      { kind: 'FQ', t: 2 * US, dev: SDB },
      { kind: 'FG', t: 3 * US, dev: SDB },
      { kind: 'FG', t: 4 * US, dev: SDA },
      { kind: 'FD', t: 5 * US, dev: SDB },
      { kind: 'FC', t: 6 * US, dev: SDB },
      { kind: 'FE', t: 7 * US, dev: SDB },
      { kind: 'FE', t: 8 * US, dev: SDA },
    ]);
    expect(stamps(r.flushes)).toEqual([
      [1 * US, 4 * US, NONE, 8 * US],
      [2 * US, 3 * US, 5 * US, 7 * US],
    ]);
    expect(Array.from(r.flushes.dev)).toEqual([SDA, SDB]);
  });

  it('two flush commands in flight on one device (several hardware queues) are counted once', async () => {
    const r = await pair([
      { kind: 'FQ', t: 1 * US, cpu: 0 },
      { kind: 'FG', t: 2 * US, cpu: 0 },
      { kind: 'FD', t: 3 * US },
      { kind: 'FQ', t: 4 * US, cpu: 1 },
      { kind: 'FG', t: 5 * US, cpu: 1 },
      { kind: 'FD', t: 6 * US },
      { kind: 'FC', t: 7 * US },
      { kind: 'FE', t: 8 * US },
      { kind: 'FC', t: 9 * US },
      { kind: 'FE', t: 10 * US },
      { kind: 'FQ', t: 11 * US, cpu: 0 },
      { kind: 'FG', t: 12 * US, cpu: 0 },
      { kind: 'FD', t: 13 * US },
      { kind: 'FD', t: 14 * US },
      { kind: 'FC', t: 15 * US },
      { kind: 'FC', t: 16 * US },
      { kind: 'FE', t: 17 * US },
    ]);
    expect(r.flushes.length).toBe(3);
    expect(Array.from(r.flushes.tC)).toEqual([8 * US, 10 * US, 17 * US]);
    expect(r.warnings).toEqual({ [FLUSH_WARNING.OVERLAP]: 1 });
  });

  it('--ioprio rules reach the flush rows too', async () => {
    const r = await pairEvents(source([{ kind: 'FQ', t: 1 * US, pid: 7 }]), {
      ioprioRules: parseIoprioRules(['pid:7=idle']),
    });
    expect(r.flushes.ioprio[0]).toBe(ioprioValue(IOPRIO_CLASS.IDLE, 0));
  });

  it('data rows and btt are the same with and without the flush events', async () => {
    const data: Ev[] = [
      { kind: 'Q', t: 1 * US, sector: 0 },
      { kind: 'G', t: 2 * US, sector: 0 },
      { kind: 'D', t: 4 * US, sector: 0 },
      { kind: 'C', t: 9 * US, sector: 0 },
    ];
    const flushes: Ev[] = [
      { kind: 'FQ', t: 3 * US },
      { kind: 'FG', t: 3.5 * US },
      { kind: 'FD', t: 5 * US },
      { kind: 'FC', t: 6 * US },
      { kind: 'FE', t: 7 * US },
    ];
    const both = await pair([...data, ...flushes].sort((a, b) => a.t - b.t));
    const alone = await pair(data);
    expect(ioAt(both.ios, 0)).toEqual(ioAt(alone.ios, 0));
    expect(both.btt).toEqual(alone.btt);
    expect(both.flushes.length).toBe(1);
  });
});

// The fsync capture (traces/README.md): fio's fsync and fdatasync jobs end each write with
// an empty flush; jbd2's commit writes carry PREFLUSH and share the same flush commands.
const FSYNC = 'traces/fsync-ext4.mq-deadline';

/**
 * Expected values from a separate Python script run once on `blkparse -i fs -q` of the two
 * binary files (54198 lines), which reads the text with str.split and applies the rule of
 * docs/metrics.md independently: a zero-byte Q whose RWBS starts with F opens a row; its G
 * stamps the oldest row without G (same pid and CPU first, then same pid); a `D FN` stamps
 * every row with a G and no D, and again a row stamped by the previous command and still
 * pending after that command's `C FN`; a zero-byte `C` at sector 0 (not FN) ends the row
 * stamped first (ties: earlier G). Sums are of integer ns since the genesis.
 */
const INDEPENDENT = {
  rows: 1802,
  completed: 1802,
  issued: 1802,
  sumTG: 795899815931,
  sumTD: 796023053968,
  sumTC: 796263415259,
  perPid: { 26403: 570, 26404: 661, 26405: 571 },
};

function sum(col: Float64Array): number {
  let s = 0;
  for (const v of col) if (v !== NONE) s += v;
  return s;
}

function rowsPerPid(t: IoTable): Record<number, number> {
  const out: Record<number, number> = {};
  for (let i = 0; i < t.length; i++) out[t.pid[i]] = (out[t.pid[i]] ?? 0) + 1;
  return out;
}

describe('empty flushes of the fsync capture', () => {
  it('binary: the rows of an independent pairing of its blkparse text', async () => {
    const r = await pairEvents(await openTrace(FSYNC));
    const f = r.flushes;
    expect(f.length).toBe(INDEPENDENT.rows);
    expect(f.tC.filter((v) => v !== NONE).length).toBe(INDEPENDENT.completed);
    expect(f.tD.filter((v) => v !== NONE).length).toBe(INDEPENDENT.issued);
    expect(sum(f.tG)).toBe(INDEPENDENT.sumTG);
    expect(sum(f.tD)).toBe(INDEPENDENT.sumTD);
    expect(sum(f.tC)).toBe(INDEPENDENT.sumTC);
    expect(rowsPerPid(f)).toEqual(INDEPENDENT.perPid);
    for (let i = 1; i < f.length; i++) expect(f.tQ[i]).toBeGreaterThanOrEqual(f.tQ[i - 1]);
    expect(Array.from(f.sector).every((s) => s === NONE)).toBe(true);
    expect(Array.from(f.bytes).every((b) => b === 0)).toBe(true);
    for (const reason of Object.values(FLUSH_WARNING)) expect(r.warnings[reason]).toBeUndefined();
  });

  it('blkparse text of the same records gives the same rows', async () => {
    const bin = await openTrace(FSYNC);
    const events = await drainEvents(bin);
    const text = `${events.map((e) => printBlkparse(printable(e))).join('\n')}\n`;
    const fromText = await pairEvents(
      blkparseFormat.open([memoryFile(text, 'fsync.txt')], { batchRows: BATCH_ROWS }),
    );
    const fromBinary = await pairEvents(await openTrace(FSYNC));
    expect(fromText.flushes.length).toBe(INDEPENDENT.rows);
    for (const name of IO_COLUMN_NAMES)
      if (name !== 'comm')
        expect(Array.from(fromText.flushes[name]), name).toEqual(Array.from(fromBinary.flushes[name]));
    const names = (r: PairResult) => Array.from(r.flushes.comm, (c) => r.strings.get(c));
    expect(names(fromText)).toEqual(names(fromBinary));
  });

  it('the tracepoint text of the same capture gives the same flushes, up to its clock', async () => {
    const bin = await pairEvents(await openTrace(FSYNC));
    const tp = await pairEvents(await openTrace(`${FSYNC}.tp.txt.gz`));
    const count = (t: IoTable, col: 'tG' | 'tD' | 'tC') => t[col].filter((v) => v !== NONE).length;
    expect(tp.flushes.length).toBe(INDEPENDENT.rows);
    for (const col of ['tG', 'tD', 'tC'] as const)
      expect(count(tp.flushes, col)).toBe(count(bin.flushes, col));
    expect(rowsPerPid(tp.flushes)).toEqual(INDEPENDENT.perPid);
    for (const reason of Object.values(FLUSH_WARNING)) expect(tp.warnings[reason]).toBeUndefined();
  });
});

/** What printBlkparse needs of an event read from the binary files. */
function printable(e: TraceEvent) {
  return {
    major: devMajor(e.dev),
    minor: devMinor(e.dev),
    cpu: e.cpu,
    seq: e.seq,
    timeNs: e.timeNs,
    pid: e.pid,
    action: e.action,
    op: OP[e.op.toUpperCase() as keyof typeof OP] ?? OP.NONE,
    flags: e.flags,
    sector: e.sector ?? 0,
    bytes: e.bytes,
    error: e.error,
    comm: e.comm === '' ? null : e.comm,
    aux: e.aux,
    auxMajor: devMajor(e.auxDev),
    auxMinor: devMinor(e.auxDev),
    msg: e.msg ?? '',
    elapsedNs: null,
    cgroup: null,
  };
}
