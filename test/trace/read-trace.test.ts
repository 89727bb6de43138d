// readTrace: open + pair, as inspect does; counts checked against btt's own file.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTrace } from '../../src/trace/read-trace.js';

const TRACE = new URL('../../traces/seqwrite-plug.none', import.meta.url).pathname;

describe('readTrace', () => {
  it('pairs every Q of a blktrace capture into one row (btt: 15359 Q)', async () => {
    const t = await readTrace(TRACE);
    // traces/README.md and the .btt.avg: 15359 Q for this capture.
    expect(readFileSync(`${TRACE}.btt.avg`, 'utf8')).toMatch(/15359/);
    expect(t.ios.length).toBe(15359);
    expect(t.info.format).toBe('blktrace');
    expect(t.strings.get(t.ios.comm[0])).toBe('fio');
    expect(t.btt).toBeDefined();
  });
});
