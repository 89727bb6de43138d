// Block tracepoint text (trace-formats §3.2) under the three wrappers of §3.3, line by line.
// Bodies follow the TP_printk formats of include/trace/events/block.h; expected values are
// read off each line by hand.
import { describe, expect, test } from 'vitest';
import { devOf, FLAG, IOPRIO_CLASS, ioprioValue } from '../../../src/trace/event.js';
import { LOST_EVENTS } from '../../../src/trace/ftrace/preamble.js';
import { tracepointFormat } from '../../../src/trace/ftrace/reader.js';
import { TRACEPOINT_REASON } from '../../../src/trace/ftrace/tracepoint-decoder.js';
import { readText } from '../blkparse/helpers.js';

async function read(lines: string[]) {
  return readText(tracepointFormat, `${lines.join('\n')}\n`);
}

async function one(line: string) {
  const { events, info } = await read([line]);
  expect(info.warnings).toEqual({});
  expect(events).toHaveLength(1);
  return events[0];
}

const ctx = (event: string, body: string, comm = 'fio-14935', cpu = '001', ts = '1221.633060') =>
  `${comm.padStart(22)} [${cpu}] ..... ${ts}: ${event}: ${body}`;

describe('events to actions', () => {
  test('block_bio_queue -> Q: dev, rwbs, sector, bytes, comm, pid, cpu; seq 0', async () => {
    const e = await one(ctx('block_bio_queue', '7,1 RM 68872 + 8 [rm]', 'rm-15161'));
    expect(e).toMatchObject({
      action: 'Q',
      dev: devOf(7, 1),
      op: 'read',
      flags: FLAG.META,
      sector: 68872,
      bytes: 4096,
      comm: 'rm',
      pid: 15161,
      cpu: 1,
      seq: 0,
      timeNs: 0,
      ioprio: 0,
    });
  });

  test.each([
    ['block_bio_backmerge', 'M'],
    ['block_bio_frontmerge', 'F'],
    ['block_getrq', 'G'],
    ['block_sleeprq', 'S'],
    ['block_bio_bounce', 'B'],
  ])('%s -> %s (a bio event: no FS flag)', async (event, act) => {
    const e = await one(ctx(event, '7,1 WS 16 + 8 [fio]'));
    expect(e).toMatchObject({ action: act, op: 'write', flags: FLAG.SYNC, sector: 16, bytes: 4096 });
  });

  test.each([
    ['block_rq_insert', 'I'],
    ['block_rq_issue', 'D'],
    ['block_rq_merge', 'M'],
  ])('%s -> %s: a request event, FLAG.FS, bytes from BYTES, PRIO -> ioprio', async (event, act) => {
    const e = await one(ctx(event, '7,1 RM 4096 () 68872 + 8 be,0,4 [rm]'));
    expect(e).toMatchObject({
      action: act,
      flags: FLAG.META | FLAG.FS,
      sector: 68872,
      bytes: 4096,
      ioprio: ioprioValue(IOPRIO_CLASS.BE, 4),
    });
  });

  test('PRIO classes rt, idle, none and the hint field', async () => {
    expect((await one(ctx('block_rq_issue', '7,0 R 4096 () 8 + 8 rt,0,0 [fio]'))).ioprio).toBe(
      ioprioValue(1, 0),
    );
    expect((await one(ctx('block_rq_issue', '7,0 R 4096 () 8 + 8 idle,0,0 [fio]'))).ioprio).toBe(
      ioprioValue(3, 0),
    );
    expect((await one(ctx('block_rq_issue', '7,0 R 4096 () 8 + 8 none,0,0 [fio]'))).ioprio).toBe(0);
    expect((await one(ctx('block_rq_issue', '7,0 R 4096 () 8 + 8 be,5,7 [fio]'))).ioprio).toBe(
      ioprioValue(2, 7, 5),
    );
  });

  test('kernels before the PRIO group: ioprio 0', async () => {
    const e = await one(ctx('block_rq_issue', '8,0 WS 4096 () 1024 + 8 [fio]'));
    expect(e).toMatchObject({ action: 'D', sector: 1024, bytes: 4096, ioprio: 0 });
    const c = await one(ctx('block_rq_complete', '8,0 WS () 1024 + 8 [0]'));
    expect(c).toMatchObject({ action: 'C', error: 0, ioprio: 0 });
  });

  test('block_rq_complete -> C with the completed bytes and the errno', async () => {
    const e = await one(ctx('block_rq_complete', '7,1 RM () 68872 + 8 be,0,4 [0]', 'ksoftirqd/1-22'));
    expect(e).toMatchObject({
      action: 'C',
      flags: FLAG.META | FLAG.FS,
      bytes: 4096,
      error: 0,
      comm: 'ksoftirqd/1',
      pid: 22,
    });
    expect((await one(ctx('block_rq_complete', '7,1 W () 8 + 8 be,0,4 [-5]'))).error).toBe(-5);
  });

  test('partial completions are kept as they come', async () => {
    const { events } = await read([
      ctx('block_rq_complete', '8,0 R () 100 + 8 be,0,4 [0]'),
      ctx('block_rq_complete', '8,0 R () 108 + 16 be,0,4 [0]'),
    ]);
    expect(events.map((e) => [e.action, e.sector, e.bytes])).toEqual([
      ['C', 100, 4096],
      ['C', 108, 8192],
    ]);
  });

  test('block_rq_error -> C with error; after its block_rq_complete twin it is skipped', async () => {
    const alone = await one(ctx('block_rq_error', '8,0 W () 8 + 8 be,0,4 [-5]'));
    expect(alone).toMatchObject({ action: 'C', error: -5, flags: FLAG.FS });
    const { events, info } = await read([
      ctx('block_rq_complete', '8,0 W () 8 + 8 be,0,4 [-5]'),
      ctx('block_rq_error', '8,0 W () 8 + 8 be,0,4 [-5]'),
    ]);
    expect(events.map((e) => [e.action, e.error])).toEqual([['C', -5]]);
    expect(info.warnings).toEqual({ [TRACEPOINT_REASON.ERROR_TWIN]: 1 });
  });

  test('block_bio_complete -> C without FS (a bio, not a request)', async () => {
    const e = await one(ctx('block_bio_complete', '253,0 R 2048 + 8 [0]'));
    expect(e).toMatchObject({
      action: 'C',
      dev: devOf(253, 0),
      flags: 0,
      sector: 2048,
      bytes: 4096,
      error: 0,
    });
  });

  test('block_rq_requeue -> R', async () => {
    const e = await one(ctx('block_rq_requeue', '8,0 W () 8 + 8 be,0,4 [0]'));
    expect(e).toMatchObject({ action: 'R', flags: FLAG.FS, sector: 8, bytes: 4096 });
  });

  test('block_plug -> P and block_unplug -> U with the request count', async () => {
    expect(await one(ctx('block_plug', '[fio]'))).toMatchObject({ action: 'P', op: 'none', sector: null });
    expect(await one(ctx('block_unplug', '[fio] 3'))).toMatchObject({ action: 'U', aux: 3, op: 'none' });
  });

  test('block_split -> X with the split point in aux', async () => {
    const e = await one(ctx('block_split', '7,1 W 442368 / 444928 [kworker/u8:2]', 'kworker/u8:2-8359'));
    expect(e).toMatchObject({ action: 'X', sector: 442368, aux: 444928, comm: 'kworker/u8:2' });
  });

  test('block_bio_remap and block_rq_remap -> A with origin dev and sector', async () => {
    expect(await one(ctx('block_bio_remap', '8,0 R 4096 + 8 <- (253,0) 1024'))).toMatchObject({
      action: 'A',
      sector: 4096,
      bytes: 4096,
      auxDev: devOf(253, 0),
      aux: 1024,
    });
    expect(await one(ctx('block_rq_remap', '8,0 W 4096 + 16 <- (8,1) 2048 2'))).toMatchObject({
      action: 'A',
      bytes: 8192,
      auxDev: devOf(8, 1),
      aux: 2048,
    });
  });

  test('the all-ones flush sector is no sector; FF is a flush', async () => {
    const e = await one(ctx('block_rq_complete', '7,1 FF () 18446744073709551615 + 0 none,0,0 [0]'));
    expect(e).toMatchObject({ action: 'C', op: 'flush', sector: null, bytes: 0, flags: FLAG.FS });
    const d = await one(ctx('block_rq_issue', '7,1 FF 0 () 0 + 0 none,0,0 [kworker/0:1H]'));
    expect(d).toMatchObject({ action: 'D', op: 'flush', sector: 0, bytes: 0 });
  });

  test('block_io_start/done and buffer events are counted and skipped', async () => {
    const { events, info } = await read([
      ctx('block_io_start', '8,0 W 4096 () 8 + 8 be,0,4 [fio]'),
      ctx('block_io_done', '8,0 W 0 () 8 + 0 be,0,4 [fio]'),
      ctx('block_dirty_buffer', '8,0 sector=1 size=4096'),
      ctx('block_touch_buffer', '8,0 sector=1 size=4096'),
      ctx('block_bio_queue', '8,0 W 8 + 8 [fio]'),
    ]);
    expect(events.map((e) => e.action)).toEqual(['Q']);
    expect(Object.values(info.warnings).reduce((a, b) => a + b, 0)).toBe(4);
  });

  test('times are relative to the first event, integer ns from µs', async () => {
    const { events } = await read([
      ctx('block_bio_queue', '8,0 W 8 + 8 [fio]', 'fio-1', '000', '1221.633060'),
      ctx('block_getrq', '8,0 W 8 + 8 [fio]', 'fio-1', '000', '1221.633074'),
      ctx('block_rq_issue', '8,0 W 4096 () 8 + 8 be,0,4 [fio]', 'fio-1', '000', '1222.000001'),
    ]);
    expect(events.map((e) => e.timeNs)).toEqual([0, 14_000, 366_941_000]);
  });
});

