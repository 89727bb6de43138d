// blkparse default text, line by line (trace-formats §2.1, §2.2): every action's tail, the
// RWBS letters, errors, names, messages and -t values. Expected values come from the spec's
// examples and its field definitions, computed by hand.
import { describe, expect, test } from 'vitest';
import { blkparseFormat } from '../../../src/trace/blkparse/reader.js';
import { devOf, FLAG } from '../../../src/trace/event.js';
import { readText } from './helpers.js';

async function one(line: string) {
  const { events, info } = await readText(blkparseFormat, `${line}\n`);
  expect(info.warnings).toEqual({});
  expect(events).toHaveLength(1);
  return events[0];
}

describe('blkparse header and tails (trace-formats §2.1)', () => {
  test('Q with sync write: header fields and `S + n [name]`', async () => {
    const e = await one('  8,0    1        1     0.000000000  1234  Q  WS 2048 + 8 [fio]');
    expect(e).toMatchObject({
      dev: devOf(8, 0),
      cpu: 1,
      seq: 1,
      timeNs: 0,
      pid: 1234,
      comm: 'fio',
      action: 'Q',
      op: 'write',
      flags: FLAG.SYNC,
      sector: 2048,
      bytes: 8 * 512,
      error: 0,
    });
  });

  test('time is seconds.nanoseconds as integer ns, without float rounding', async () => {
    const e = await one('  8,0    1        2   123.000001812  1234  G  WS 2048 + 8 [fio]');
    expect(e.timeNs).toBe(123_000_001_812);
    const big = await one('259,5    0  4000000 90061.999999999  1234  G  WS 2048 + 8 [fio]');
    expect(big.timeNs).toBe(90_061_999_999_999);
    expect(big.dev).toBe(devOf(259, 5));
  });

  test('P: `[name]`, no sector, no operation', async () => {
    const e = await one('  8,0    1        3     0.000002401  1234  P   N [fio]');
    expect(e).toMatchObject({ action: 'P', op: 'none', flags: 0, sector: null, bytes: 0, comm: 'fio' });
  });

  test('U and UT carry the unplug depth in aux', async () => {
    expect(await one('  8,0    1        5     0.000003540  1234  U   N [fio] 1')).toMatchObject({
      action: 'U',
      aux: 1,
      comm: 'fio',
    });
    expect(await one('  7,1    1     7858     1.802702992  8359 UT   N [kworker/u8:2-kv] 8')).toMatchObject({
      action: 'UT',
      aux: 8,
      comm: 'kworker/u8:2-kv',
    });
  });

  test('I and D are request events: FLAG.FS with the sector form', async () => {
    const e = await one('  8,0    1        4     0.000003006  1234  I  WS 2048 + 8 [fio]');
    expect(e.flags).toBe(FLAG.SYNC | FLAG.FS);
    const d = await one('  8,0    1        6     0.000004113  1234  D  WS 2048 + 8 [fio]');
    expect(d).toMatchObject({ action: 'D', flags: FLAG.SYNC | FLAG.FS, sector: 2048, bytes: 4096 });
  });

  test('C: `S + n [err]`; the name is not printed', async () => {
    const e = await one('  8,0    1        7     0.000181020     0  C  WS 2048 + 8 [0]');
    expect(e).toMatchObject({
      action: 'C',
      sector: 2048,
      bytes: 4096,
      error: 0,
      comm: '',
      flags: FLAG.SYNC | FLAG.FS,
    });
  });

  test('C error printed as unsigned u16 decodes as negative errno (trace-formats §1.9)', async () => {
    expect((await one('  8,0    1        7     0.000181020     0  C  WS 2048 + 8 [65531]')).error).toBe(-5);
    expect((await one('  8,0    1        7     0.000181020     0  C   R 2048 + 8 [65475]')).error).toBe(-61);
    expect((await one('  8,0    1        8     0.000181020     0  R   R 2048 + 8 [65531]')).error).toBe(-5);
  });

  test('C of an empty flush: `S [err]`, op flush', async () => {
    const e = await one('  7,1    1     6218     0.391758676    22  C  FN 0 [0]');
    expect(e).toMatchObject({ action: 'C', op: 'flush', sector: 0, bytes: 0, flags: FLAG.FS });
  });

  test('D with no data prints only the name: no sector', async () => {
    const e = await one('  7,1    0     2206     0.391485124    58  D  FN [kworker/0:1H-kb]');
    expect(e).toMatchObject({ action: 'D', op: 'flush', sector: null, bytes: 0, comm: 'kworker/0:1H-kb' });
  });

  test('A: `S + n <- (maj,min) from` into aux and auxDev', async () => {
    const e = await one('  8,0    2        9     0.000200000  4321  A   R 4096 + 8 <- (253,0) 1024');
    expect(e).toMatchObject({
      action: 'A',
      op: 'read',
      sector: 4096,
      bytes: 4096,
      aux: 1024,
      auxDev: devOf(253, 0),
    });
  });

  test('X: `S / split [name]`', async () => {
    const e = await one('  8,0    2       10     0.000200500  4321  X   R 4096 / 4104 [dd]');
    expect(e).toMatchObject({ action: 'X', sector: 4096, aux: 4104, comm: 'dd' });
  });

  test('M, F, G, S, B and the legacy letters decode', async () => {
    for (const a of ['M', 'F', 'G', 'S', 'B']) {
      const e = await one(`  8,0    0       11     0.000300000  4321  ${a}   W 64 + 8 [dd]`);
      expect(e).toMatchObject({ action: a, op: 'write', sector: 64, bytes: 4096, flags: 0 });
    }
  });

  test('passthrough (PC) forms: `bytes [name]`, `bytes (pdu) [name]`, `(pdu) [err]`, `[err]`', async () => {
    expect(
      await one('  8,0    0       12     0.000300000  4321  D   R 512 (12 00 00 00 24 00 ..) [sg_inq]'),
    ).toMatchObject({
      action: 'D',
      bytes: 512,
      sector: null,
      flags: FLAG.PC,
      comm: 'sg_inq',
    });
    expect(await one('  8,0    0       13     0.000300000  4321  I   N 0 [sg_inq]')).toMatchObject({
      flags: FLAG.PC,
    });
    expect(
      await one('  8,0    0       14     0.000300000     0  C   R (12 00 00 00 24 00 ..) [0]'),
    ).toMatchObject({
      flags: FLAG.PC,
      error: 0,
    });
    expect(await one('  8,0    0       15     0.000300000     0  C   R [65531]')).toMatchObject({
      flags: FLAG.PC,
      error: -5,
    });
  });

  test('-t elapsed values are accepted and not taken for data', async () => {
    const d = await one('  8,0    1        6     0.000004113  1234  D  WS 2048 + 8 (    1107) [fio]');
    expect(d).toMatchObject({ sector: 2048, bytes: 4096, comm: 'fio' });
    const c = await one('  8,0    1        7     0.000181020     0  C  WS 2048 + 8 (  176907) [0]');
    expect(c).toMatchObject({ sector: 2048, bytes: 4096, error: 0 });
  });

  test('names: (null), and names with blanks, slashes and brackets', async () => {
    expect((await one('  8,0    1        1     0.000000000  1234  Q   R 8 + 8 [(null)]')).comm).toBe('');
    expect((await one('  8,0    1        1     0.000000000  1234  Q   R 8 + 8 [jbd2/sda1-8]')).comm).toBe(
      'jbd2/sda1-8',
    );
    expect((await one('  8,0    1        1     0.000000000  1234  Q   R 8 + 8 [Web Content]')).comm).toBe(
      'Web Content',
    );
    expect((await one('  8,0    1        1     0.000000000  1234  Q   R 8 + 8 [highpool[1]]')).comm).toBe(
      'highpool[1]',
    );
    expect(await one('  8,0    1        1     0.000000000  1234  U   N [a] 5] 3')).toMatchObject({
      comm: 'a] 5',
      aux: 3,
    });
  });

  test('widths are minimums: wide values push columns right', async () => {
    const e = await one(
      '259,1048575 127 4294967295 100000.000000001 4194304  Q FWFSM 281474976710655 + 2560 [x]',
    );
    expect(e).toMatchObject({
      dev: devOf(259, 1048575),
      cpu: 127,
      seq: 4294967295,
      timeNs: 100000_000000001,
      pid: 4194304,
      sector: 281474976710655,
      bytes: 2560 * 512,
    });
  });
});

