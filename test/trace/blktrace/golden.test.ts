// Golden: real per-CPU captures in traces/ read to exactly the event stream blkparse printed
// for them (traces/NAME.blkparse.txt.gz), line by line, and to the counts of its summary block.
import { describe, expect, it } from 'vitest';
import { rwbsOf } from '../../../src/trace/blktrace/action.js';
import { devName, OP, type TraceEvent } from '../../../src/trace/event.js';
import { openTrace } from '../../../src/trace/open.js';
import { drain, readBlkparseText, type TextLine } from './helpers.js';

const TRACES = ['seqwrite-plug.none', 'ext4-copy-read.mq-deadline', 'seq-vs-rand.none'];

/** Differences between one event and its text line, as readable strings. */
function diffLine(e: TraceEvent, t: TextLine): string[] {
  const d: string[] = [];
  const eq = (what: string, got: unknown, want: unknown) => {
    if (got !== want) d.push(`${what}: got ${got}, blkparse ${want}`);
  };
  eq('dev', devName(e.dev), t.dev);
  eq('cpu', e.cpu, t.cpu);
  // blkparse prints a literal 0 in the sequence column of messages.
  eq('seq', e.action === 'm' ? 0 : e.seq, t.seq);
  eq('time', e.timeNs, t.timeNs);
  eq('pid', e.pid, t.pid);
  eq('action', e.action, t.action);
  eq('rwbs', rwbsOf(OP[e.op.toUpperCase() as keyof typeof OP] ?? OP.NONE, e.flags), t.rwbs);
  if (t.sector !== null) eq('sector', e.sector, t.sector);
  if (e.action !== 'X') eq('nr_sectors', e.bytes >> 9, t.nrSectors);
  if (e.action === 'U' || e.action === 'UT' || e.action === 'X' || e.action === 'A')
    eq('aux', e.aux, t.extra);
  if (e.action === 'A') eq('from', devName(e.auxDev), t.fromDev);
  // On C and R lines the brackets hold the error; elsewhere the process name.
  if (t.comm !== null && e.action !== 'C' && e.action !== 'R') eq('comm', e.comm || '(null)', t.comm);
  if ((e.action === 'C' || e.action === 'R') && t.comm !== null)
    eq('error', e.error & 0xffff, Number(t.comm));
  return d;
}

interface Side {
  queued: number;
  queuedKiB: number;
  dispatches: number;
  dispatchKiB: number;
  requeued: number;
  completed: number;
  completedKiB: number;
  merges: number;
  mergeKiB: number;
}
interface Summary {
  read: Side;
  write: Side;
  ioUnplugs: number;
  timerUnplugs: number;
}

function emptySide(): Side {
  return {
    queued: 0,
    queuedKiB: 0,
    dispatches: 0,
    dispatchKiB: 0,
    requeued: 0,
    completed: 0,
    completedKiB: 0,
    merges: 0,
    mergeKiB: 0,
  };
}

/** blkparse's per-CPU and total counters, computed from our events (trace-formats §2.5). */
function countEvents(events: TraceEvent[], cpu: number | null): Summary {
  const s: Summary = { read: emptySide(), write: emptySide(), ioUnplugs: 0, timerUnplugs: 0 };
  for (const e of events) {
    if (cpu !== null && e.cpu !== cpu) continue;
    // Split by the WRITE category bit, which discards carry too.
    const side = e.op === 'write' || e.op === 'discard' ? s.write : s.read;
    const kib = e.bytes >> 10;
    switch (e.action) {
      case 'Q':
        side.queued++;
        side.queuedKiB += kib;
        break;
      case 'M':
      case 'F':
        side.merges++;
        side.mergeKiB += kib;
        break;
      case 'D':
        side.dispatches++;
        side.dispatchKiB += kib;
        break;
      case 'R':
        side.requeued++;
        side.dispatchKiB -= kib;
        break;
      case 'C':
        side.completed++;
        side.completedKiB += kib;
        break;
      case 'U':
        s.ioUnplugs++;
        break;
      case 'UT':
        s.timerUnplugs++;
        break;
    }
  }
  return s;
}

/** One `Label: count[, amountKiB]` pair of the summary block. */
function field(block: string, label: string): [number, number] {
  const m = new RegExp(`${label}:\\s+(\\d+)(?:,\\s+(\\d+)KiB)?`).exec(block);
  if (!m) throw new Error(`no '${label}' in summary block`);
  return [Number(m[1]), Number(m[2] ?? 0)];
}

/** Parses a `CPUn (name):` or `Total (name):` block of blkparse's summary. */
function parseBlock(block: string): Summary {
  const side = (r: 'Reads' | 'Writes', one: 'Read' | 'Write'): Side => {
    const [queued, queuedKiB] = field(block, `${r} Queued`);
    const [dispatches, dispatchKiB] = field(block, `${one} Dispatches`);
    const [requeued] = field(block, `${r} Requeued`);
    const [completed, completedKiB] = field(block, `${r} Completed`);
    const [merges, mergeKiB] = field(block, `${one} Merges`);
    return {
      queued,
      queuedKiB,
      dispatches,
      dispatchKiB,
      requeued,
      completed,
      completedKiB,
      merges,
      mergeKiB,
    };
  };
  return {
    read: side('Reads', 'Read'),
    write: side('Writes', 'Write'),
    ioUnplugs: field(block, 'IO unplugs')[0],
    timerUnplugs: field(block, 'Timer unplugs')[0],
  };
}

describe.each(
  TRACES,
)('golden %s: per-CPU binary equals blkparse text (trace-formats §1.10, §2.1)', (name) => {
  const load = async () => {
    const src = await openTrace(`traces/${name}`);
    const { events } = await drain(src);
    return { src, events, text: readBlkparseText(`traces/${name}.blkparse.txt.gz`) };
  };

  it('every event line matches in order: cpu, sequence, time, pid, action, rwbs, sector, nr_sectors', async () => {
    const { events, text } = await load();
    expect(events.length).toBe(text.lines.length);
    const mismatches: string[] = [];
    for (let i = 0; i < text.lines.length && mismatches.length < 5; i++) {
      const d = diffLine(events[i], text.lines[i]);
      if (d.length > 0) mismatches.push(`line ${i}: ${d.join('; ')}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('per-CPU and total counters equal the summary block (trace-formats §2.5)', async () => {
    const { src, events, text } = await load();
    const blocks = text.text.split(/\n(?=CPU\d+ \(|Total \()/).slice(1);
    const cpus = [...new Set(events.map((e) => e.cpu))].sort((a, b) => a - b);
    expect(blocks.length).toBe(cpus.length > 1 ? cpus.length + 1 : cpus.length);
    cpus.forEach((cpu, i) => {
      expect(countEvents(events, cpu), `CPU${cpu}`).toEqual(parseBlock(blocks[i]));
    });
    if (cpus.length > 1) expect(countEvents(events, null), 'Total').toEqual(parseBlock(blocks[cpus.length]));
    const entries = /Events \([^)]*\): (\d+) entries/.exec(text.text);
    expect(events.length).toBe(Number(entries?.[1]));
    // blkparse reports no sequence skips for these captures, and neither do we.
    expect(/Skips: (\d+) forward/.exec(text.text)?.[1]).toBe('0');
    expect(src.info.lostEvents).toBeUndefined();
    expect(src.info.warnings).toEqual({});
  });
});
