// --ioprio specs: pid:PID=CLASS[/LEVEL] and comm:NAME[*]=CLASS[/LEVEL] (kernel encoding from
// include/uapi/linux/ioprio.h: class << 13 | level; rt/be default to level 4).
import { describe, expect, it } from 'vitest';
import { EXIT, UfqReplayError } from '../../src/errors.js';
import { ioprioForProcess, parseIoprioRule } from '../../src/trace/ioprio-rules.js';

describe('--ioprio rules', () => {
  it('parses pid and comm rules into kernel-encoded priorities', () => {
    expect(parseIoprioRule('pid:1234=rt/0')).toMatchObject({ kind: 'pid', pid: 1234, ioprio: (1 << 13) | 0 });
    expect(parseIoprioRule('comm:fio=be/4')).toMatchObject({
      kind: 'comm',
      comm: 'fio',
      ioprio: (2 << 13) | 4,
    });
    expect(parseIoprioRule('comm:backup=idle').ioprio).toBe(3 << 13);
    expect(parseIoprioRule('comm:x=RT').ioprio).toBe((1 << 13) | 4);
    expect(parseIoprioRule('comm:x=none').ioprio).toBe(0);
    expect(parseIoprioRule('comm:kworker*=idle')).toMatchObject({ comm: 'kworker', prefix: true });
  });

  it.each([
    'fio=be',
    'pid:12x=be',
    'pid:=rt',
    'comm:=be',
    'user:root=be',
    'comm:fio=fast',
    'comm:fio=be/8',
    'comm:fio=be/x',
    'comm:fio',
  ])('rejects %s with IOPRIO_BAD_SPEC (exit 2) and a hint', (spec) => {
    let err: unknown;
    try {
      parseIoprioRule(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UfqReplayError);
    const u = err as UfqReplayError;
    expect(u.code).toBe('IOPRIO_BAD_SPEC');
    expect(u.exitCode).toBe(EXIT.USAGE);
    expect(u.hint).toBeTruthy();
  });

  it('a pid rule wins over a comm rule; among comm rules the first match wins', () => {
    const rules = ['comm:fio=idle', 'comm:f*=rt/1', 'pid:42=be/3'].map(parseIoprioRule);
    expect(ioprioForProcess(rules, 42, 'fio')).toBe((2 << 13) | 3);
    expect(ioprioForProcess(rules, 7, 'fio')).toBe(3 << 13);
    expect(ioprioForProcess(rules, 7, 'fsck')).toBe((1 << 13) | 1);
    expect(ioprioForProcess(rules, 7, 'cat')).toBeUndefined();
  });
});
