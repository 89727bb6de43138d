// Queue limits beside a trace: NAME.meta.json found from any of the trace's file names, its
// sysfs strings read as numbers, flags winning, odd values counted as warnings.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTraceMeta, traceLimits } from '../../src/replay/trace-meta.js';
import type { WarningCounts } from '../../src/trace/event.js';

const dir = mkdtempSync(join(tmpdir(), 'trace-meta-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const meta = join(dir, 'cap.none.meta.json');
writeFileSync(
  meta,
  JSON.stringify({
    queue: { nr_requests: '256', max_sectors_kb: '1280', rotational: '1', logical_block_size: 'x' },
  }),
);

describe('trace meta.json', () => {
  it('is found from the base name and from per-format file names', async () => {
    for (const name of ['cap.none', 'cap.none.blktrace.0.gz', 'cap.none.blkparse.txt.gz'])
      expect(await findTraceMeta(join(dir, name))).toBe(meta);
    expect(await findTraceMeta(join(dir, 'other'))).toBeUndefined();
    expect(await findTraceMeta(dir)).toBeUndefined();
  });

  it('sysfs strings become numbers; flags win; a bad value is a warning', async () => {
    const warnings: WarningCounts = {};
    const l = await traceLimits(join(dir, 'cap.none'), { max_sectors_kb: 64, nomerges: 2 }, warnings);
    expect(l.values).toEqual({ nr_requests: 256, max_sectors_kb: 64, rotational: 1, nomerges: 2 });
    expect(l.from).toEqual({
      nr_requests: 'meta.json',
      max_sectors_kb: 'flag',
      rotational: 'meta.json',
      nomerges: 'flag',
    });
    expect(Object.keys(warnings)).toHaveLength(1);
    expect(Object.keys(warnings)[0]).toContain('logical_block_size');
  });
});
