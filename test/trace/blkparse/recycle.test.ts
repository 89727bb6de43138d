// Batch recycling (TraceSource.recycle): a consumer that hands every batch back gets the same
// events as one that keeps them, for the text readers and the binary one, also when batches
// hold messages (whose per-row text must not leak into a refilled batch).
import { describe, expect, test } from 'vitest';
import { blkparseFormat } from '../../../src/trace/blkparse/reader.js';
import { blktraceFormat } from '../../../src/trace/blktrace/reader.js';
import { eventAt, type TraceEvent, type TraceSource } from '../../../src/trace/event.js';
import { openInput } from '../../../src/trace/input.js';
import { drainEvents, memoryFile } from './helpers.js';

async function drainRecycling(src: TraceSource): Promise<TraceEvent[]> {
  const out: TraceEvent[] = [];
  for await (const b of src.batches()) {
    for (let i = 0; i < b.length; i++) out.push(eventAt(b, i, src.strings));
    src.recycle?.(b);
  }
  return out;
}

const TEXT = [
  '  8,0    3        0     0.000100000  4321  m   N first message',
  '  8,0    1        1     0.000200000  1234  Q  WS 2048 + 8 [fio]',
  '  8,0    1        2     0.000300000  1234  G  WS 2048 + 8 [fio]',
  '  8,0    3        0     0.000400000  4321  m   N second message',
  '  8,0    1        3     0.000500000  1234  D  WS 2048 + 8 [fio]',
  '  8,0    1        4     0.000600000     0  C  WS 2048 + 8 [0]',
  '  8,0    1        5     0.000700000  1234  Q   R 4096 + 16 [fio]',
].join('\n');

describe('recycled batches give the same events', () => {
  test('blkparse text, two rows per batch, messages at different rows', async () => {
    const open = () => blkparseFormat.open([memoryFile(`${TEXT}\n`)], { batchRows: 2 });
    const kept = await drainEvents(open());
    const recycled = await drainRecycling(open());
    expect(kept).toHaveLength(7);
    expect(recycled).toEqual(kept);
    expect(recycled.filter((e) => e.msg !== undefined).map((e) => e.msg)).toEqual([
      'first message',
      'second message',
    ]);
  });

  test('blktrace per-CPU files, small batches', async () => {
    const names = ['traces/seq-vs-rand.none.blktrace.0.gz', 'traces/seq-vs-rand.none.blktrace.1.gz'];
    const open = async () =>
      blktraceFormat.open(await Promise.all(names.map(openInput)), { batchRows: 1000 });
    const kept = await drainEvents(await open());
    const recycled = await drainRecycling(await open());
    expect(recycled.length).toBeGreaterThan(2000);
    expect(recycled).toEqual(kept);
  });
});