describe('RWBS of blk_fill_rwbs (kernel/trace/blktrace.c)', () => {
  test.each([
    ['R', 'read', 0],
    ['RA', 'read', FLAG.RAHEAD],
    ['WS', 'write', FLAG.SYNC],
    ['WFS', 'write', FLAG.FUA | FLAG.SYNC],
    ['FWFSM', 'write', FLAG.PREFLUSH | FLAG.FUA | FLAG.SYNC | FLAG.META],
    ['FWS', 'write', FLAG.PREFLUSH | FLAG.SYNC],
    ['F', 'flush', 0],
    ['FF', 'flush', 0],
    ['D', 'discard', 0],
    ['DE', 'secure_erase', 0],
    ['N', 'none', 0],
    ['ZA', 'zone_append', 0],
    ['ZR', 'zone_reset', 0],
    ['ZRA', 'zone_reset_all', 0],
    ['ZF', 'zone_finish', 0],
    ['ZO', 'zone_open', 0],
    ['ZC', 'zone_close', 0],
    ['WZ', 'write_zeroes', 0],
    ['WSU', 'write', FLAG.SYNC | FLAG.ATOMIC],
  ])('%s -> %s', async (rwbs, op, flags) => {
    const e = await one(ctx('block_bio_queue', `8,0 ${rwbs} 8 + 8 [fio]`));
    expect(e.op).toBe(op);
    expect(e.flags).toBe(flags);
  });
});

