// Queue limits beside a trace: NAME.meta.json found from any of the trace's file names, its
// sysfs strings read as numbers, flags winning, odd or out-of-range values counted as
// warnings and left to the model's defaults, so the replay still runs.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { replay } from '../../src/replay/replay.js';
import { findTraceMeta, readMetaLimits, traceLimits } from '../../src/replay/trace-meta.js';
import type { WarningCounts } from '../../src/trace/event.js';

const TRACES = new URL('../../traces/', import.meta.url).pathname;
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

// Bounds the kernel puts on the sysfs files: nr_requests BLKDEV_MIN_RQ (4) ..
// MAX_SCHED_RQ (16 × 128 = 2048) (include/linux/blkdev.h, block/blk-mq-sched.h); max_sectors_kb
// at least 8 sectors = 4 KiB (block/blk-settings.c); 4 GiB as the model's upper bound.
const NR = [4, 2048] as const;
const KB = [4, 1 << 22] as const;

describe('out-of-range meta.json values', () => {
  it('are dropped with a warning naming the file, the key and the value', async () => {
    const file = join(dir, 'odd.none.meta.json');
    writeFileSync(file, JSON.stringify({ queue: { nr_requests: '1', max_sectors_kb: 0, rotational: '0' } }));
    const warnings: WarningCounts = {};
    expect(await readMetaLimits(file, warnings)).toEqual({ rotational: 0 });
    const reasons = Object.keys(warnings).sort();
    expect(reasons).toHaveLength(2);
    for (const [reason, key, value] of [
      [reasons[0], 'queue.max_sectors_kb', ' 0 '],
      [reasons[1], 'queue.nr_requests', ' 1 '],
    ]) {
      expect(reason.startsWith('odd.none.meta.json:')).toBe(true);
      expect(reason).toContain(`${key}${value}`);
      expect(warnings[reason]).toBe(1);
    }
    const l = await traceLimits(join(dir, 'odd.none'), {}, {});
    expect(l.from).toEqual({ rotational: 'meta.json' });
  });

  test.prop([fc.integer({ min: 0, max: 1 << 23 }), fc.integer({ min: 0, max: 1 << 23 })])(
    'a value inside the kernel bounds is used unchanged, one outside is a warning',
    async (nr, kb) => {
      const file = join(dir, 'prop.meta.json');
      writeFileSync(file, JSON.stringify({ queue: { nr_requests: String(nr), max_sectors_kb: kb } }));
      const warnings: WarningCounts = {};
      const v = await readMetaLimits(file, warnings);
      const nrOk = nr >= NR[0] && nr <= NR[1];
      const kbOk = kb >= KB[0] && kb <= KB[1];
      expect(v.nr_requests).toBe(nrOk ? nr : undefined);
      expect(v.max_sectors_kb).toBe(kbOk ? kb : undefined);
      expect(Object.keys(warnings)).toHaveLength(Number(!nrOk) + Number(!kbOk));
    },
  );

  it('the edges of each range are kept', async () => {
    for (const [nr, kb] of [
      [NR[0], KB[0]],
      [NR[1], KB[1]],
    ]) {
      const file = join(dir, 'edge.meta.json');
      writeFileSync(file, JSON.stringify({ queue: { nr_requests: nr, max_sectors_kb: String(kb) } }));
      const warnings: WarningCounts = {};
      expect(await readMetaLimits(file, warnings)).toEqual({ nr_requests: nr, max_sectors_kb: kb });
      expect(warnings).toEqual({});
    }
  });
});

describe('a replay beside a meta.json', () => {
  /** traces/seq-vs-rand.none's per-CPU blktrace files copied under `name`, with `queue` as meta.json. */
  function capture(name: string, queue: Record<string, unknown>): string {
    for (const cpu of [0, 1])
      copyFileSync(`${TRACES}seq-vs-rand.none.blktrace.${cpu}.gz`, join(dir, `${name}.blktrace.${cpu}.gz`));
    writeFileSync(join(dir, `${name}.meta.json`), JSON.stringify({ queue }));
    return join(dir, name);
  }
  const opts = { policy: 'none', device: 'nvme', mode: 'closed' as const };

  it('goes on with the defaults when nr_requests and max_sectors_kb are out of range', async () => {
    const r = await replay({
      ...opts,
      trace: capture('bad.none', { nr_requests: '1', max_sectors_kb: '0' }),
    });
    expect(r.limitsFrom.nr_requests).toBe('default');
    expect(r.limitsFrom.max_sectors_kb).toBe('default');
    const reasons = Object.keys(r.warnings).filter((w) => w.startsWith('bad.none.meta.json:'));
    expect(reasons.some((w) => w.includes('queue.nr_requests 1 '))).toBe(true);
    expect(reasons.some((w) => w.includes('queue.max_sectors_kb 0 '))).toBe(true);
    expect(r.conservation.lost).toBe(0);
  });

  it('uses a valid meta.json as it is', async () => {
    const queue = JSON.parse(readFileSync(`${TRACES}seq-vs-rand.none.meta.json`, 'utf8')).queue;
    const r = await replay({ ...opts, trace: capture('good.none', queue) });
    expect(r.limits.nr_requests).toBe(Number(queue.nr_requests));
    expect(r.limits.max_sectors_kb).toBe(Number(queue.max_sectors_kb));
    expect(r.limitsFrom.nr_requests).toBe('meta.json');
    expect(r.limitsFrom.max_sectors_kb).toBe('meta.json');
    expect(Object.keys(r.warnings).filter((w) => w.includes('meta.json'))).toEqual([]);
  });
});
