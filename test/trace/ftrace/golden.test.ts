// The sample tracepoint traces (traces/*.tp.txt.gz) against independent sources:
// - a plain count of each event name in the raw lines;
// - btt's "Device Merge Information" of the same capture (.btt.avg): #Q = Q events with data, #D = D
//   events that carry data (btt leaves the empty flush dispatches out), Total = their sectors;
// - blkparse's summary block where the capture also has blkparse text (same I/Os);
// - fio's job results for prio-classes: one job per class, the D count per class = its I/Os.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { IOPRIO_CLASS_NAME, ioprioClass, ioprioLevel, type TraceEvent } from '../../../src/trace/event.js';
import { openTrace } from '../../../src/trace/open.js';
import { parseBttAvg } from '../../helpers/btt-avg.js';
import { countActions, drainEvents, parseSummary, traceText, WRITE_OPS } from '../blkparse/helpers.js';

const FILES = readdirSync('traces').filter((f) => f.endsWith('.tp.txt.gz'));
const captureOf = (f: string) => f.replace(/\.tp\.txt\.gz$/, '');

const cache = new Map<string, TraceEvent[]>();
async function events(file: string): Promise<TraceEvent[]> {
  let ev = cache.get(file);
  if (ev === undefined) {
    const src = await openTrace(`traces/${file}`);
    expect(src.info.format).toBe('tracepoint');
    ev = await drainEvents(src);
    expect(src.info.warnings).toEqual({});
    cache.set(file, ev);
  }
  return ev;
}

/** Lines naming `event` as their tracepoint (`: name: ` after the context). */
function rawCount(text: string, event: string): number {
  let n = 0;
  const needle = ` ${event}: `;
  for (const l of text.split('\n')) if (l.includes(needle)) n++;
  return n;
}

describe.each(FILES)('%s', (file) => {
  test('per-action counts equal raw event-name counts', async () => {
    const text = traceText(file);
    const c = countActions(await events(file));
    const raw = (...names: string[]) => names.reduce((s, n) => s + rawCount(text, n), 0);
    expect(c.Q ?? 0).toBe(raw('block_bio_queue'));
    expect(c.G ?? 0).toBe(raw('block_getrq'));
    expect(c.I ?? 0).toBe(raw('block_rq_insert'));
    expect(c.D ?? 0).toBe(raw('block_rq_issue'));
    expect(c.C ?? 0).toBe(raw('block_rq_complete', 'block_bio_complete'));
    expect(c.M ?? 0).toBe(raw('block_bio_backmerge', 'block_rq_merge'));
    expect(c.F ?? 0).toBe(raw('block_bio_frontmerge'));
    expect(c.X ?? 0).toBe(raw('block_split'));
    expect(c.P ?? 0).toBe(raw('block_plug'));
    expect(c.U ?? 0).toBe(raw('block_unplug'));
    expect(c.R ?? 0).toBe(raw('block_rq_requeue'));
  });

  test('Q and D match btt merge information of the capture', async () => {
    const btt = parseBttAvg(readFileSync(`traces/${captureOf(file)}.btt.avg`, 'utf8'));
    expect(btt.merges).toHaveLength(1);
    const ev = await events(file);
    const d = ev.filter((e) => e.action === 'D' && e.bytes > 0);
    // btt/output.c raises #Q to #D (a trace whose bios the kernel split has more Ds than Qs).
    // Empty flushes (Q without data) are left out by btt, as their Ds are (btt/trace_queue.c).
    const q = ev.filter((e) => e.action === 'Q' && e.bytes > 0);
    expect(Math.max(q.length, d.length)).toBe(btt.merges[0].q);
    expect(d.length).toBe(btt.merges[0].d);
    expect(d.reduce((s, e) => s + e.bytes / 512, 0)).toBe(btt.merges[0].total);
  });
});

const WITH_TEXT = FILES.filter((f) => readdirSync('traces').includes(`${captureOf(f)}.blkparse.txt.gz`));

describe.each(WITH_TEXT)('%s against the blkparse summary of the same capture', (file) => {
  test('queued, dispatched, completed and merged, per direction, count and KiB', async () => {
    const { totals } = parseSummary(traceText(`${captureOf(file)}.blkparse.txt.gz`));
    const ev = await events(file);
    const pick = (acts: string[], w: boolean) =>
      ev.filter((e) => acts.includes(e.action) && WRITE_OPS.has(e.op) === w);
    const both = (acts: string[]) => [pick(acts, false).length, pick(acts, true).length];
    const kib = (acts: string[]) =>
      [false, true].map((w) => pick(acts, w).reduce((s, e) => s + Math.floor(e.bytes / 1024), 0));
    expect(both(['Q'])).toEqual(totals['Reads Queued']);
    expect(kib(['Q'])).toEqual(totals['Reads Queued KiB']);
    expect(both(['D'])).toEqual(totals['Read Dispatches']);
    expect(kib(['D'])).toEqual(totals['Read Dispatches KiB']);
    expect(both(['C'])).toEqual(totals['Reads Completed']);
    expect(kib(['C'])).toEqual(totals['Reads Completed KiB']);
    expect(both(['M', 'F'])).toEqual(totals['Read Merges']);
    expect(kib(['M', 'F'])).toEqual(totals['Read Merges KiB']);
  });
});

describe('prio-classes.none: I/O priority from the PRIO group', () => {
  test('the three fio jobs are exactly the rt, be and idle classes, with their levels and I/O counts', async () => {
    const fio = JSON.parse(readFileSync('traces/prio-classes.none.fio.json', 'utf8')) as {
      jobs: Array<{
        jobname: string;
        'job options': { prioclass: string; prio?: string };
        read: { total_ios: number };
      }>;
    };
    const ev = (await events('prio-classes.none.tp.txt.gz')).filter((e) => e.action === 'D');
    const byClass = new Map<string, { n: number; levels: Set<number> }>();
    for (const e of ev) {
      const cls = IOPRIO_CLASS_NAME[ioprioClass(e.ioprio)];
      const entry = byClass.get(cls) ?? { n: 0, levels: new Set<number>() };
      entry.n++;
      entry.levels.add(ioprioLevel(e.ioprio));
      byClass.set(cls, entry);
    }
    expect([...byClass.keys()].sort()).toEqual(['be', 'idle', 'rt']);
    expect(fio.jobs).toHaveLength(3);
    for (const job of fio.jobs) {
      const cls = IOPRIO_CLASS_NAME[Number(job['job options'].prioclass)];
      expect(cls).toBe(job.jobname);
      const got = byClass.get(cls);
      expect(got?.n).toBe(job.read.total_ios);
      // fio's prio is the level within the class; the idle class has none (level 0).
      expect([...(got?.levels ?? [])]).toEqual([Number(job['job options'].prio ?? 0)]);
    }
  });
});