describe('RWBS letters -> op and flags (trace-formats §1.6)', () => {
  const cases: Array<[string, string, number]> = [
    ['R', 'read', 0],
    ['RA', 'read', FLAG.RAHEAD],
    ['RM', 'read', FLAG.META],
    ['W', 'write', 0],
    ['WS', 'write', FLAG.SYNC],
    ['WSM', 'write', FLAG.SYNC | FLAG.META],
    ['WFS', 'write', FLAG.FUA | FLAG.SYNC],
    ['FWFS', 'write', FLAG.PREFLUSH | FLAG.FUA | FLAG.SYNC],
    ['FWFSM', 'write', FLAG.PREFLUSH | FLAG.FUA | FLAG.SYNC | FLAG.META],
    ['FWS', 'write', FLAG.PREFLUSH | FLAG.SYNC],
    ['D', 'discard', 0],
    ['DS', 'discard', FLAG.SYNC],
    ['FN', 'flush', 0],
    ['N', 'none', 0],
    ['RB', 'read', FLAG.PREFLUSH], // old blkparse: barrier after the direction
    ['BW', 'write', FLAG.PREFLUSH], // old kernels: B where F is now
  ];
  for (const [rwbs, op, flags] of cases) {
    test(`${rwbs} -> ${op}`, async () => {
      const e = await one(`  8,0    0        1     0.000000000     1  G ${rwbs.padStart(3)} 8 + 8 [t]`);
      expect(e.op).toBe(op);
      expect(e.flags).toBe(flags);
    });
  }
});

describe('messages (trace-formats §2.2)', () => {
  test('m: sequence 0, RWBS N, text verbatim', async () => {
    const e = await one('  8,0    3        0     0.000300000  4321  m   N bfq4321S dispatched');
    expect(e).toMatchObject({ action: 'm', seq: 0, op: 'none', sector: null, msg: 'bfq4321S dispatched' });
  });

  test('m with a cgroup id before the action sets FLAG.CGROUP', async () => {
    const e = await one('  8,0    3        0     0.000300000  4321 1,0  m   N  two  spaces kept ');
    expect(e).toMatchObject({ action: 'm', flags: FLAG.CGROUP, msg: ' two  spaces kept ' });
  });
});