describe('wrappers (trace-formats §3.3)', () => {
  const body = 'block_rq_issue: 7,1 RM 4096 () 68872 + 8 be,0,4 [rm]';
  const want = { action: 'D', pid: 15161, cpu: 1, comm: 'rm', sector: 68872 };

  test('ftrace trace with irq-info flags', async () => {
    expect(await one(`              rm-15161   [001] d..1.  1221.633081: ${body}`)).toMatchObject(want);
  });
  test('ftrace with record-tgid', async () => {
    expect(await one(`              rm-15161   (  15161) [001] .....  1221.633081: ${body}`)).toMatchObject(
      want,
    );
  });
  test('trace-cmd report: no flags, padded event name', async () => {
    const line =
      '              rm-15161 [001]  1221.633081: block_rq_issue:       7,1 RM 4096 () 68872 + 8 be,0,4 [rm]';
    expect(await one(line)).toMatchObject(want);
  });
  test('trace-cmd report -t: ns timestamps', async () => {
    const { events } = await read([
      `              rm-15161 [001]  1221.633081123: ${body}`,
      `              rm-15161 [001]  1221.633081456: ${body}`,
    ]);
    expect(events[1].timeNs).toBe(333);
  });
  test('perf script: `comm pid [cpu] ts: block:event:`', async () => {
    const line =
      '              rm 15161 [001]  1221.633081: block:block_rq_issue: 7,1 RM 4096 () 68872 + 8 be,0,4 [rm]';
    expect(await one(line)).toMatchObject(want);
  });
  test('perf script with pid/tid takes the tid', async () => {
    const line =
      '              rm 15000/15161 [001]  1221.633081: block:block_rq_issue: 7,1 RM 4096 () 68872 + 8 be,0,4 [rm]';
    expect(await one(line)).toMatchObject(want);
  });
  test('comms with dashes, blanks, digits and brackets', async () => {
    const a = await one(
      `    jbd2/loop1-8-8223    [000] .....  1222.024505: block_bio_queue: 7,1 FWFSM 2965456 + 8 [jbd2/loop1-8]`,
    );
    expect(a).toMatchObject({ comm: 'jbd2/loop1-8', pid: 8223, cpu: 0 });
    const b = await one(
      `  Web Content-4242  [003] .....  1.000000: block_bio_queue: 8,0 R 8 + 8 [Web Content]`,
    );
    expect(b).toMatchObject({ comm: 'Web Content', pid: 4242, cpu: 3 });
    const c = await one(
      `  highpool[1]-77  [003] .....  1.000000: block_bio_queue: 8,0 R 8 + 8 [highpool[1]]`,
    );
    expect(c).toMatchObject({ comm: 'highpool[1]', pid: 77 });
  });
  test('`<...>` comm: the body name is used where the event has one', async () => {
    const e = await one(`           <...>-2801  [001] .....  10.000000: block_bio_queue: 8,0 R 8 + 8 [dd]`);
    expect(e).toMatchObject({ comm: 'dd', pid: 2801 });
    const c = await one(
      `           <...>-2801  [001] .....  10.000000: block_rq_complete: 8,0 R () 8 + 8 be,0,4 [0]`,
    );
    expect(c.comm).toBe('');
  });
});

