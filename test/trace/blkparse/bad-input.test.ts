// What the blkparse reader does with text that is not (all) blkparse events: garbage lines are
// counted, a file with nothing usable is a coded error naming the file and first bad line, a
// truncated last line is counted, and blkparse's own summary and notes are not garbage.
import { describe, expect, test } from 'vitest';
import { UfqReplayError } from '../../../src/errors.js';
import { BLKPARSE_REASON } from '../../../src/trace/blkparse/decoder.js';
import { blkparseFormat } from '../../../src/trace/blkparse/reader.js';
import { TRUNCATED_LAST_LINE } from '../../../src/trace/blkparse/text-source.js';
import { chooseFormat } from '../../../src/trace/open.js';
import { memoryFile, readText } from './helpers.js';

const Q = '  8,0    1        1     0.000000000  1234  Q  WS 2048 + 8 [fio]';
const C = '  8,0    1        2     0.000181020     0  C  WS 2048 + 8 [0]';

async function failure(text: string): Promise<UfqReplayError> {
  const err = await readText(blkparseFormat, text, { path: 'bad.txt' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UfqReplayError);
  return err as UfqReplayError;
}

describe('garbage and non-event lines', () => {
  test('garbage lines between events are counted with a reason, events kept', async () => {
    const text = [Q, 'hello world', '  8,0    1 x', C, ''].join('\n');
    const { events, info } = await readText(blkparseFormat, text);
    expect(events.map((e) => e.action)).toEqual(['Q', 'C']);
    expect(info.warnings).toEqual({ [BLKPARSE_REASON.UNRECOGNISED]: 1, [BLKPARSE_REASON.MALFORMED]: 1 });
    expect(info.warningWhere?.[BLKPARSE_REASON.UNRECOGNISED]).toEqual({ file: 'memory.txt', line: 2 });
    expect(info.lines).toBe(4);
  });

  test('the summary block (trace-formats §2.5) and "Input file" notes are not garbage', async () => {
    const text = [
      'Input file sda.blktrace.0 added',
      Q,
      C,
      'fio (1234)',
      ' Reads Queued:           0,        0KiB\t Writes Queued:           1,        4KiB',
      ' Allocation wait:        0\t\t Allocation wait:        0',
      'CPU1 (sda):',
      ' Reads Queued:           0,        0KiB\t Writes Queued:           1,        4KiB',
      ' Read depth:             0        \t Write depth:             1',
      ' IO unplugs:             0        \t Timer unplugs:           0',
      '',
      'Throughput (R/W): 0KiB/s / 22KiB/s',
      'Events (sda): 2 entries',
      'Skips: 0 forward (0 -   0.0%)',
      'Trace started at Wed Nov 26 23:15:00 2025',
      '',
    ].join('\n');
    const { events, info } = await readText(blkparseFormat, text);
    expect(events).toHaveLength(2);
    expect(info.warnings).toEqual({});
  });

  test('a header-shaped line not followed by a summary line is garbage', async () => {
    const { info } = await readText(blkparseFormat, [Q, 'something (else)', C, ''].join('\n'));
    expect(info.warnings).toEqual({ [BLKPARSE_REASON.UNRECOGNISED]: 1 });
  });

  test('a truncated last line is counted, not fatal', async () => {
    const cut = C.slice(0, C.length - 4); // "... 2048 + 8 " without "[0]"
    const { events, info } = await readText(blkparseFormat, `${Q}\n${cut}`);
    expect(events).toHaveLength(1);
    expect(info.warnings).toEqual({ [TRUNCATED_LAST_LINE]: 1 });
  });

  test('a complete last line without a newline is an event', async () => {
    const { events, info } = await readText(blkparseFormat, `${Q}\n${C}`);
    expect(events).toHaveLength(2);
    expect(info.warnings).toEqual({});
  });

  test('lines split across input chunks decode the same', async () => {
    const text = `${[Q, C, Q, C].join('\n')}\n`;
    const { events } = await readText(blkparseFormat, text, { chunk: 7 });
    expect(events.map((e) => e.action)).toEqual(['Q', 'C', 'Q', 'C']);
    expect(events.map((e) => e.rec)).toEqual([0, 1, 2, 3]);
  });
});

describe('nothing usable: BLKPARSE_NO_EVENTS', () => {
  test('a file of only garbage names the file and the first bad line', async () => {
    const err = await failure('\n\nnot a trace\nstill not\n');
    expect(err.code).toBe('BLKPARSE_NO_EVENTS');
    expect(err.file).toBe('bad.txt');
    expect(err.line).toBe(3);
  });

  test('an empty file, forced to blkparse', async () => {
    const err = await failure('');
    expect(err.code).toBe('BLKPARSE_NO_EVENTS');
    expect(err.line).toBeUndefined();
  });

  test('an empty file, sniffed, is INPUT_EMPTY', async () => {
    expect(() => chooseFormat([memoryFile('', 'empty.txt')])).toThrow(
      expect.objectContaining({ code: 'INPUT_EMPTY', file: 'empty.txt' }),
    );
  });

  test('a custom -f format file: clear error with a hint about -f (trace-formats §2.3)', async () => {
    // blkparse -f "%D %a %S %n\n"
    const text = '  8,0    Q 2048 8\n  8,0    G 2048 8\n  8,0    D 2048 8\n';
    expect(chooseFormat([memoryFile(text)]).id).toBe('blkparse');
    const err = await failure(text);
    expect(err.code).toBe('BLKPARSE_NO_EVENTS');
    expect(err.line).toBe(1);
    expect(err.hint).toMatch(/-f/);
  });
});
