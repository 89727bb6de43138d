// The ftrace `blk` tracer's text (trace-formats §3.1): the ftrace context plus blkparse's
// tails, its `verbose` and `blk_classic` variants, cgroup ids, and the headers around them.
// Line layouts follow kernel/trace/blktrace.c (blk_log_action, blk_log_action_classic).
import { describe, expect, test } from 'vitest';
import { devOf, FLAG } from '../../../src/trace/event.js';
import { FTRACE_BLK_REASON } from '../../../src/trace/ftrace/blk-decoder.js';
import { ftraceBlkFormat } from '../../../src/trace/ftrace/reader.js';
import { chooseFormat } from '../../../src/trace/open.js';
import { memoryFile, readText } from '../blkparse/helpers.js';

async function read(lines: string[]) {
  return readText(ftraceBlkFormat, `${lines.join('\n')}\n`);
}

const HEADER = [
  '# tracer: blk',
  '#',
  '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
  '#              | |         |   |||||     |         |',
];

describe('default output', () => {
  test('context + `maj,min act rwbs tail`; time relative to the first event, from µs', async () => {
    const { events, info } = await read([
      ...HEADER,
      '             fio-14935   [001] .....  1221.633060:   7,0    Q  WS 0 + 8 [fio]',
      '             fio-14935   [001] .....  1221.633138:   7,0    G  WS 0 + 8 [fio]',
      '             fio-14935   [001] .....  1221.633141:   7,0    P   N [fio]',
      '             fio-14935   [001] .....  1221.633142:   7,0    U   N [fio] 1',
      '             fio-14935   [001] .....  1221.633144:   7,0    D  WS 0 + 8 [fio]',
      '     ksoftirqd/1-22      [001] ..s..  1221.633607:   7,0    C  WS 0 + 8 [0]',
      '          <idle>-0       [000] d.h1.  1221.633700:   7,0    C  WS 8 + 8 [65531]',
    ]);
    expect(info.warnings).toEqual({});
    expect(events.map((e) => [e.action, e.timeNs])).toEqual([
      ['Q', 0],
      ['G', 78_000],
      ['P', 81_000],
      ['U', 82_000],
      ['D', 84_000],
      ['C', 547_000],
      ['C', 640_000],
    ]);
    expect(events[0]).toMatchObject({
      dev: devOf(7, 0),
      cpu: 1,
      pid: 14935,
      comm: 'fio',
      seq: 0,
      op: 'write',
      flags: FLAG.SYNC,
    });
    expect(events[3].aux).toBe(1);
    expect(events[4].flags).toBe(FLAG.SYNC | FLAG.FS);
    expect(events[5]).toMatchObject({ comm: 'ksoftirqd/1', pid: 22, error: 0 });
    expect(events[6]).toMatchObject({ comm: '<idle>', pid: 0, cpu: 0, error: -5 });
  });

  test('remap, split and message bodies', async () => {
    const { events } = await read([
      '              dd-4321    [002] .....     0.000200:   8,0    A   R 4096 + 8 <- (253,0) 1024',
      '              dd-4321    [002] .....     0.000201:   8,0    X   R 4096 / 4104 [dd]',
      '              dd-4321    [002] .....     0.000300:   8,0    m   N bfq4321S dispatched',
    ]);
    expect(events[0]).toMatchObject({ action: 'A', sector: 4096, aux: 1024, auxDev: devOf(253, 0) });
    expect(events[1]).toMatchObject({ action: 'X', sector: 4096, aux: 4104 });
    expect(events[2]).toMatchObject({ action: 'm', msg: 'bfq4321S dispatched', op: 'none' });
  });

  test('verbose: long action names', async () => {
    const { events } = await read([
      '             fio-14935   [001] .....  1221.633060:   7,0    queue  WS 0 + 8 [fio]',
      '             fio-14935   [001] .....  1221.633142:   7,0    unplug_io   N [fio] 2',
      '             fio-14935   [001] .....  1221.633143:   7,0    unplug_timer   N [fio] 3',
      '     ksoftirqd/1-22      [001] ..s..  1221.633607:   7,0    complete  WS 0 + 8 [0]',
    ]);
    expect(events.map((e) => e.action)).toEqual(['Q', 'U', 'UT', 'C']);
    expect(events[2].aux).toBe(3);
  });

  test('blk_cgroup: the `low,high` id before the action sets FLAG.CGROUP', async () => {
    const { events } = await read([
      '             fio-14935   [001] .....  1221.633060:   7,0  1a,0   Q  WS 0 + 8 [fio]',
    ]);
    expect(events[0]).toMatchObject({ action: 'Q', flags: FLAG.SYNC | FLAG.CGROUP });
  });

  test('"Unknown action" lines are counted and skipped', async () => {
    const { events, info } = await read([
      '             fio-14935   [001] .....  1221.633060:   7,0    Q  WS 0 + 8 [fio]',
      '             fio-14935   [001] .....  1221.633061: Unknown action 12',
    ]);
    expect(events).toHaveLength(1);
    expect(info.warnings).toEqual({ [FTRACE_BLK_REASON.UNKNOWN_ACTION]: 1 });
  });
});

describe('blk_classic', () => {
  const lines = [
    '# tracer: blk',
    '# DEV   CPU TIMESTAMP     PID ACT FLG',
    '#  |     |     |           |   |   |',
    '  8,0    1  1221.633060123  1234  Q  WS 2048 + 8 [fio]',
    '  8,0    1  1221.633061000  1234  D  WS 2048 + 8 [fio]',
  ];

  test('dev cpu secs.nsecs pid act rwbs tail, times in ns', async () => {
    const { events, info } = await read(lines);
    expect(info.warnings).toEqual({});
    expect(events.map((e) => [e.action, e.timeNs, e.cpu, e.pid, e.comm, e.sector])).toEqual([
      ['Q', 0, 1, 1234, 'fio', 2048],
      ['D', 877, 1, 1234, 'fio', 2048],
    ]);
  });

  test('sniffed as ftrace-blk, not as blkparse text', () => {
    expect(chooseFormat([memoryFile(`${lines.join('\n')}\n`)]).id).toBe('ftrace-blk');
    expect(chooseFormat([memoryFile(`${lines.slice(3).join('\n')}\n`)]).id).toBe('ftrace-blk');
  });
});

describe('lost events and bad input', () => {
  test('CPU:N [LOST n EVENTS]', async () => {
    const { info } = await read([
      '             fio-14935   [001] .....  1221.633060:   7,0    Q  WS 0 + 8 [fio]',
      'CPU:0 [LOST 5 EVENTS]',
    ]);
    expect(info.lostEvents).toEqual({ '*,0': 5 });
  });

  test('garbage is counted; only garbage is FTRACE_NO_EVENTS', async () => {
    const { info } = await read([
      '             fio-14935   [001] .....  1221.633060:   7,0    Q  WS 0 + 8 [fio]',
      'junk here',
    ]);
    expect(info.warnings).toEqual({ [FTRACE_BLK_REASON.NO_CONTEXT]: 1 });
    const err = await read(['# tracer: blk', 'junk']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FTRACE_NO_EVENTS', line: 2 });
  });
});