describe('headers, other events, lost events', () => {
  test('# headers, trace-cmd preamble and other events are not garbage', async () => {
    const { events, info } = await read([
      '# tracer: nop',
      '#',
      '#                                _-----=> irqs-off/BH-disabled',
      '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
      'cpus=2',
      'version = 6',
      'CPU 3 is empty',
      '##### CPU 1 buffer started ####',
      ctx('sched_switch', 'prev_comm=fio prev_pid=1 ==> next_comm=swapper/1 next_pid=0'),
      ctx('block_bio_queue', '8,0 W 8 + 8 [fio]'),
    ]);
    expect(events).toHaveLength(1);
    expect(info.warnings).toEqual({ [TRACEPOINT_REASON.OTHER_EVENT]: 1 });
  });

  test('CPU:N [LOST n EVENTS] counts into lostEvents and warnings', async () => {
    const { events, info } = await read([
      ctx('block_bio_queue', '8,0 W 8 + 8 [fio]'),
      'CPU:1 [LOST 123 EVENTS]',
      ctx('block_bio_queue', '8,0 W 16 + 8 [fio]'),
      'CPU:1 [LOST 7 EVENTS]',
    ]);
    expect(events).toHaveLength(2);
    expect(info.lostEvents).toEqual({ '*,1': 130 });
    expect(info.warnings).toEqual({ [LOST_EVENTS]: 130 });
  });

  test('garbage lines are counted; a file of garbage is FTRACE_NO_EVENTS with its line', async () => {
    const { info } = await read([
      ctx('block_bio_queue', '8,0 W 8 + 8 [fio]'),
      'garbage',
      ctx('block_bio_queue', '8,0 W 8 + x [fio]'),
    ]);
    expect(info.warnings).toEqual({ [TRACEPOINT_REASON.NO_CONTEXT]: 1, [TRACEPOINT_REASON.MALFORMED]: 1 });
    const err = await read(['# tracer: nop', 'garbage']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FTRACE_NO_EVENTS', file: 'memory.txt', line: 2 });
  });

  test('a truncated last line is counted, not fatal', async () => {
    const { events, info } = await readText(
      tracepointFormat,
      `${ctx('block_bio_queue', '8,0 W 8 + 8 [fio]')}\n${ctx('block_bio_queue', '8,0 W 16 + 8 [fi')}`,
    );
    expect(events).toHaveLength(1);
    expect(Object.keys(info.warnings)).toEqual(['truncated last line (the trace was cut mid-write)']);
  });
});
