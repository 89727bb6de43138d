// The sample blkparse text traces read back with blkparse's own summary block as the expected
// values (trace-formats §2.5): per direction, Q events = "Queued", D - R = "Dispatches",
// C = "Completed", M + F = "Merges", with their KiB, U/UT = "IO unplugs"/"Timer unplugs",
// and all events = "Events (...): N entries". The summary is parsed here, independently.
import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { openTrace } from '../../../src/trace/open.js';
import { drainEvents, parseSummary, traceText, WRITE_OPS } from './helpers.js';

const FILES = readdirSync('traces').filter((f) => f.endsWith('.blkparse.txt.gz'));

describe.each(FILES)('%s: counts equal blkparse summary block', (file) => {
  test('per action and direction, count and KiB', async () => {
    const { totals, events: entries } = parseSummary(traceText(file));
    const src = await openTrace(`traces/${file}`);
    expect(src.info.format).toBe('blkparse');
    const events = await drainEvents(src);
    expect(src.info.warnings).toEqual({});
    expect(events.length).toBe(entries);

    const count = (acts: string[], write: boolean) =>
      events.filter((e) => acts.includes(e.action) && WRITE_OPS.has(e.op) === write);
    const n = (acts: string[], w: boolean) => count(acts, w).length;
    // blkparse adds bytes >> 10 per event (blkparse.c account_*).
    const kib = (acts: string[], w: boolean) =>
      count(acts, w).reduce((s, e) => s + Math.floor(e.bytes / 1024), 0);

    expect([n(['Q'], false), n(['Q'], true)]).toEqual(totals['Reads Queued']);
    expect([kib(['Q'], false), kib(['Q'], true)]).toEqual(totals['Reads Queued KiB']);
    expect([n(['D'], false) - n(['R'], false), n(['D'], true) - n(['R'], true)]).toEqual(
      totals['Read Dispatches'],
    );
    expect([kib(['D'], false), kib(['D'], true)]).toEqual(totals['Read Dispatches KiB']);
    expect([n(['R'], false), n(['R'], true)]).toEqual(totals['Reads Requeued']);
    expect([n(['C'], false), n(['C'], true)]).toEqual(totals['Reads Completed']);
    expect([kib(['C'], false), kib(['C'], true)]).toEqual(totals['Reads Completed KiB']);
    expect([n(['M', 'F'], false), n(['M', 'F'], true)]).toEqual(totals['Read Merges']);
    expect([kib(['M', 'F'], false), kib(['M', 'F'], true)]).toEqual(totals['Read Merges KiB']);
    const unplugs = events.filter((e) => e.action === 'U').length;
    const timer = events.filter((e) => e.action === 'UT').length;
    expect([unplugs, timer]).toEqual(totals['IO unplugs']);
  });
});
